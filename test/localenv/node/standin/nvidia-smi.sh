#!/usr/bin/env bash
# nvidia-smi stand-in of a simulated vNode, installed only on nodes started with
# VK8S_SIM_GPUS=N (N > 0): reports N simulated GPUs. There is no GPU, driver or
# device node behind it. Every call is recorded in STATE_DIR/calls.log.
#   nvidia-smi -L                                  "GPU i: Simulated GPU (UUID: GPU-...)"
#   nvidia-smi --query-gpu=index,uuid,name --format=csv,noheader
#   nvidia-smi                                     a short summary
set -euo pipefail
state=$1 cluster=$2 node=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../lib/common.sh
. "$here/../../lib/common.sh"
# shellcheck source=../../lib/standin.sh
. "$LOCALENV_DIR/lib/standin.sh"
standin_record "$state" "$cluster" "$node" nvidia-smi "$@"

gpus=$(cat "$state/nodes/$cluster/$node/gpus" 2>/dev/null || echo 0)
uuid() { printf 'GPU-00000000-0000-4000-8000-%012d' "$1"; }
query="" i=0
for a in "$@"; do case $a in --query-gpu=*) query=${a#*=} ;; esac; done
if [ "${1:-}" = -L ]; then
  while [ "$i" -lt "$gpus" ]; do echo "GPU $i: Simulated GPU (UUID: $(uuid "$i"))"; i=$((i + 1)); done
elif [ -n "$query" ]; then
  while [ "$i" -lt "$gpus" ]; do
    line="" sep=""
    for field in ${query//,/ }; do
      case $field in
        index) v=$i ;; uuid | gpu_uuid) v=$(uuid "$i") ;; name | gpu_name) v="Simulated GPU" ;;
        memory.total) v="16384 MiB" ;; *) v="[N/A]" ;;
      esac
      line="$line$sep$v" sep=", "
    done
    echo "$line"
    i=$((i + 1))
  done
elif [ $# -eq 0 ]; then
  echo "NVIDIA-SMI (localenv stand-in)   Driver Version: simulated   GPUs: $gpus"
else
  echo "nvidia-smi stand-in: \"$*\" is not simulated" >&2
  exit 1
fi
