/**
 * A tenant's own storage, end to end:
 *
 *   1. host: a PersistentVolumeClaim `<name>-storage` in the tenant namespace (class, size
 *      and access modes configurable), counted by the tenant's `requests.storage` quota;
 *   2. vNodes: the claim is mounted into every vNode at `/mnt/vk8s-storage`
 *      (`HostRenderOptions.userStorage`, volume `user-storage`);
 *   3. inside the virtual cluster: a StorageClass `vk8s-user-storage` and a
 *      PersistentVolume `vk8s-user-storage` of the same size whose `hostPath` is that
 *      mount. A vNode's "host" is the vNode, so the inner kubelet bind-mounts the vNode's
 *      `/mnt/vk8s-storage`, i.e. the user's claim, into the user's pods. A user's pod gets
 *      it with a claim `storageClassName: vk8s-user-storage` (one claim binds the one
 *      volume; many pods may mount that claim, and use `subPath` for their own folders).
 *
 * `Vk8sPlatform` creates (3) through the virtual cluster's kubeconfig once it exists;
 * `vk8s render --platform` writes it under `<user>/virtual/` for a GitOps tool pointed at
 * the virtual cluster.
 */
import { quote } from "../core/errors";
import type { Problem } from "../core/errors";
import { Quantity } from "../core/quantity";
import { isDns1123Subdomain } from "../core/names";
import type { ResolvedCluster } from "../cluster/resolved";
import type { K8sObject } from "../render/types";
import { PLATFORM_DEFAULTS, type StorageAccessMode, type TenantStorageInput } from "./types";

/** StorageClass and PersistentVolume offered inside every virtual cluster. */
export const VIRTUAL_STORAGE_CLASS = "vk8s-user-storage";

export interface ResolvedStorage {
  size: string;
  storageClassName?: string;
  accessModes: StorageAccessMode[];
  /** Where the claim is mounted in every vNode (and the inner PersistentVolume's hostPath). */
  mountPath: string;
}

const ACCESS_MODES: readonly StorageAccessMode[] = ["ReadWriteOnce", "ReadWriteMany", "ReadWriteOncePod"];

/** The tenant's storage, field by field from the tenant or the platform defaults. */
export function resolveStorage(
  path: string,
  cluster: ResolvedCluster,
  input: TenantStorageInput | undefined,
  defaults: TenantStorageInput | undefined,
  mountPath: string,
): { storage?: ResolvedStorage; problems: Problem[] } {
  const problems: Problem[] = [];
  const size = input?.size ?? defaults?.size ?? PLATFORM_DEFAULTS.storageSize;
  const parsed = Quantity.parse(size);
  if ("error" in parsed || parsed.quantity.isNegative() || parsed.quantity.nanos === 0n) {
    problems.push({ path: `${path}.storage.size`, message: `${quote(size)} is not a storage size`, fix: "write it like 50Gi" });
  }
  const storageClassName = input?.storageClassName ?? defaults?.storageClassName;
  if (storageClassName !== undefined && !isDns1123Subdomain(storageClassName)) {
    problems.push({ path: `${path}.storage.storageClassName`, message: `${quote(storageClassName)} is not a storage class name`, fix: "name a class of the host cluster, e.g. standard" });
  }
  const accessModes = input?.accessModes ?? defaults?.accessModes ?? [cluster.nodes.length > 1 ? "ReadWriteMany" : "ReadWriteOnce"];
  const bad = accessModes.find((m) => !ACCESS_MODES.includes(m));
  if (bad !== undefined || accessModes.length === 0) {
    problems.push({ path: `${path}.storage.accessModes`, message: `${quote(bad ?? [])} is not a list of access modes`, fix: `use ${ACCESS_MODES.join(", ")}` });
  }
  if (problems.length > 0) return { problems };
  return { storage: { size: String((parsed as { quantity: Quantity }).quantity), storageClassName, accessModes: [...accessModes], mountPath }, problems };
}

/** Name of the tenant's claim in its namespace. */
export function storageClaimName(cluster: ResolvedCluster): string {
  return `${cluster.name}-storage`;
}

/** The host claim `<name>-storage` mounted into every vNode. */
export function renderStorageClaim(cluster: ResolvedCluster, storage: ResolvedStorage, labels: Record<string, string>): K8sObject {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: storageClaimName(cluster), namespace: cluster.namespace, labels },
    spec: {
      accessModes: storage.accessModes,
      resources: { requests: { storage: storage.size } },
      storageClassName: storage.storageClassName,
    },
  };
}

/** Objects *inside* the virtual cluster that offer the mounted storage to the user's pods. */
export function renderVirtualStorage(storage: ResolvedStorage): K8sObject[] {
  const labels = { "app.kubernetes.io/managed-by": "vk8s" };
  return [
    {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: VIRTUAL_STORAGE_CLASS, labels },
      provisioner: "kubernetes.io/no-provisioner",
      reclaimPolicy: "Retain",
      volumeBindingMode: "Immediate",
    },
    {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: VIRTUAL_STORAGE_CLASS, labels },
      spec: {
        accessModes: ["ReadWriteMany"],
        capacity: { storage: storage.size },
        hostPath: { path: storage.mountPath, type: "Directory" },
        persistentVolumeReclaimPolicy: "Retain",
        storageClassName: VIRTUAL_STORAGE_CLASS,
      },
    },
  ];
}
