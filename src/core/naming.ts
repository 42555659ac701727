/**
 * How host objects of a virtual cluster are named. One place (the bottom layer: it imports
 * only its own layer), so the render, the bootstrap scripts and the validation (name length limits) agree.
 *
 * cluster `team-a`, node `master` ->
 *   namespace `vk8s-team-a`, StatefulSet `team-a-master`, pod `team-a-master-0`,
 *   headless service `team-a-vnodes`,
 *   hostname `team-a-master-0.team-a-vnodes.vk8s-team-a.svc.cluster.local`;
 *   ConfigMaps `team-a-vnode-boot` and `team-a-ssh`, Deployment `team-a-access`, Services
 *   `team-a-ssh`, `team-a-apiserver` and `team-a-<port name>` per `ports[]` entry.
 * The per-cluster names take anything with the cluster's `name` (a `ResolvedCluster`, or the
 * validation's name-only stand-in).
 */
import { API_SERVER_PORT } from "./ports";

/** What the per-cluster names read of a cluster (a `ResolvedCluster` has it). */
export interface Named {
  name: string;
}

/** Host namespace of a cluster. */
export function namespaceFor(cluster: string): string {
  return `vk8s-${cluster}`;
}

/** vNode StatefulSet of one node. */
export function statefulSetNameFor(cluster: string, node: string): string {
  return `${cluster}-${node}`;
}

/** The one pod of a vNode StatefulSet. */
export function podNameFor(statefulSetName: string): string {
  return `${statefulSetName}-0`;
}

/** Headless service giving every vNode pod a stable DNS name. */
export function headlessServiceNameFor(cluster: string): string {
  return `${cluster}-vnodes`;
}

/** The host cluster's DNS domain (kubelet default). */
export const HOST_CLUSTER_DOMAIN = "cluster.local";

/** Stable DNS name of a vNode pod through the headless service. */
export function vNodeHostname(cluster: string, node: string): string {
  const pod = podNameFor(statefulSetNameFor(cluster, node));
  return `${pod}.${headlessServiceNameFor(cluster)}.${namespaceFor(cluster)}.svc.${HOST_CLUSTER_DOMAIN}`;
}

/**
 * Longest StatefulSet name Kubernetes accepts in practice: the controller adds the label
 * `controller-revision-hash: <name>-<10-char hash>`, and label values stop at 63 characters.
 */
export const MAX_STATEFULSET_NAME = 52;

/** ConfigMap with the vNode start-up scripts. */
export function bootConfigMapName(cluster: Named): string {
  return `${cluster.name}-vnode-boot`;
}

/** ConfigMap with `authorized_keys` for the access pod and the vNodes. */
export function sshConfigMapName(cluster: Named): string {
  return `${cluster.name}-ssh`;
}

/** Headless Service of the vNode pods. */
export function headlessServiceName(cluster: Named): string {
  return headlessServiceNameFor(cluster.name);
}

/** Deployment of the access (SSH) pod. */
export function accessName(cluster: Named): string {
  return `${cluster.name}-access`;
}

/** NodePort Service of the access pod. */
export function sshServiceName(cluster: Named): string {
  return `${cluster.name}-ssh`;
}

/** Service of the virtual cluster's Kubernetes API (master vNode, port `API_SERVER_PORT`). */
export function apiServerServiceName(cluster: Named): string {
  return `${cluster.name}-apiserver`;
}

/**
 * The virtual cluster's API server as the host cluster's pods reach it, through the
 * `<name>-apiserver` Service: `https://team-a-apiserver.vk8s-team-a.svc:6443`.
 */
export function apiServerServiceUrl(cluster: Named): string {
  return `https://${apiServerServiceName(cluster)}.${namespaceFor(cluster.name)}.svc:${API_SERVER_PORT}`;
}

/**
 * kubeadm's `controlPlaneEndpoint`: the master vNode's stable DNS name (the pod IP changes on
 * restart) and the API server port, e.g. `team-a-master-0.team-a-vnodes.vk8s-team-a.svc.cluster.local:6443`.
 */
export function controlPlaneEndpoint(masterHostname: string): string {
  return `${masterHostname}:${API_SERVER_PORT}`;
}

/** NodePort Service of one `ports[]` entry. */
export function portServiceName(cluster: Named, port: Named): string {
  return `${cluster.name}-${port.name}`;
}

/**
 * `ports[].name` values that would collide with the Services above; the validation
 * rejects them (src/cluster/rules/ports.ts), and the renderer throws on any duplicate object name.
 */
export const RESERVED_PORT_NAMES = ["apiserver", "ssh", "vnodes"] as const;
