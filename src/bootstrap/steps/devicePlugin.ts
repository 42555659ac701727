/**
 * The NVIDIA device plugin inside the virtual cluster (only when some node has GPUs;
 * program device-plugin.sh).
 *
 * Contract with the vNode (src/render/gpu.ts, reference section 5): the vNode start-up
 * keeps only the `/dev/nvidiaN` it was allocated, masks the driver's GPU list to them and
 * records them in the allocation file (`GPU_LIST_FILE`, checked by the wait/join steps). The plugin's pod asks
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
import { ADDON_VERSIONS } from "../../matrix/table";
import { fetchFrom, LOCAL_FILE_NAMES, upstreamDevicePluginUrl } from "../sources";
import type { StepProgram } from "../types";
import type { StepContext } from "./context";

/** DaemonSet of the static manifest. */
export const DEVICE_PLUGIN_DAEMONSET = "nvidia-device-plugin-daemonset";

export function devicePluginRun(ctx: StepContext): StepProgram {
  const v = ADDON_VERSIONS.devicePlugin;
  const from = fetchFrom(ctx.options.devicePluginSource, upstreamDevicePluginUrl(v), v, LOCAL_FILE_NAMES.devicePlugin);
  return {
    program: "device-plugin.sh",
    env: {
      VK8S_DEVICE_PLUGIN_VERSION: v,
      VK8S_DEVICE_PLUGIN_SOURCE_KIND: from.kind,
      VK8S_DEVICE_PLUGIN_SOURCE: from.location,
      VK8S_DEVICE_PLUGIN_DAEMONSET: DEVICE_PLUGIN_DAEMONSET,
      VK8S_WAIT_TIMEOUT: String(ctx.options.waitTimeoutSeconds),
    },
    files: [],
  };
}
