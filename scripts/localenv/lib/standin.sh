# shellcheck shell=bash
# Shared by the node stand-ins (kubeadm, systemctl, nvidia-smi): sourced, never run.

# standin_record STATE CLUSTER NODE ARGV...: appends "<ISO time> <cluster> <node> <argv>"
# to STATE/calls.log (under a lock: joins run in parallel). Bootstrap-token and
# certificate-key values are replaced by <redacted>.
standin_record() {
  local state=$1 cluster=$2 node=$3 out=() redact=0 arg
  shift 3
  for arg in "$@"; do
    if [ "$redact" = 1 ]; then out+=("<redacted>"); redact=0; continue; fi
    case $arg in
      --token | --certificate-key) out+=("$arg"); redact=1 ;;
      --token=* | --certificate-key=*) out+=("${arg%%=*}=<redacted>") ;;
      *) out+=("$arg") ;;
    esac
  done
  (
    flock 9
    printf '%s %s %s %s\n' "$(iso_now)" "$cluster" "$node" "${out[*]}" >>"$state/calls.log"
  ) 9>>"$state/calls.lock"
}
