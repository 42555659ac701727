/**
 * Inputs of a platform: many users' virtual clusters side by side in one host cluster,
 * each a tenant with its own namespace, quota, network isolation, storage and NodePorts.
 * Plain values only (no Pulumi): `planPlatform()` turns them into a `PlatformPlan`.
 */
import type { ClusterSpecInput, PortInput } from "../cluster/schema";
import { HOST_RENDER_DEFAULTS } from "../cluster/defaults";
import { KUBEFLOW_NODE_PORT, NODE_PORT_RANGE } from "../core/ports";

/** A `ports[]` entry of a tenant's cluster: `port` may be left to the allocator. */
export type TenantPortInput = Omit<PortInput, "port"> & {
  /** Host NodePort. @default allocated from the tenant's port block (see `ports.ts`) */
  port?: number;
};

/**
 * A tenant's cluster spec: the `kind: Vk8s` spec, except that the Kubeflow password is not
 * part of it (it comes from a secret, see `Vk8sPlatform`) and NodePorts may be omitted.
 */
export type TenantClusterSpec = Omit<ClusterSpecInput, "kubeflow" | "ports"> & {
  kubeflow: { version: string; email: string; components?: string[]; versionChange?: "refuse" | "reinstall" };
  /**
   * NodePorts to the master vNode. An entry named `kubeflow` is added when missing
   * (target port `PlatformSettings.kubeflowTargetPort`). @default [kubeflow]
   */
  ports?: TenantPortInput[];
};

/**
 * What a tenant may use of the host. `cpu` and `memory` bound the sum of the requests of
 * the tenant's pods (vNodes and the access pod) and the limit of any one container;
 * `gpus` the sum of the vNodes' GPUs; `storage` the sum of the tenant's claims.
 */
export interface TenantQuotaInput {
  /** CPU, a quantity such as `16` or `15500m`. */
  cpu?: string | number;
  /** Memory, a quantity such as `64Gi`. */
  memory?: string | number;
  /** Whole GPUs (`nvidia.com/gpu`). @default 0 (no GPU may be requested) */
  gpus?: number;
  /** Storage of all the tenant's claims (user storage and vNode state), e.g. `200Gi`. */
  storage?: string | number;
}

export type StorageAccessMode = "ReadWriteOnce" | "ReadWriteMany" | "ReadWriteOncePod";

/** The tenant's own storage: a claim in the tenant namespace, mounted into every vNode. */
export interface TenantStorageInput {
  /** Size of the claim. @default PLATFORM_DEFAULTS.storageSize */
  size?: string;
  /** Storage class of the claim. @default the host's default storage class */
  storageClassName?: string;
  /**
   * Access modes of the claim. @default ReadWriteOnce for a one-vNode cluster,
   * ReadWriteMany when vNodes may land on different host nodes (more than one vNode)
   */
  accessModes?: StorageAccessMode[];
}

/** NodePorts of a tenant besides `ports[]`, and its port block. */
export interface TenantNodePortsInput {
  /** NodePort of the SSH access pod. @default allocated */
  ssh?: number;
  /** NodePort of the virtual cluster's API server; `false`: not exposed. @default allocated */
  apiServer?: number | false;
  /**
   * Pins the tenant's port block (0-based, see `ports.ts`): its allocated ports are then
   * `range.min + block * blockSize + offset` whatever the other tenants are.
   * @default the first free block from the name's hash, probing in users order
   */
  block?: number;
}

/** One user of the platform. */
export interface TenantInput {
  /** User name: the virtual cluster's name (DNS label); namespace `vk8s-<name>`. */
  name: string;
  cluster: TenantClusterSpec;
  /** @default PlatformSettings.defaults.quota (each field) */
  quota?: TenantQuotaInput;
  /** @default PlatformSettings.defaults.storage (each field) */
  storage?: TenantStorageInput;
  nodePorts?: TenantNodePortsInput;
}

/** Choices of the platform as a whole; every field is optional. */
export interface PlatformSettings {
  /** NodePorts to allocate from. @default PLATFORM_DEFAULTS.nodePortRange (30000-32767) */
  nodePortRange?: { min: number; max: number };
  /** Ports per tenant block. @default PLATFORM_DEFAULTS.portBlockSize (10) */
  portBlockSize?: number;
  /** Defaults of each tenant's quota and storage, field by field. @default none for quota */
  defaults?: { quota?: TenantQuotaInput; storage?: TenantStorageInput };
  /**
   * The host's pod and service CIDRs: the virtual clusters' CIDRs must not overlap them,
   * and vNodes' internet egress excludes them (no direct path to other tenants' pods).
   * @default none
   */
  hostCidrs?: string[];
  /**
   * Requests a container without its own get from the tenant's LimitRange (the access
   * pod; vNodes that give none). @default PLATFORM_DEFAULTS.defaultRequest
   */
  defaultRequest?: { cpu?: string; memory?: string };
  /** Where the cluster DNS runs, for the DNS egress rule. @default PLATFORM_DEFAULTS.dns */
  dns?: { namespace: string; podLabels: Record<string, string> };
  /**
   * Let vNodes reach outside the host cluster (image pulls, Kubeflow manifests) except
   * `hostCidrs`. @default true
   */
  vNodeInternetEgress?: boolean;
  /** Where the user's storage is mounted in every vNode. @default "/mnt/vk8s-storage" */
  storageMountPath?: string;
  /** Target port (NodePort inside the virtual cluster) of an added `kubeflow` entry. @default 30000 */
  kubeflowTargetPort?: number;
  /**
   * A DaemonSet that prepares the host nodes for Kubeflow (`hostPreparation.ts`): with
   * `inotify: true`, it raises the host kernel's inotify limits to what Kubeflow 1.9+ needs.
   * Off by default: it changes host kernel settings. @default undefined (off)
   */
  hostPreparation?: HostPreparationSettings;
}

/** `PlatformSettings.hostPreparation`. */
export interface HostPreparationSettings {
  /** Raise `fs.inotify.max_user_instances`/`max_user_watches` (never lowers them). @default false */
  inotify?: boolean;
  /** Image with POSIX `sh`. @default HOST_PREPARATION_DEFAULTS.image */
  image?: string;
  /** Namespace of the DaemonSet. @default "kube-system" */
  namespace?: string;
  /** Host nodes to prepare (those that run vNodes). @default every node */
  nodeSelector?: Record<string, string>;
}

/** Every default of the platform, in one place. */
export const PLATFORM_DEFAULTS = {
  /** The kube-apiserver default `--service-node-port-range` (`src/core/ports.ts`). */
  nodePortRange: NODE_PORT_RANGE,
  /** 10 ports: kubeflow, ssh, apiserver and up to 7 more `ports[]` entries; 276 blocks in the default range. */
  portBlockSize: 10,
  /** What the access pod (sshd) gets: a jump host needs little. */
  defaultRequest: { cpu: "100m", memory: "128Mi" },
  /** kubeadm's CoreDNS: `k8s-app: kube-dns` in `kube-system`. */
  dns: { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } as Record<string, string> },
  vNodeInternetEgress: true,
  /** Where a tenant's claim is mounted in its vNodes: the render's default. */
  storageMountPath: HOST_RENDER_DEFAULTS.userStorageMountPath,
  /** Size of a tenant's storage claim when neither the tenant nor `defaults.storage` gives one. */
  storageSize: "10Gi",
  /** The samples' Kubeflow NodePort inside the virtual cluster (reference, section 2). */
  kubeflowTargetPort: KUBEFLOW_NODE_PORT,
} as const;

/** Label marking a tenant's namespace (and its platform objects) with the user name. */
export const TENANT_LABEL = "vk8s.io/tenant";
