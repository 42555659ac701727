/**
 * The NVIDIA device plugin inside the virtual cluster (only when some node has GPUs).
 *
 * Contract with the vNode (src/render/gpu.ts, reference section 5): the vNode start-up
 * keeps only the `/dev/nvidiaN` it was allocated, masks the driver's GPU list to them and
 * records them in `/etc/vk8s/gpus` (checked by the wait/join steps). The plugin's pod asks
 * its runtime for all GPUs (`NVIDIA_VISIBLE_DEVICES=all` in its image), which inside the
 * vNode resolves to exactly the allocated ones, so each inner node advertises exactly its
 * vNode's GPUs. On nodes without GPUs the plugin idles (`FAIL_ON_INIT_ERROR=false` in the
 * static manifest).
 *
 * The step checks the outcome: every node's kubelet registered the label
 * `vk8s.io/gpus=<N>` (written by init/join), and every node's allocatable `nvidia.com/gpu`
 * must equal it (absent = 0) within the wait timeout, so a vNode that sees GPUs it was not
 * given fails the bootstrap instead of handing them out.
 */
import { USE_ADMIN_KUBECONFIG, header, script } from "../shell";
import { DEVICE_PLUGIN_VERSION, LOCAL_FILE_NAMES, fetchManifest, upstreamDevicePluginUrl } from "../sources";
import { GPU_LABEL, type StepContext } from "./context";

/** DaemonSet of the static manifest. */
export const DEVICE_PLUGIN_DAEMONSET = "nvidia-device-plugin-daemonset";

export function devicePluginScript(ctx: StepContext, id: string): string {
  const t = ctx.options.waitTimeoutSeconds;
  const label = GPU_LABEL.replace(/\./g, "\\.");
  const jsonpath = `{range .items[*]}{.metadata.name}{"|"}{.metadata.labels.${label}}{"|"}{.status.allocatable.nvidia\\.com/gpu}{"\\n"}{end}`;
  return script(
    header({ id, title: `NVIDIA device plugin ${DEVICE_PLUGIN_VERSION}`, node: ctx.cluster.master.name }),
    USE_ADMIN_KUBECONFIG,
    [
      `mkdir -p "$work/nvidia"`,
      `manifest="$work/nvidia/nvidia-device-plugin-${DEVICE_PLUGIN_VERSION}.yml"`,
      fetchManifest(ctx.options.devicePluginSource, upstreamDevicePluginUrl(DEVICE_PLUGIN_VERSION), DEVICE_PLUGIN_VERSION, LOCAL_FILE_NAMES.devicePlugin, "$manifest"),
      `kubectl apply -f "$manifest" >&2`,
      `kubectl rollout status daemonset/${DEVICE_PLUGIN_DAEMONSET} -n kube-system --timeout=${t}s >&2`,
    ].join("\n"),
    [
      `# Every node must advertise exactly the GPUs its vNode was given (label ${GPU_LABEL}, set by its kubelet).`,
      "gpu_mismatch() {",
      `  nodes=$(kubectl get nodes -o jsonpath='${jsonpath}') || { echo "cannot list the nodes; "; return 0; }`,
      `  printf '%s\\n' "$nodes" | awk -F'|' 'NF { want = ($2 == "" ? 0 : $2); have = ($3 == "" ? 0 : $3); if (want != have) printf "%s advertises %s GPU(s) but its vNode was given %s; ", $1, have, want }'`,
      "}",
      `deadline=$(( $(date +%s) + ${t} ))`,
      "mismatch=$(gpu_mismatch)",
      `while [ -n "$mismatch" ]; do`,
      `  if [ "$(date +%s)" -ge "$deadline" ]; then fail "after ${t}s: $mismatch(the vNode start-up must hide the GPUs it was not allocated)"; fi`,
      "  sleep 5",
      "  mismatch=$(gpu_mismatch)",
      "done",
      `log "every node advertises exactly the GPUs of its vNode"`,
    ].join("\n"),
  );
}
