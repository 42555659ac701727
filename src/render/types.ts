/**
 * Types shared by the host-object renderers. Pure: no Pulumi import.
 */

/** A Kubernetes object as plain data, ready for YAML or for `k8s.yaml.ConfigGroup`/`apiextensions`. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [k: string]: unknown;
};

/** Persistent storage for a vNode's node state (see `HostRenderOptions.nodeStorage`). */
export interface NodeStorageOptions {
  /** Size of the claim, a Kubernetes quantity. @default "50Gi" (`HOST_RENDER_DEFAULTS.nodeStorageSize`, src/cluster/defaults.ts) */
  size?: string;
  /** Storage class of the claim. @default the host cluster's default storage class */
  storageClassName?: string;
}

/** Storage mounted into every vNode of a cluster (`HostRenderOptions.userStorage`). */
export interface UserStorageMount {
  /** PersistentVolumeClaim in the cluster's namespace (created by the caller, e.g. `Vk8sPlatform`). */
  claimName: string;
  /** Where the claim is mounted in every vNode. @default "/mnt/vk8s-storage" */
  mountPath?: string;
}

/**
 * Choices about the host objects that are not part of the cluster spec (they depend on the
 * host or on secrets the caller holds). Every field is optional.
 */
export interface HostRenderOptions {
  /**
   * OpenSSH public key line(s) accepted by the access pod and by every vNode
   * (`authorized_keys` of ConfigMap `<name>-ssh`). Only the public half ever goes here:
   * the private key stays with the caller, who reaches vNodes through the access pod as a
   * jump host (`ssh -J`).
   * @default none: `authorized_keys` is rendered empty (no placeholder), so no key is
   * accepted until one is given; giving one later is an in-place ConfigMap update.
   */
  sshPublicKey?: string;
  /** NodePort of the access (SSH) service `<name>-ssh`. @default allocated by Kubernetes */
  sshNodePort?: number;
  /**
   * NodePort of the virtual cluster's Kubernetes API (`<name>-apiserver`, port 6443 on
   * the master vNode). @default none: the service is ClusterIP (reachable in the host cluster only)
   */
  apiServerNodePort?: number;
  /**
   * Where a vNode keeps its node state (`VNODE_STATE_PATHS`: `/var/lib/containerd`,
   * `/var/lib/kubelet`, `/var/lib/etcd`, `/etc/kubernetes`, the inner local-path volumes).
   * - A `NodeStorageOptions` (the default): a volumeClaimTemplate `vnode-data` of that size
   *   and StorageClass, so a vNode pod that is re-created (eviction, drain, host reboot,
   *   `kubectl delete pod`) comes back as the same Kubernetes node with its objects. The
   *   claim goes with its StatefulSet (`persistentVolumeClaimRetentionPolicy` Delete, read by
   *   hosts from Kubernetes 1.27). Keep size and class fixed once created: the
   *   volumeClaimTemplates of a StatefulSet cannot change in place. The host needs a
   *   StorageClass (its default one unless `storageClassName` names another): without one
   *   the claim stays Pending and so does the vNode.
   * - `"emptyDir"`: node state survives container restarts, not pod re-creation; a
   *   re-created vNode is a fresh node that the next `pulumi up` bootstraps again (the
   *   validation warns about this choice).
   * @default { size: "50Gi" } on the host's default StorageClass
   */
  nodeStorage?: NodeStorageOptions | "emptyDir";
  /**
   * Mount the host's `/sys/fs/cgroup` read-only into every vNode (the classic kink/DinD
   * set-up: on cgroup v1 the controller hierarchies below stay writable). Set `false` on
   * cgroup v2 hosts whose runtime gives the privileged vNode its own writable cgroup
   * namespace. @default true
   */
  hostCgroupMount?: boolean;
  /**
   * Update strategy of the vNode StatefulSets. `OnDelete`: a change of labels or image
   * updates the StatefulSet in place but leaves the running vNode (a whole Kubernetes
   * node) alone until it is deleted; `RollingUpdate` restarts the vNode at once.
   * @default "OnDelete"
   */
  vNodeUpdateStrategy?: "OnDelete" | "RollingUpdate";
  /**
   * Extra labels of the cluster's namespace, e.g. `vk8s.io/tenant: team-a` (set by
   * `Vk8sPlatform`). The identity and Pod Security labels vk8s sets win over these.
   * @default none
   */
  namespaceLabels?: Record<string, string>;
  /**
   * A claim mounted read-write into every vNode at `mountPath` (volume `user-storage`), so
   * the virtual cluster can offer it to its pods (see docs/gitops.md and src/platform/storage.ts).
   * @default none
   */
  userStorage?: UserStorageMount;
  /**
   * More objects in the cluster's namespace (`Vk8sPlatform`: ResourceQuota, LimitRange,
   * NetworkPolicies, the storage claim), rendered right after the Namespace so they exist
   * before the vNodes. Each must be namespaced in `cluster.namespace` and not a Namespace.
   * @default none
   */
  extraObjects?: K8sObject[];
}
