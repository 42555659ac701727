/**
 * Labels of the host objects (reference, section 2).
 *
 * Every object carries the cluster's user labels plus `app` and `clusterName`. vNode
 * StatefulSets and their pod template also carry the node's labels, `role`, `vnode` and
 * `sidecar.istio.io/inject: "false"`. Identity labels are applied last, so a user label
 * can never override them.
 *
 * Selectors use only immutable identity labels (`app`, `clusterName`, and `vnode` for a
 * vNode): a StatefulSet's or Deployment's `spec.selector` cannot change in place, so a
 * user label in it would turn "add a label" into a replacement of the whole vNode.
 */
import type { ResolvedCluster, ResolvedNode } from "../cluster/resolved";
import { ISTIO_INJECT, VNODE_APP } from "../core/labels";

/** `app` of the access pod: distinct, so vNode selectors never match it. */
export const ACCESS_APP = "vk8s-access";

/** Labels of every host object of the cluster that is not a pod owner. */
export function clusterObjectLabels(cluster: ResolvedCluster): Record<string, string> {
  return { ...cluster.labels, app: VNODE_APP, clusterName: cluster.name };
}

/** Selector of all vNode pods of the cluster (headless service). */
export function allVNodesSelector(cluster: ResolvedCluster): Record<string, string> {
  return { app: VNODE_APP, clusterName: cluster.name };
}

/** Selector of one vNode: immutable identity labels only (see the file comment). */
export function vNodeSelector(cluster: ResolvedCluster, node: ResolvedNode): Record<string, string> {
  return { ...allVNodesSelector(cluster), vnode: node.statefulSetName };
}

/** Labels of a vNode StatefulSet and of its pod template. */
export function vNodeLabels(cluster: ResolvedCluster, node: ResolvedNode): Record<string, string> {
  return {
    ...cluster.labels,
    ...node.labels,
    ...vNodeSelector(cluster, node),
    role: node.role,
    [ISTIO_INJECT]: "false",
  };
}

/** Selector of the access pod: immutable identity labels only. */
export function accessSelector(cluster: ResolvedCluster): Record<string, string> {
  return { app: ACCESS_APP, clusterName: cluster.name };
}

/** Labels of the access Deployment and its pod template. */
export function accessLabels(cluster: ResolvedCluster): Record<string, string> {
  return { ...cluster.labels, ...accessSelector(cluster), [ISTIO_INJECT]: "false" };
}
