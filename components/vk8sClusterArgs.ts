/**
 * The arguments of `Vk8sCluster`: the plain cluster spec (`ClusterSpecInput`, what
 * `vk8s validate` and `vk8s render` read from documents) with `pulumi.Input` wherever a
 * stack could take the value from another resource.
 *
 * Which fields take Outputs (the one list is `DEFERRABLE` in src/cluster/deferred.ts):
 * `hostAddress`, `apiServerNodePort`, `accessPodImage`, `accessPodPort`, `imageRepository`,
 * `labels`, `annotations`, `hostCidrs`, each node's `image`, `resources` quantities
 * (except `nvidia.com/gpu`), `nodeSelector` and `labels`, each port's `port` and
 * `targetPort`, `kubeflow.email` and `password`, and `ssh.user`, `publicKey`, `privateKey`,
 * `hostKey`, `nodePort` and each `nodeEndpoints` entry's `host` and `port`.
 *
 * Which must be known when the program runs, because they decide which resources and
 * bootstrap steps exist, their names, or the releases the bootstrap programs are written
 * for: `clusterName`; the node list, each node's `name` and `role` and GPU count; the port
 * list and each port's `name`; `kubeflow.version`, `components`, `versionChange`;
 * `kubernetes` (version and CIDRs, written into the kubeadm and calico programs);
 * `bootstrap`, `awaitVNodes`, `hostRender`; `ssh.nodeEndpoints` as a map (which vNodes
 * are dialled directly), `perDialTimeout`, `dialErrorLimit`. An Output there is refused at
 * construction with the field, the reason and the fix.
 *
 * Plain values are validated at construction, before anything is registered; Outputs are
 * validated when they resolve, before the namespace (the first object) is created.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { BootstrapOptions } from "../src/bootstrap/types";
import type { HostRenderOptions } from "../src/render/types";
import type { ClusterSpecInput, NodeInput, PortInput } from "../src/cluster/schema";

type In<T> = pulumi.Input<T>;
/** A map whose values, or the whole map, may come from other resources (labels, selectors). */
export type InputMap = In<Record<string, In<string>>>;

/** One vNode (see `NodeInput`); name, role and GPU count must be plain. */
export interface Vk8sNodeArgs extends Omit<NodeInput, "image" | "resources" | "nodeSelector" | "labels"> {
  /** Full kink image reference; its tag must agree with the planned Kubernetes version. @default `<imageRepository>:v<kubernetes minor>` */
  image?: In<string>;
  /**
   * What the vNode pod asks of the host, as Kubernetes quantities (`"1"`, `500m`, `16Gi`) by
   * resource name; each quantity may be an Output except `nvidia.com/gpu`. @default none
   */
  resources?: {
    requests?: Record<string, In<string | number>>;
    limits?: Record<string, In<string | number>>;
  };
  /** Host node labels the vNode pod must run on. @default none */
  nodeSelector?: InputMap;
  /** Extra labels on this vNode's StatefulSet and pod. @default none */
  labels?: InputMap;
}

/** A host NodePort forwarded to the master vNode (see `PortInput`); the name must be plain. */
export interface Vk8sPortArgs extends Omit<PortInput, "port" | "targetPort"> {
  /** The host NodePort (30000-32767). */
  port: In<number>;
  /** The port on the master vNode. @default same as `port` */
  targetPort?: In<number>;
}

/** SSH settings of the bootstrap commands. */
export interface Vk8sSshArgs {
  /** Login user on the access pod and the vNodes. @default "root" */
  user?: In<string>;
  /** Your own private key (PEM or OpenSSH), kept secret. @default a generated ed25519 key, stable across runs */
  privateKey?: In<string>;
  /** The public half of `privateKey`, for authorized_keys. Required with `privateKey`. */
  publicKey?: In<string>;
  /** Pinned SSH host key of the access pod and vNodes (`ssh-ed25519 AAAA...`). @default not pinned */
  hostKey?: In<string>;
  /** Host NodePort of the access pod's SSH service. @default allocated by Kubernetes */
  nodePort?: In<number>;
  /**
   * Direct SSH endpoints per vNode, by node name, instead of the default route
   * (access pod as jump host, then the vNode's headless-service name on port 22).
   * The map is plain; each host and port may be an Output.
   * @default undefined (route through the access pod)
   */
  nodeEndpoints?: Record<string, { host: In<string>; port: In<number> }>;
  /** Seconds one SSH dial may take. @default 10 */
  perDialTimeout?: number;
  /** Dial attempts before a step fails as unreachable. @default 6 (so about a minute) */
  dialErrorLimit?: number;
}

/** Arguments of `Vk8sCluster`: the original `Vk8s` spec, with Inputs, plus how to reach it. */
export interface Vk8sClusterArgs extends Omit<ClusterSpecInput,
  "kubeflow" | "nodes" | "ports" | "labels" | "annotations" | "hostCidrs" | "accessPodImage" | "accessPodPort" | "imageRepository"> {
  /** Name of the virtual cluster (namespace `vk8s-<clusterName>`); plain. @default the resource name */
  clusterName?: string;
  /** The vNodes; the list is plain (one StatefulSet each). @default one master */
  nodes?: Vk8sNodeArgs[];
  kubeflow: {
    /** `v1.3.0`, `1.4`, ...; picks Kubernetes, kustomize and calico from the matrix; plain. */
    version: string;
    /** Login email of the Kubeflow user. */
    email: In<string>;
    /** Login password (>= 8 characters, not the upstream default); pass a secret. */
    password: In<string>;
    /** The apps to install (see `ClusterSpecInput`); platform pieces are added; plain. @default the full example */
    components?: string[];
    /** A change to another Kubeflow line: `refuse` or `reinstall`; plain. @default "refuse" */
    versionChange?: "refuse" | "reinstall";
  };
  /** Host NodePorts forwarded to the master vNode; the list is plain (one Service each). @default none */
  ports?: Vk8sPortArgs[];
  /** Labels of the cluster; they also go on every vNode StatefulSet. @default none */
  labels?: InputMap;
  /** Annotations on every vNode StatefulSet. @default none */
  annotations?: InputMap;
  /** The host cluster's own pod/service CIDRs, which the virtual cluster's must not overlap. @default none */
  hostCidrs?: In<In<string>[]>;
  /** SSH access pod image. @default see src/cluster/defaults.ts */
  accessPodImage?: In<string>;
  /** SSH port the access pod listens on. @default 22 */
  accessPodPort?: In<number>;
  /** Repository of the kink vNode images; the tag comes from the Kubernetes version. @default see src/cluster/defaults.ts */
  imageRepository?: In<string>;
  /** Address of a host node on which users reach NodePorts (IPv4 or DNS name). @default "127.0.0.1" */
  hostAddress?: In<string>;
  /** Expose the virtual cluster's API server on this host NodePort. @default not exposed (ClusterIP) */
  apiServerNodePort?: In<number>;
  ssh?: Vk8sSshArgs;
  /**
   * Let `pulumi up` wait for vNode StatefulSets, the access pod and storage claims to be
   * ready. Turn off only where pods cannot run or claims cannot bind (the local simulated
   * environment); the bootstrap's first step still waits for each vNode over SSH. Plain.
   * @default true
   */
  awaitVNodes?: boolean;
  /** Bootstrap settings (sources, retry bounds); `false` creates only the host objects. Plain. @default {} */
  bootstrap?: Partial<BootstrapOptions> | false;
  /**
   * More choices about the host objects (`HostRenderOptions`), e.g. the namespace labels,
   * storage mounted into the vNodes and extra objects in the namespace that `Vk8sPlatform`
   * passes. `ssh.nodePort` and `apiServerNodePort` win over the same fields here. Plain.
   * @default {}
   */
  hostRender?: Partial<Omit<HostRenderOptions, "sshPublicKey">>;
}
