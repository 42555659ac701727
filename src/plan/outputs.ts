/**
 * `Vk8sCluster`'s outputs as data: which planned objects and steps each output is read from,
 * how each vNode is reached over SSH, and the endpoints as pure functions of the resolved
 * arguments and the NodePorts Kubernetes gives. The component only wires Outputs into them.
 */
import type { ResolvedCluster } from "../cluster/resolved";
import { COMPONENT_DEFAULTS } from "../cluster/defaults";
import type { HostRenderOptions, K8sObject } from "../render/types";
import { ACCESS_SSH_USER } from "../render/access";
import { accessName, sshServiceName } from "../core/naming";
import { apiServerServiceUrl } from "../core/naming";
import { nodeStateObject, VNODE_SSH_PORT } from "../render/vnode";
import { STEP_IDS } from "../bootstrap/plan";
import type { BootstrapStep } from "../bootstrap/types";
import { rewriteKubeconfigServer } from "../kubeconfig/rewrite";
import type { ClusterPlanArgs, ResolvedArgs } from "./cluster";
import { keyOf, objectKey } from "./names";

/** Kinds whose readiness `pulumi up` waits for unless `awaitVNodes` is false. */
export const AWAITED_KINDS: ReadonlySet<string> = new Set(["StatefulSet", "Deployment", "PersistentVolumeClaim"]);

/** One vNode as reported in the `nodes` output. */
export interface NodeInfo {
  name: string;
  role: "master" | "worker";
  gpus: number;
  statefulSet: string;
  pod: string;
}

/**
 * How one vNode is reached over SSH. `direct`: at its `ssh.nodeEndpoints` entry (`directEndpoint`).
 * `jump`: at `host:port` through the access pod (`<jumpUser>@<hostAddress>:<SSH Service NodePort>`).
 * `waitsFor`: keys (`objectKey`) of the host objects its first bootstrap step waits for.
 */
export type NodeRoute =
  | { node: string; route: "direct"; waitsFor: string[] }
  | { node: string; route: "jump"; host: string; port: number; jumpUser: string; waitsFor: string[] };

/** The host object that holds one vNode's node state: a PersistentVolumeClaim, or for an `emptyDir` the vNode's pod. */
export interface NodeState {
  kind: "PersistentVolumeClaim" | "Pod";
  /** The object's name in the cluster's namespace. */
  name: string;
}

/** What each output and each live read is taken from. */
export interface ClusterOutputsPlan {
  /** The `nodes` output. */
  nodes: NodeInfo[];
  /** Each vNode's SSH route, by node name. */
  routes: Record<string, NodeRoute>;
  /** Key of the access pod's SSH Service, whose NodePort `sshEndpoint` and the jump routes name. */
  sshService: string;
  /** Key of each vNode's StatefulSet, by node name. */
  statefulSets: Record<string, string>;
  /**
   * The host object whose uid identifies each vNode's node state, by node name
   * (`nodeStateObject`): its claim `vnode-data-<pod>` (`nodeStorage: "pvc"`, the default), or
   * its pod (`nodeStorage: "emptyDir"`). Read live in the cluster's namespace.
   */
  nodeStates: Record<string, NodeState>;
  /** Whether the vNode pods (and node-state claims) are read live: only when `pulumi up` waits for them. */
  readsVNodes: boolean;
  /** Kinds registered with `pulumi.com/skipAwait` (none unless `awaitVNodes` is false). */
  skipAwaitKinds: ReadonlySet<string>;
  /** Id of the step whose stdout is the admin kubeconfig; `undefined` without bootstrap. */
  kubeconfigStep?: string;
  /** Ids of the steps whose stdout is read into the install history (those without secret output), in plan order. */
  historySteps: string[];
}

/** The outputs plan of a validated cluster, its host objects (rendered with `renderOptions`) and bootstrap steps (see `planCluster`). */
export function clusterOutputs(
  cluster: ResolvedCluster,
  objects: K8sObject[],
  steps: BootstrapStep[] | undefined,
  args: ClusterPlanArgs,
  renderOptions: HostRenderOptions,
): ClusterOutputsPlan {
  const keys = new Set(objects.map(objectKey));
  const accessKeys = objects.map(objectKey).filter((k) => k === keyOf("Deployment", accessName(cluster)) || k === keyOf("Service", sshServiceName(cluster)));
  const statefulSets = Object.fromEntries(cluster.nodes.map((n) => [n.name, keyOf("StatefulSet", n.statefulSetName)]));
  const endpoints = args.ssh?.nodeEndpoints;
  const routes = Object.fromEntries(cluster.nodes.map((n): [string, NodeRoute] => {
    const sts = keys.has(statefulSets[n.name]) ? [statefulSets[n.name]] : [];
    return [n.name, endpoints && Object.hasOwn(endpoints, n.name)
      ? { node: n.name, route: "direct", waitsFor: sts }
      : { node: n.name, route: "jump", host: n.hostname, port: VNODE_SSH_PORT, jumpUser: ACCESS_SSH_USER, waitsFor: [...sts, ...accessKeys] }];
  }));
  const awaited = args.awaitVNodes !== false;
  return {
    nodes: cluster.nodes.map((n) => ({ name: n.name, role: n.role, gpus: n.gpus, statefulSet: n.statefulSetName, pod: n.podName })),
    routes,
    sshService: keyOf("Service", sshServiceName(cluster)),
    statefulSets,
    nodeStates: Object.fromEntries(cluster.nodes.map((n) => [n.name, nodeStateObject(cluster, n, renderOptions)])),
    readsVNodes: awaited,
    skipAwaitKinds: awaited ? new Set() : AWAITED_KINDS,
    kubeconfigStep: steps?.find((s) => s.id === STEP_IDS.kubeconfig)?.id,
    historySteps: (steps ?? []).filter((s) => !s.secretOutput).map((s) => s.id),
  };
}

/** `hostAddress`, or its default (`COMPONENT_DEFAULTS.hostAddress`). */
export function hostAddressOf(args: ClusterPlanArgs): string {
  return (args.hostAddress as string | undefined) ?? COMPONENT_DEFAULTS.hostAddress;
}

/** `sshEndpoint`: `ssh://<access user>@<hostAddress>:<SSH Service NodePort>` (0 when not known). */
export function sshEndpoint(args: ClusterPlanArgs, sshNodePort: number): string {
  return `ssh://${ACCESS_SSH_USER}@${hostAddressOf(args)}:${sshNodePort}`;
}

/** `kubeflowUrl`: `http://<hostAddress>:<kubeflow NodePort>`; empty when no port exposes Kubeflow. */
export function kubeflowUrl({ args, cluster }: ResolvedArgs): string {
  return cluster.kubeflowPort ? `http://${hostAddressOf(args)}:${cluster.kubeflowPort.port}` : "";
}

/** `https://<hostAddress>:<apiServerNodePort>` when the API server is exposed, else `undefined`. */
export function exposedApiServerUrl(args: ClusterPlanArgs): string | undefined {
  return args.apiServerNodePort ? `https://${hostAddressOf(args)}:${args.apiServerNodePort}` : undefined;
}

/** `apiServerEndpoint`: the exposed URL, else the in-cluster one. */
export function apiServerEndpoint({ args, cluster }: ResolvedArgs): string {
  return exposedApiServerUrl(args) ?? apiServerServiceUrl(cluster);
}

/** The `kubeconfig` output from the kubeconfig step's stdout: its server is the exposed URL when there is one. */
export function adminKubeconfig(stdout: string, args: ClusterPlanArgs): string {
  return rewriteKubeconfigServer(stdout, exposedApiServerUrl(args));
}

/** A `direct` route's endpoint: the node's `ssh.nodeEndpoints` entry as resolved. */
export function directEndpoint(args: ClusterPlanArgs, node: string): { host: string; port: number } {
  return args.ssh!.nodeEndpoints![node] as { host: string; port: number };
}

/** The login user of the bootstrap commands on the vNodes: `ssh.user` as resolved, or `COMPONENT_DEFAULTS.sshUser`. */
export function sshUser(args: ClusterPlanArgs): string {
  return (args.ssh?.user as string | undefined) ?? COMPONENT_DEFAULTS.sshUser;
}

/** The SSH dial settings (plain when the program runs), defaults applied (`COMPONENT_DEFAULTS`). */
export function sshDial(args: ClusterPlanArgs): { perDialTimeout: number; dialErrorLimit: number } {
  return {
    perDialTimeout: args.ssh?.perDialTimeout ?? COMPONENT_DEFAULTS.perDialTimeout,
    dialErrorLimit: args.ssh?.dialErrorLimit ?? COMPONENT_DEFAULTS.dialErrorLimit,
  };
}

/** The trigger that re-runs a step when the state of `node` it lives in is new: `state:<node>=<uid>`. */
export function stateTrigger(node: string, uid: string): string {
  return `state:${node}=${uid}`;
}
