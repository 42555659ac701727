/**
 * Names of the host objects of one virtual cluster, besides those in `src/spec/naming.ts`
 * (namespace, vNode StatefulSets and pods, headless service), which the validation also
 * uses for its length checks.
 *
 * cluster `team-a` -> ConfigMaps `team-a-vnode-boot` and `team-a-ssh`, Deployment
 * `team-a-access`, Services `team-a-vnodes`, `team-a-ssh`, `team-a-apiserver` and
 * `team-a-<port name>` per `ports[]` entry.
 */
import type { ResolvedCluster, ResolvedPort } from "../spec/resolved";
import { headlessServiceNameFor } from "../spec/naming";

/** ConfigMap with the vNode start-up scripts. */
export function bootConfigMapName(cluster: ResolvedCluster): string {
  return `${cluster.name}-vnode-boot`;
}

/** ConfigMap with `authorized_keys` for the access pod and the vNodes. */
export function sshConfigMapName(cluster: ResolvedCluster): string {
  return `${cluster.name}-ssh`;
}

/** Headless Service of the vNode pods. */
export function headlessServiceName(cluster: ResolvedCluster): string {
  return headlessServiceNameFor(cluster.name);
}

/** Deployment of the access (SSH) pod. */
export function accessName(cluster: ResolvedCluster): string {
  return `${cluster.name}-access`;
}

/** NodePort Service of the access pod. */
export function sshServiceName(cluster: ResolvedCluster): string {
  return `${cluster.name}-ssh`;
}

/** Service of the virtual cluster's Kubernetes API (master vNode, port 6443). */
export function apiServerServiceName(cluster: ResolvedCluster): string {
  return `${cluster.name}-apiserver`;
}

/** NodePort Service of one `ports[]` entry. */
export function portServiceName(cluster: ResolvedCluster, port: ResolvedPort): string {
  return `${cluster.name}-${port.name}`;
}

/**
 * `ports[].name` values that would collide with the Services above; the validation
 * should reject them (the renderer throws on any duplicate object name).
 */
export const RESERVED_PORT_NAMES = ["apiserver", "ssh", "vnodes"] as const;
