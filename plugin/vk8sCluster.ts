/**
 * `vk8s:index:Vk8sCluster` for every Pulumi language. The component provider of @pulumi/pulumi
 * builds the package schema from the `args` interface below, so it keeps to the types it can
 * describe (strings, numbers, booleans, lists, maps, nested interfaces; no unions): a node's
 * `role` is a string and quantities are strings. The values go unchanged to the library's
 * `Vk8sCluster`, whose one validation refuses bad ones (field path, rule, fix) before anything
 * is created. Fields that take outputs of other resources are `Input`s (the schema marks the
 * rest `plain`): those that decide which resources exist (node names and roles, the GPU count,
 * versions, the port names, clusterName) must be known when the program runs.
 */
import * as pulumi from "@pulumi/pulumi";
import { Vk8sCluster as Vk8sClusterComponent, type Vk8sClusterArgs as LibraryArgs } from "../components/vk8sCluster";
import { withInputPropertyErrors } from "../components/problems";

/** What one vNode pod asks of the host, as Kubernetes quantities by resource name. */
export interface NodeResourcesArgs {
  /** Requests, e.g. `{"cpu": "1", "memory": "16Gi"}`; each may be another resource's output. */
  requests?: { [resource: string]: pulumi.Input<string> };
  /**
   * Limits; `nvidia.com/gpu` here gives the vNode whole GPUs, e.g. `{"nvidia.com/gpu": "2"}`.
   * Each may be another resource's output, except `nvidia.com/gpu`, which must be known when the program runs.
   */
  limits?: { [resource: string]: pulumi.Input<string> };
}

/** One vNode: a privileged pod running a whole Kubernetes node. */
export interface NodeArgs {
  /** Node name, unique in the cluster; names the vNode StatefulSet `<cluster>-<name>`. */
  name: string;
  /** `master` (exactly one: the control plane) or `worker`. */
  role: string;
  /** Full kink image reference. Default: the image repository's tag for the Kubernetes version. */
  image?: pulumi.Input<string>;
  resources?: NodeResourcesArgs;
  /** Host node labels the vNode pod must run on. */
  nodeSelector?: { [key: string]: pulumi.Input<string> };
  /** Extra labels on this vNode's StatefulSet and pod. */
  labels?: { [key: string]: pulumi.Input<string> };
}

/** The Kubernetes of the virtual cluster. */
export interface KubernetesArgs {
  /** `1.20`, `v1.20` or `1.20.15`. Default: the compatibility matrix's choice for the Kubeflow version. */
  version?: string;
  /** Pod network CIDR. Default `10.244.0.0/16`. */
  podNetworkCidr?: string;
  /** Service CIDR. Default `10.96.0.0/12`. */
  serviceCidr?: string;
}

/** The Kubeflow of the virtual cluster and its login. */
export interface KubeflowArgs {
  /** `v1.3.0`, `1.4`, `v1.10.0`, ... (`vk8s matrix` lists them). */
  version: string;
  /** Login email. */
  email: pulumi.Input<string>;
  /** Login password (at least 8 characters, not the upstream default); pass a secret. */
  password: pulumi.Input<string>;
}

/** A NodePort on the host forwarded to the master vNode. */
export interface PortArgs {
  name: string;
  /** Host NodePort, 30000-32767. */
  port: pulumi.Input<number>;
  /** Port on the master vNode. Default: `port`. */
  targetPort?: pulumi.Input<number>;
}

export interface Vk8sClusterArgs {
  /** Name of the virtual cluster; its host namespace is `vk8s-<clusterName>`. Default: the resource name. */
  clusterName?: string;
  nodes: NodeArgs[];
  kubernetes?: KubernetesArgs;
  kubeflow: KubeflowArgs;
  ports?: PortArgs[];
  /** Labels of the cluster; they also go on every vNode StatefulSet. */
  labels?: { [key: string]: pulumi.Input<string> };
  /** Address of a host node on which users reach NodePorts (e.g. a load balancer's output). Default `127.0.0.1`. */
  hostAddress?: pulumi.Input<string>;
  /** Expose the virtual cluster's API server on this host NodePort. Default: not exposed. */
  apiServerNodePort?: pulumi.Input<number>;
  /** Wait for the vNode pods to be ready. Default `true`. */
  awaitVNodes?: boolean;
  /** `false` creates only the host objects (no kubeadm, no Kubeflow). Default `true`. */
  bootstrap?: boolean;
}

/** The library's arguments for the plugin's (same fields; `bootstrap: true` means the defaults). */
export function libraryArgs(args: Vk8sClusterArgs): LibraryArgs {
  const { bootstrap, ...rest } = args;
  // The role and quantity strings are checked by the library's validation, not by the type system.
  return { ...(rest as unknown as LibraryArgs), ...(bootstrap === false ? { bootstrap: false } : {}) };
}

/** A virtual Kubernetes cluster with Kubeflow inside the host cluster (see the vk8s README). */
export class Vk8sCluster extends pulumi.ComponentResource {
  /** The user's Kubeflow URL, e.g. `http://10.1.2.3:30000`. */
  public readonly kubeflowUrl: pulumi.Output<string>;
  /** The access pod's SSH endpoint, `ssh://vk8s@<hostAddress>:<SSH NodePort>` (the jump host to every vNode). */
  public readonly sshEndpoint: pulumi.Output<string>;
  /** The inner API server's address. */
  public readonly apiServerEndpoint: pulumi.Output<string>;
  /** The Kubernetes version installed. */
  public readonly kubernetesVersion: pulumi.Output<string>;
  /** The Kubeflow version installed. */
  public readonly kubeflowVersion: pulumi.Output<string>;
  /** The host namespace of the cluster. */
  public readonly namespace: pulumi.Output<string>;
  /** The inner cluster's kubeconfig (secret). */
  public readonly kubeconfig: pulumi.Output<string>;

  constructor(name: string, args: Vk8sClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vk8s:index:Vk8sCluster", name, {}, opts);
    // Leaving `construct`, the problems become Pulumi's input-property error: the engine shows each against its property.
    const cluster = withInputPropertyErrors(() => new Vk8sClusterComponent(name, libraryArgs(args), { parent: this }));
    this.kubeflowUrl = cluster.kubeflowUrl;
    this.sshEndpoint = cluster.sshEndpoint;
    this.apiServerEndpoint = cluster.apiServerEndpoint;
    this.kubernetesVersion = cluster.kubernetesVersion;
    this.kubeflowVersion = cluster.kubeflowVersion;
    this.namespace = cluster.namespace;
    this.kubeconfig = cluster.kubeconfig;
    this.registerOutputs({
      kubeflowUrl: this.kubeflowUrl, sshEndpoint: this.sshEndpoint, apiServerEndpoint: this.apiServerEndpoint,
      kubernetesVersion: this.kubernetesVersion, kubeflowVersion: this.kubeflowVersion, namespace: this.namespace,
      kubeconfig: this.kubeconfig,
    });
  }
}
