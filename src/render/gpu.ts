/**
 * GPU isolation of vNodes (reference, section 5).
 *
 * A privileged container sees every GPU of the host, whatever it requested. So a vNode
 * that asks for N GPUs:
 *   1. requests `nvidia.com/gpu: N` from the host (`vNodeResources`), so the host's NVIDIA
 *      device plugin accounts for them and tells the pod which ones it got, either as env
 *      `NVIDIA_VISIBLE_DEVICES` (UUIDs or indexes) or as mounts under
 *      `/var/run/nvidia-container-devices/`;
 *   2. runs `renderGpuIsolationScript()` on start (sourced by the vNode start script),
 *      which keeps only the allocated `/dev/nvidiaN`, masks the NVML view
 *      (`/proc/driver/nvidia/gpus`) to them, records them in `/etc/vk8s/gpus` and exports
 *      `NVIDIA_VISIBLE_DEVICES` for the inner container runtime, and fails loudly when it
 *      finds a count other than N (`VK8S_EXPECTED_GPUS`);
 *   3. the inner NVIDIA device plugin (bootstrap) then advertises exactly N.
 * A vNode with no GPU hides them all and sets `NVIDIA_VISIBLE_DEVICES=void`.
 *
 * This guards against accidents (a pod using a GPU the host gave to someone else), not
 * against the vNode's root, which is privileged on the host anyway.
 */
import type { ResolvedNode } from "../cluster/resolved";
import { GPU_RESOURCE } from "../core/labels";

/** Where the host device plugin mounts allocated devices with `--device-list-strategy=volume-mounts`. */
export const NVIDIA_DEVICES_DIR = "/var/run/nvidia-container-devices";

/** Writable vk8s directory in the vNode (the isolation's outputs; the image's init hook). */
export const VNODE_CONFIG_DIR = "/etc/vk8s";
/**
 * The allocation file: the allocated GPU UUIDs, one a line (empty without GPUs). Written by
 * the isolation script; read by the kink image's start and by the bootstrap's checks
 * (`GPU_ALLOCATION_FILE` of programs/lib.sh, which `test/facts.test.ts` keeps equal to this).
 */
export const GPU_LIST_FILE = `${VNODE_CONFIG_DIR}/gpus`;
/** `NVIDIA_VISIBLE_DEVICES=<uuids>|void`, for the inner containerd. */
export const GPU_ENV_FILE = `${VNODE_CONFIG_DIR}/gpu.env`;

/**
 * requests/limits of the vNode container with the GPU count taken from `node.gpus` alone:
 * `nvidia.com/gpu: N` in limits, in requests only when the user put it there (Kubernetes
 * wants extended-resource requests equal to limits, or absent); no GPU key when N is 0.
 */
export function vNodeResources(node: ResolvedNode): { requests: Record<string, string>; limits: Record<string, string> } {
  const requests = { ...node.requests };
  const limits = { ...node.limits };
  delete limits[GPU_RESOURCE];
  const userRequestedGpus = GPU_RESOURCE in requests;
  delete requests[GPU_RESOURCE];
  if (node.gpus > 0) {
    limits[GPU_RESOURCE] = String(node.gpus);
    if (userRequestedGpus) requests[GPU_RESOURCE] = String(node.gpus);
  }
  return { requests, limits };
}

/**
 * Env of the vNode container for the isolation: the expected count; with no GPU,
 * `NVIDIA_VISIBLE_DEVICES=void` so a host NVIDIA runtime injects nothing; with GPUs,
 * `NVIDIA_DRIVER_CAPABILITIES=all` so the host runtime mounts the driver libraries the
 * inner runtime and device plugin need (`NVIDIA_VISIBLE_DEVICES` is left to the host plugin).
 */
export function gpuEnv(node: ResolvedNode): { name: string; value: string }[] {
  const env = [{ name: "VK8S_EXPECTED_GPUS", value: String(node.gpus) }];
  if (node.gpus === 0) env.push({ name: "NVIDIA_VISIBLE_DEVICES", value: "void" });
  else env.push({ name: "NVIDIA_DRIVER_CAPABILITIES", value: "all" });
  return env;
}

const SCRIPT = `#!/bin/sh
# vk8s GPU isolation of a vNode (rendered by vk8s, src/render/gpu.ts). POSIX sh.
# Sourced by the vNode start script before the image's init; also runs on its own.
#
# Inputs (env):
#   VK8S_EXPECTED_GPUS       nvidia.com/gpu of this vNode (required, whole number)
#   NVIDIA_VISIBLE_DEVICES   allocation from the host device plugin (UUIDs or indexes)
#   VK8S_NVIDIA_DEVICES_DIR  allocation as mounts         (default ${NVIDIA_DEVICES_DIR})
#   VK8S_DEV_ROOT            device directory             (default /dev)
#   VK8S_PROC_GPUS_DIR       driver's GPU list            (default /proc/driver/nvidia/gpus)
#   VK8S_CONFIG_DIR          where gpus/gpu.env are written (default ${VNODE_CONFIG_DIR})
#   VK8S_RUN_DIR             scratch for the /proc mask   (default /run/vk8s)
#   VK8S_MASK_PROC           1 masks the /proc view of unallocated GPUs (default 1)
set -eu

vk8s_log() { printf 'vk8s gpu isolation: %s\\n' "$*" >&2; }
vk8s_fail() { vk8s_log "ERROR: $*"; exit 1; }

case "\${VK8S_EXPECTED_GPUS:-}" in
  '' | *[!0-9]*) vk8s_fail "VK8S_EXPECTED_GPUS='\${VK8S_EXPECTED_GPUS:-}' is not a whole number (set it to the vNode's nvidia.com/gpu limit)" ;;
esac
vk8s_expected=$VK8S_EXPECTED_GPUS
vk8s_dev=\${VK8S_DEV_ROOT:-/dev}
vk8s_mounts=\${VK8S_NVIDIA_DEVICES_DIR:-${NVIDIA_DEVICES_DIR}}
vk8s_proc=\${VK8S_PROC_GPUS_DIR:-/proc/driver/nvidia/gpus}
vk8s_cfg=\${VK8S_CONFIG_DIR:-${VNODE_CONFIG_DIR}}
vk8s_run=\${VK8S_RUN_DIR:-/run/vk8s}

# The host's GPUs, one "<minor> <uuid> <bus id>" line each, in PCI order (= NVML index).
vk8s_gpu_table() {
  if [ -d "$vk8s_proc" ]; then
    for vk8s_d in "$vk8s_proc"/*; do
      [ -f "$vk8s_d/information" ] || continue
      vk8s_u=$(sed -n 's/^GPU UUID:[[:space:]]*\\([^[:space:]]*\\).*/\\1/p' "$vk8s_d/information")
      vk8s_m=$(sed -n 's/^Device Minor:[[:space:]]*\\([0-9]*\\).*/\\1/p' "$vk8s_d/information")
      printf '%s %s %s\\n' "$vk8s_m" "$vk8s_u" "\${vk8s_d##*/}"
    done
  elif command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi --query-gpu=minor_number,uuid,pci.bus_id --format=csv,noheader | tr -d ' ' | tr ',' ' '
  fi
}
vk8s_table=$(vk8s_gpu_table)
vk8s_total=$(printf '%s\\n' "$vk8s_table" | awk 'NF { n++ } END { print n + 0 }')

# The allocation: mounts first (volume-mounts strategy), else NVIDIA_VISIBLE_DEVICES.
vk8s_ids=''
vk8s_source="NVIDIA_VISIBLE_DEVICES='\${NVIDIA_VISIBLE_DEVICES:-}'"
for vk8s_f in "$vk8s_mounts"/*; do
  [ -e "$vk8s_f" ] || continue
  vk8s_ids="$vk8s_ids \${vk8s_f##*/}"
  vk8s_source=$vk8s_mounts
done
if [ -z "$vk8s_ids" ]; then
  case "\${NVIDIA_VISIBLE_DEVICES:-}" in
    '' | void | none | "$vk8s_mounts") ;;
    all) vk8s_ids=$(printf '%s\\n' "$vk8s_table" | awk 'NF { print $2 }') ;;
    *) vk8s_ids=$(printf '%s\\n' "$NVIDIA_VISIBLE_DEVICES" | tr ',' ' ') ;;
  esac
fi
[ "$vk8s_expected" -gt 0 ] || vk8s_ids=''

# Allocated GPUs as device minors, UUIDs and bus ids.
vk8s_minors=' '
vk8s_csv=''
vk8s_buses=''
vk8s_count=0
for vk8s_id in $vk8s_ids; do
  case "$vk8s_id" in
    GPU-*) vk8s_row=$(printf '%s\\n' "$vk8s_table" | awk -v id="$vk8s_id" '$2 == id') ;;
    *[!0-9]*) vk8s_fail "device '$vk8s_id' from $vk8s_source is neither a GPU UUID nor an index (give the vNode whole GPUs: MIG devices are not supported)" ;;
    *) vk8s_row=$(printf '%s\\n' "$vk8s_table" | awk -v i="$vk8s_id" 'NF { if (n++ == i) print }') ;;
  esac
  [ -n "$vk8s_row" ] || vk8s_fail "device '$vk8s_id' from $vk8s_source is not one of the $vk8s_total GPU(s) of this host (check the host's NVIDIA device plugin and driver)"
  vk8s_m=\${vk8s_row%% *}
  vk8s_rest=\${vk8s_row#* }
  case "$vk8s_minors" in *" $vk8s_m "*) continue ;; esac
  vk8s_minors="$vk8s_minors$vk8s_m "
  vk8s_csv="\${vk8s_csv:+$vk8s_csv,}\${vk8s_rest%% *}"
  vk8s_buses="$vk8s_buses \${vk8s_rest#* }"
  vk8s_count=$((vk8s_count + 1))
done

if [ "$vk8s_count" -ne "$vk8s_expected" ]; then
  vk8s_fail "expected $vk8s_expected GPU(s) (VK8S_EXPECTED_GPUS) but the host allocated $vk8s_count from $vk8s_source (check the vNode's nvidia.com/gpu limit and that the host's NVIDIA device plugin runs on this node)"
fi

# Hide every GPU device node not allocated; nvidiactl, nvidia-uvm*, nvidia-modeset stay.
vk8s_removed=''
for vk8s_f in "$vk8s_dev"/nvidia[0-9]*; do
  [ -e "$vk8s_f" ] || continue
  vk8s_n=\${vk8s_f##*/nvidia}
  case "$vk8s_n" in *[!0-9]*) continue ;; esac
  case "$vk8s_minors" in *" $vk8s_n "*) continue ;; esac
  rm -f "$vk8s_f"
  vk8s_removed="$vk8s_removed nvidia$vk8s_n"
done
vk8s_left=0
for vk8s_f in "$vk8s_dev"/nvidia[0-9]*; do
  if [ -e "$vk8s_f" ]; then vk8s_left=$((vk8s_left + 1)); fi
done
if [ "$vk8s_left" -ne "$vk8s_expected" ]; then
  vk8s_fail "$vk8s_left GPU device node(s) left in $vk8s_dev, expected $vk8s_expected (the host runtime did not expose the allocated /dev/nvidiaN: check the host's NVIDIA container toolkit)"
fi

# NVML counts GPUs from /proc/driver/nvidia/gpus: show it only the allocated ones,
# as the NVIDIA container runtime does for ordinary containers.
if [ -d "$vk8s_proc" ] && [ "$vk8s_total" -gt "$vk8s_count" ]; then
  if [ "\${VK8S_MASK_PROC:-1}" = 1 ]; then
    mkdir -p "$vk8s_run/proc-gpus"
    mount --bind "$vk8s_proc" "$vk8s_run/proc-gpus"
    mount -t tmpfs -o mode=0755 vk8s-gpus "$vk8s_proc"
    for vk8s_b in $vk8s_buses; do
      mkdir "$vk8s_proc/$vk8s_b"
      mount --bind "$vk8s_run/proc-gpus/$vk8s_b" "$vk8s_proc/$vk8s_b"
    done
  else
    vk8s_log "not masking $vk8s_proc (VK8S_MASK_PROC=\${VK8S_MASK_PROC:-})"
  fi
fi

# Record the allocation for the inner runtime and the bootstrap's check.
mkdir -p "$vk8s_cfg"
if [ "$vk8s_count" -eq 0 ]; then
  NVIDIA_VISIBLE_DEVICES=void
  : >"$vk8s_cfg/gpus"
else
  NVIDIA_VISIBLE_DEVICES=$vk8s_csv
  printf '%s\\n' "$vk8s_csv" | tr ',' '\\n' >"$vk8s_cfg/gpus"
fi
printf 'NVIDIA_VISIBLE_DEVICES=%s\\n' "$NVIDIA_VISIBLE_DEVICES" >"$vk8s_cfg/gpu.env"
export NVIDIA_VISIBLE_DEVICES
vk8s_log "kept $vk8s_count GPU(s) [$NVIDIA_VISIBLE_DEVICES]; removed [\${vk8s_removed# }]"
`;

/**
 * The GPU isolation script (POSIX sh, `set -eu`). Pure and constant: everything
 * node-specific comes from env (`VK8S_EXPECTED_GPUS`, see `gpuEnv`), so one ConfigMap
 * serves every vNode of a cluster.
 */
export function renderGpuIsolationScript(): string {
  return SCRIPT;
}
