/**
 * Host preparation (opt-in, off by default): a DaemonSet on the host cluster whose
 * privileged init container raises the host kernel's inotify limits to what Kubeflow 1.9+
 * needs (`KUBEFLOW_INOTIFY`, from the kubeflow/manifests README's prerequisite:
 * `fs.inotify.max_user_instances = 2280`, `fs.inotify.max_user_watches = 1255360`). These
 * limits are per host kernel and shared by every vNode on the node, which is why the
 * platform, not a virtual cluster, sets them. It only raises: a value already higher stays.
 * It changes host nodes' kernel settings until their reboot (it re-applies on start), so
 * it is off unless `settings.hostPreparation` turns it on; without it, the Kubeflow step
 * refuses on a host below the needs and prints the `sysctl` to run.
 */
import { KUBEFLOW_INOTIFY } from "../matrix/components";
import { BUSYBOX_IMAGE } from "../matrix/table";
import type { K8sObject } from "../render/types";
import type { HostPreparationSettings } from "./types";

/** Every default of the host preparation, in one place. */
export const HOST_PREPARATION_DEFAULTS = {
  namespace: "kube-system",
  name: "vk8s-host-preparation",
  /** A small image with POSIX `sh`: busybox at the matrix's pin (`BUSYBOX_IMAGE`, src/matrix/table.ts). */
  image: BUSYBOX_IMAGE,
} as const;

/**
 * The init container's script: for each limit, writes the needed value when the current one
 * is lower, then prints both. `PROC_SYS` (default `/proc/sys`) exists for tests.
 */
export function hostPreparationScript(): string {
  const limits = [
    ["fs/inotify/max_user_instances", KUBEFLOW_INOTIFY.maxUserInstances],
    ["fs/inotify/max_user_watches", KUBEFLOW_INOTIFY.maxUserWatches],
  ] as const;
  return [
    "set -eu",
    'proc_sys="${PROC_SYS:-/proc/sys}"',
    "raise() {",
    '  current=$(cat "$proc_sys/$1")',
    '  if [ "$current" -lt "$2" ]; then echo "$2" > "$proc_sys/$1"; fi',
    '  echo "$1: was $current, now $(cat "$proc_sys/$1") (needed $2)"',
    "}",
    ...limits.map(([key, value]) => `raise ${key} ${value}`),
    "",
  ].join("\n");
}

/** The DaemonSet, or nothing when host preparation is off. */
export function renderHostPreparation(settings: HostPreparationSettings | undefined): K8sObject[] {
  if (!settings?.inotify) return [];
  const name = HOST_PREPARATION_DEFAULTS.name;
  const image = settings.image ?? HOST_PREPARATION_DEFAULTS.image;
  const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/managed-by": "vk8s" };
  return [{
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name, namespace: settings.namespace ?? HOST_PREPARATION_DEFAULTS.namespace, labels },
    spec: {
      selector: { matchLabels: { "app.kubernetes.io/name": name } },
      template: {
        metadata: { labels },
        spec: {
          ...(settings.nodeSelector ? { nodeSelector: settings.nodeSelector } : {}),
          tolerations: [{ operator: "Exists" }],
          initContainers: [{
            name: "raise-inotify-limits",
            image,
            command: ["sh", "-c", hostPreparationScript()],
            securityContext: { privileged: true },
          }],
          containers: [{
            name: "idle",
            image,
            command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 3600 & wait $!; done"],
            resources: { requests: { cpu: "1m", memory: "8Mi" }, limits: { cpu: "10m", memory: "16Mi" } },
          }],
        },
      },
    },
  }];
}
