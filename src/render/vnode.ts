/**
 * vNode objects: the boot ConfigMap and one privileged StatefulSet per node
 * (reference, section 2). The kink image contract these rely on is in images/kink/README.md.
 */
import type { ResolvedCluster, ResolvedNode } from "../cluster/resolved";
import { HOST_RENDER_DEFAULTS, BOOTSTRAP_DEFAULTS } from "../cluster/defaults";
import { API_SERVER_PORT } from "../core/ports";
import { gpuEnv, renderGpuIsolationScript, VNODE_CONFIG_DIR, vNodeResources } from "./gpu";
import { vNodeLabels, vNodeSelector, clusterObjectLabels } from "./labels";
import { ISTIO_INJECT } from "../core/labels";
import { bootConfigMapName, headlessServiceName, sshConfigMapName } from "../core/naming";
import type { HostRenderOptions, K8sObject } from "./types";

/** Port of sshd in every vNode. */
export const VNODE_SSH_PORT = 22;
/** Where the boot ConfigMap is mounted in a vNode. */
export const VNODE_BOOT_DIR = `${VNODE_CONFIG_DIR}/boot`;
/** Where `authorized_keys` is mounted in a vNode (read-only ConfigMap). */
export const VNODE_SSH_DIR = `${VNODE_CONFIG_DIR}/ssh`;
/** The kink image's own init, exec'd by the start script (image contract). */
export const KINK_INIT = `${VNODE_CONFIG_DIR}/start`;
/** Name of the vNode container. */
export const VNODE_CONTAINER = "vnode";
/** Volume (and claim template) name of a vNode's node state. */
export const NODE_STATE_VOLUME = "vnode-data";
/** Volume name of `HostRenderOptions.userStorage` in a vNode. */
export const USER_STORAGE_VOLUME = "user-storage";

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
  "local-path": BOOTSTRAP_DEFAULTS.localPathDir,
};


/** The node-state claim of a vNode as rendered, or `undefined` for `"emptyDir"`. */
export function nodeStorageClaim(options: HostRenderOptions): { size: string; storageClassName?: string } | undefined {
  const storage = options.nodeStorage ?? {};
  if (storage === "emptyDir") return undefined;
  return { size: storage.size ?? HOST_RENDER_DEFAULTS.nodeStorageSize, storageClassName: storage.storageClassName };
}

/**
 * The node address the bootstrap recorded (`kubeadm-init.sh`, `join.sh`), on the node state:
 * lines `VK8S_NODE_INTERFACE=<interface>` and `VK8S_NODE_IP=<IPv4>`. A re-created vNode pod
 * gets a new pod IP; the start-up (`renderNodeAddressScript`) compares and re-addresses.
 */
export const VNODE_ADDRESS_FILE = "/etc/kubernetes/vk8s-node-address.env";
/** The master's filled-in kubeadm InitConfiguration (no secret in it), kept to re-issue the API server certificate for a new address. */
export const VNODE_KUBEADM_INIT_FILE = "/etc/kubernetes/vk8s-kubeadm-init.yaml";

/**
 * The vNode container's command (POSIX sh): source the GPU isolation (so its exported
 * `NVIDIA_VISIBLE_DEVICES` reaches the init), re-address a node whose pod was re-created on
 * its node state (`node-address.sh`), then exec the image's init as PID 1.
 * `VK8S_BOOT_DIR` and `VK8S_INIT` exist for tests; the rendered pod sets neither.
 */
export function renderVNodeStartScript(): string {
  return `#!/bin/sh
# vk8s vNode start-up (rendered by vk8s, src/render/vnode.ts): GPU isolation, the node's
# address on its kept node state, then the kink image's init (${KINK_INIT}, see
# images/kink/README.md) as PID 1.
set -eu
vk8s_boot=\${VK8S_BOOT_DIR:-${VNODE_BOOT_DIR}}
# shellcheck source=/dev/null
. "$vk8s_boot/gpu-isolation.sh"
sh "$vk8s_boot/node-address.sh"
exec "\${VK8S_INIT:-${KINK_INIT}}"
`;
}

/**
 * The re-addressing of a vNode that starts on kept node state (POSIX sh, run by the start-up
 * before the kubelet and the static pods start). kubeadm writes the node's IPv4 into the
 * kubelet flags (\`--node-ip\`), the static pod manifests (etcd and API server URLs, the
 * advertise address) and the control-plane kubeconfigs; a re-created pod has a new IP. When
 * the address the bootstrap recorded (\`VNODE_ADDRESS_FILE\`) differs from the interface's
 * address now, every occurrence of the old address in those files becomes the new one, and
 * on the master the API server certificate is issued again for the new address from the kept
 * InitConfiguration (\`VNODE_KUBEADM_INIT_FILE\`, \`kubeadm init phase certs apiserver\`).
 * The same CA signs it, so kubeconfigs stay valid. Nothing happens on a fresh node (no record).
 * kind re-addresses its nodes on restart the same way. \`VK8S_STATE_ROOT\` exists for tests.
 */
export function renderNodeAddressScript(): string {
  return `#!/bin/sh
# vk8s vNode re-addressing (rendered by vk8s, src/render/vnode.ts): a vNode pod re-created on
# its node state has a new IP; rewrite the node's kubeadm files for it before the kubelet starts.
set -eu
root=\${VK8S_STATE_ROOT:-}
record="$root${VNODE_ADDRESS_FILE}"
init="$root${VNODE_KUBEADM_INIT_FILE}"
[ -f "$record" ] || exit 0
interface='' recorded=''
while IFS='=' read -r key value; do
  case $key in
    VK8S_NODE_INTERFACE) interface=$value ;;
    VK8S_NODE_IP) recorded=$value ;;
  esac
done < "$record"
now=\${VK8S_NODE_IP_NOW:-$(ip -4 -o addr show dev "$interface" 2>/dev/null | awk '{ split($4, a, "/"); print a[1]; exit }')}
if [ -z "$now" ]; then
  echo "vk8s: no IPv4 address on $interface: the node keeps its recorded address $recorded" >&2
  exit 0
fi
[ "$now" != "$recorded" ] || exit 0
echo "vk8s: this node's address changed from $recorded to $now: re-addressing its kubeadm files" >&2
old=$(printf '%s' "$recorded" | sed 's/[.]/[.]/g')
for file in "$root/etc/kubernetes/manifests/"*.yaml "$root/etc/kubernetes/"*.conf "$root/var/lib/kubelet/kubeadm-flags.env" "$init"; do
  [ -f "$file" ] || continue
  sed -i -E "s/(^|[^0-9.])$old([^0-9.]|\$)/\\1$now\\2/g" "$file"
done
if [ -f "$init" ]; then
  rm -f "$root/etc/kubernetes/pki/apiserver.crt" "$root/etc/kubernetes/pki/apiserver.key"
  \${VK8S_KUBEADM:-kubeadm} init phase certs apiserver --config "$init" >&2
fi
umask 077
printf 'VK8S_NODE_INTERFACE=%s\\nVK8S_NODE_IP=%s\\n' "$interface" "$now" > "$record.tmp"
mv "$record.tmp" "$record"
`;
}

/** ConfigMap `<name>-vnode-boot`: `start.sh`, `gpu-isolation.sh` and `node-address.sh`, shared by every vNode. */
export function renderBootConfigMap(cluster: ResolvedCluster): K8sObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: bootConfigMapName(cluster), namespace: cluster.namespace, labels: clusterObjectLabels(cluster) },
    data: { "gpu-isolation.sh": renderGpuIsolationScript(), "node-address.sh": renderNodeAddressScript(), "start.sh": renderVNodeStartScript() },
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
  if (!nodeStorageClaim(options)) volumes.push({ name: NODE_STATE_VOLUME, emptyDir: {} });
  const mounts: unknown[] = [
    { name: "boot", mountPath: VNODE_BOOT_DIR, readOnly: true },
    { name: "ssh", mountPath: VNODE_SSH_DIR, readOnly: true },
    { name: "lib-modules", mountPath: "/lib/modules", readOnly: true },
    { name: "run", mountPath: "/run" },
    { name: "tmp", mountPath: "/tmp" },
    ...Object.entries(VNODE_STATE_PATHS).map(([subPath, mountPath]) => ({ name: NODE_STATE_VOLUME, mountPath, subPath })),
  ];
  if (options.hostCgroupMount ?? true) {
    volumes.push({ name: "host-cgroup", hostPath: { path: "/sys/fs/cgroup", type: "Directory" } });
    mounts.push({ name: "host-cgroup", mountPath: "/sys/fs/cgroup", readOnly: true });
  }
  if (options.userStorage) {
    volumes.push({ name: USER_STORAGE_VOLUME, persistentVolumeClaim: { claimName: options.userStorage.claimName } });
    mounts.push({ name: USER_STORAGE_VOLUME, mountPath: options.userStorage.mountPath ?? HOST_RENDER_DEFAULTS.userStorageMountPath });
  }
  return { volumes, mounts };
}

/**
 * volumeClaimTemplates of a vNode, from `options.nodeStorage` only: they cannot change in
 * place, so nothing else (labels, resources, image) may flow into them.
 */
function vNodeClaimTemplates(options: HostRenderOptions): unknown[] | undefined {
  const storage = nodeStorageClaim(options);
  if (!storage) return undefined;
  return [{
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: NODE_STATE_VOLUME },
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
      // The node state goes with its vNode: removing a worker (or the cluster) frees its claim.
      ...(nodeStorageClaim(options) ? { persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Retain" } } : {}),
    },
  };
}

/**
 * The host object whose uid identifies a vNode's node state: its claim
 * `vnode-data-<statefulSet>-0` (the name the StatefulSet controller gives a claim of template
 * `vnode-data`), or for an `emptyDir` its pod. A new uid means the node state is new: the
 * component re-runs the bootstrap steps that live in it (`BootstrapStep.stateOf`).
 */
export function nodeStateObject(_cluster: ResolvedCluster, node: ResolvedNode, options: HostRenderOptions): { kind: "PersistentVolumeClaim" | "Pod"; name: string } {
  return nodeStorageClaim(options)
    ? { kind: "PersistentVolumeClaim", name: `${NODE_STATE_VOLUME}-${node.podName}` }
    : { kind: "Pod", name: node.podName };
}
