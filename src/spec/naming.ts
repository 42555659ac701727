/**
 * How host objects of a virtual cluster are named. One place, so the render, the bootstrap
 * scripts and the validation (name length limits) agree.
 *
 * cluster `team-a`, node `master` ->
 *   namespace `vk8s-team-a`, StatefulSet `team-a-master`, pod `team-a-master-0`,
 *   headless service `team-a-vnodes`,
 *   hostname `team-a-master-0.team-a-vnodes.vk8s-team-a.svc.cluster.local`.
 */

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
