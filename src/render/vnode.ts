/**
 * vNode objects: the boot ConfigMap and one privileged StatefulSet per node
 * (reference, section 2). The kink image contract these rely on is in images/kink/README.md.
 */
import type { ResolvedCluster, ResolvedNode } from "../spec/resolved";
import { gpuEnv, renderGpuIsolationScript, vNodeResources } from "./gpu";
import { vNodeLabels, vNodeSelector, clusterObjectLabels, ISTIO_INJECT } from "./labels";
import { bootConfigMapName, headlessServiceName, sshConfigMapName } from "./names";
import type { HostRenderOptions, K8sObject } from "./types";

/** Port of sshd in every vNode. */
export const VNODE_SSH_PORT = 22;
/** Port of the virtual cluster's kube-apiserver on the master vNode. */
export const API_SERVER_PORT = 6443;
/** Where the boot ConfigMap is mounted in a vNode. */
export const VNODE_BOOT_DIR = "/etc/vk8s/boot";
/** Where `authorized_keys` is mounted in a vNode (read-only ConfigMap). */
export const VNODE_SSH_DIR = "/etc/vk8s/ssh";
/** The kink image's own init, exec'd by the start script (image contract). */
export const KINK_INIT = "/etc/vk8s/start";
/** Name of the vNode container. */
export const VNODE_CONTAINER = "vnode";
/** Volume name of `HostRenderOptions.userStorage` in a vNode. */
export const USER_STORAGE_VOLUME = "user-storage";
/** Default mount path of `HostRenderOptions.userStorage` in every vNode. */
export const USER_STORAGE_MOUNT_PATH = "/mnt/vk8s-storage";

/**
 * Node state kept on the `vnode-data` volume, as `subPath` -> mount path. containerd's
 * snapshots must not sit on the container's overlay root (overlay on overlay fails), and
 * the rest is what makes a restarted vNode the same Kubernetes node.
 */
export const VNODE_STATE_PATHS: Record<string, string> = {
  containerd: "/var/lib/containerd",
  "etc-kubernetes": "/etc/kubernetes",
  etcd: "/var/lib/etcd",
  kubelet: "/var/lib/kubelet",
};

/**
 * The vNode container's command (POSIX sh): source the GPU isolation (so its exported
 * `NVIDIA_VISIBLE_DEVICES` reaches the init), then exec the image's init as PID 1.
 * `VK8S_BOOT_DIR` and `VK8S_INIT` exist for tests; the rendered pod sets neither.
 */
export function renderVNodeStartScript(): string {
  return `#!/bin/sh
# vk8s vNode start-up (rendered by vk8s, src/render/vnode.ts): GPU isolation, then the
# kink image's init (${KINK_INIT}, see images/kink/README.md) as PID 1.
set -eu
vk8s_boot=\${VK8S_BOOT_DIR:-${VNODE_BOOT_DIR}}
# shellcheck source=/dev/null
. "$vk8s_boot/gpu-isolation.sh"
exec "\${VK8S_INIT:-${KINK_INIT}}"
`;
}

/** ConfigMap `<name>-vnode-boot`: `start.sh` and `gpu-isolation.sh`, shared by every vNode. */
export function renderBootConfigMap(cluster: ResolvedCluster): K8sObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: bootConfigMapName(cluster), namespace: cluster.namespace, labels: clusterObjectLabels(cluster) },
    data: { "gpu-isolation.sh": renderGpuIsolationScript(), "start.sh": renderVNodeStartScript() },
  };
}

function vNodeVolumes(cluster: ResolvedCluster, options: HostRenderOptions): { volumes: unknown[]; mounts: unknown[] } {
  const volumes: unknown[] = [
    { name: "boot", configMap: { name: bootConfigMapName(cluster), defaultMode: 0o555 } },
    { name: "ssh", configMap: { name: sshConfigMapName(cluster), defaultMode: 0o444 } },
    { name: "lib-modules", hostPath: { path: "/lib/modules", type: "Directory" } },
    { name: "run", emptyDir: { medium: "Memory" } },
    { name: "tmp", emptyDir: { medium: "Memory" } },
  ];
  if (!options.nodeStorage) volumes.push({ name: "vnode-data", emptyDir: {} });
  const mounts: unknown[] = [
    { name: "boot", mountPath: VNODE_BOOT_DIR, readOnly: true },
    { name: "ssh", mountPath: VNODE_SSH_DIR, readOnly: true },
    { name: "lib-modules", mountPath: "/lib/modules", readOnly: true },
    { name: "run", mountPath: "/run" },
    { name: "tmp", mountPath: "/tmp" },
    ...Object.entries(VNODE_STATE_PATHS).map(([subPath, mountPath]) => ({ name: "vnode-data", mountPath, subPath })),
  ];
  if (options.hostCgroupMount ?? true) {
    volumes.push({ name: "host-cgroup", hostPath: { path: "/sys/fs/cgroup", type: "Directory" } });
    mounts.push({ name: "host-cgroup", mountPath: "/sys/fs/cgroup", readOnly: true });
  }
  if (options.userStorage) {
    volumes.push({ name: USER_STORAGE_VOLUME, persistentVolumeClaim: { claimName: options.userStorage.claimName } });
    mounts.push({ name: USER_STORAGE_VOLUME, mountPath: options.userStorage.mountPath ?? USER_STORAGE_MOUNT_PATH });
  }
  return { volumes, mounts };
}

/**
 * volumeClaimTemplates of a vNode, from `options.nodeStorage` only: they cannot change in
 * place, so nothing else (labels, resources, image) may flow into them.
 */
function vNodeClaimTemplates(options: HostRenderOptions): unknown[] | undefined {
  const storage = options.nodeStorage;
  if (!storage) return undefined;
  return [{
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: "vnode-data" },
    spec: {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: storage.size } },
      storageClassName: storage.storageClassName,
    },
  }];
}

/**
 * The vNode StatefulSet `node.statefulSetName`: one replica, privileged, the node's
 * resources (GPUs from `vNodeResources`), GPU isolation env, and the start script as
 * command. Labels: see `labels.ts`; the selector holds identity labels only, so adding a
 * cluster or node label updates the StatefulSet in place.
 */
export function renderVNodeStatefulSet(cluster: ResolvedCluster, node: ResolvedNode, options: HostRenderOptions = {}): K8sObject {
  const labels = vNodeLabels(cluster, node);
  const { volumes, mounts } = vNodeVolumes(cluster, options);
  const ports: unknown[] = [{ name: "ssh", containerPort: VNODE_SSH_PORT, protocol: "TCP" }];
  if (node.role === "master") ports.push({ name: "apiserver", containerPort: API_SERVER_PORT, protocol: "TCP" });
  const env = [
    ...gpuEnv(node),
    { name: "VK8S_CLUSTER", value: cluster.name },
    { name: "VK8S_NODE", value: node.name },
    { name: "VK8S_ROLE", value: node.role },
  ];
  const nodeSelector = Object.keys(node.nodeSelector).length > 0 ? node.nodeSelector : undefined;
  const tolerations = node.tolerations.length > 0 ? node.tolerations : undefined;
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: {
      name: node.statefulSetName,
      namespace: cluster.namespace,
      labels,
      // The cluster's annotations (e.g. carried over from a migrated kind: Vk8s document).
      ...(Object.keys(cluster.annotations ?? {}).length > 0 ? { annotations: cluster.annotations } : {}),
    },
    spec: {
      replicas: 1,
      serviceName: headlessServiceName(cluster),
      // Immutable: identity labels only (never user labels).
      selector: { matchLabels: vNodeSelector(cluster, node) },
      updateStrategy: { type: options.vNodeUpdateStrategy ?? "OnDelete" },
      template: {
        metadata: { labels, annotations: { [ISTIO_INJECT]: "false" } },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          nodeSelector,
          tolerations,
          terminationGracePeriodSeconds: 60,
          containers: [{
            name: VNODE_CONTAINER,
            image: node.image,
            imagePullPolicy: "IfNotPresent",
            command: ["/bin/sh", `${VNODE_BOOT_DIR}/start.sh`],
            env,
            ports,
            readinessProbe: { tcpSocket: { port: "ssh" }, periodSeconds: 10 },
            resources: vNodeResources(node),
            securityContext: { privileged: true },
            volumeMounts: mounts,
          }],
          volumes,
        },
      },
      volumeClaimTemplates: vNodeClaimTemplates(options),
    },
  };
}
