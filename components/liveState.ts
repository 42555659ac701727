/**
 * Live reads of a `Vk8sCluster`, made on every `pulumi preview` and `up` (and `refresh
 * --run-program`): the identity of each vNode's node state (which re-runs the bootstrap of
 * a node that lost it) and the `health` output. What to read and how to report it come from
 * `src/` (the plan's `outputs.nodeStates`, `src/status/health.ts`); this module only reads.
 */
import * as https from "https";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { ResolvedCluster } from "../src/cluster/resolved";
import type { NodeState } from "../src/plan/outputs";
import {
  apiServerConnection, clusterHealth, innerNodesHealth, readError, vNodePodHealth,
  type ClusterHealth, type InnerNodeHealth,
} from "../src/status/health";

/** Seconds one read of the virtual cluster's API server may take before health says Unreachable. */
export const HEALTH_READ_TIMEOUT_SECONDS = 5;

/** Live reads of the vNodes, by node name. */
export interface VNodeReads {
  /** The uid of the object that holds the node's state (its claim, or its pod for `emptyDir`). */
  stateIds: Record<string, pulumi.Output<string>>;
  /** The live vNode pods. */
  pods: Record<string, k8s.core.v1.Pod>;
}

/**
 * Reads each vNode's pod, and its node-state claim unless the state is the pod (`nodeStates`,
 * by node name: the plan's `outputs.nodeStates`), from the
 * host after its StatefulSet exists (`statefulSets`, by node name: the read waits for it) and
 * `namespace` (the component's namespace gate) resolved.
 * A read resource is read again on every run, so a new uid shows in the next preview.
 */
export function readVNodes(
  prefix: string,
  cluster: ResolvedCluster,
  nodeStates: Record<string, NodeState>,
  statefulSets: Record<string, pulumi.CustomResource>,
  namespace: pulumi.Output<string>,
  parent: pulumi.Resource,
): VNodeReads {
  const stateIds: Record<string, pulumi.Output<string>> = {};
  const pods: Record<string, k8s.core.v1.Pod> = {};
  for (const node of cluster.nodes) {
    const sts = statefulSets[node.name] as k8s.apps.v1.StatefulSet | undefined;
    if (!sts) continue;
    // After the StatefulSet exists, and only once the namespace gate passed (a refused input
    // fails the read with the gate's error instead of leaving it waiting).
    const after = (name: string) => pulumi.all([namespace, sts.metadata.namespace]).apply(([, ns]) => `${ns}/${name}`);
    const pod = k8s.core.v1.Pod.get(`${prefix}-${node.name}-vnode-pod`, after(node.podName), { parent });
    pods[node.name] = pod;
    const state = nodeStates[node.name];
    stateIds[node.name] = state.kind === "Pod"
      ? pod.metadata.uid
      : k8s.core.v1.PersistentVolumeClaim.get(`${prefix}-${node.name}-node-state`, after(state.name), { parent }).metadata.uid;
  }
  return { stateIds, pods };
}

/** GET `path` of the API server with the kubeconfig's client certificate; rejects on any failure. */
function getJson(kubeconfig: string, path: string): Promise<unknown> {
  const connection = apiServerConnection(kubeconfig);
  if ("error" in connection) return Promise.reject(new Error(connection.error));
  const url = new URL(path, connection.server);
  return new Promise((resolve, reject) => {
    const request = https.get(url, { ca: connection.ca, cert: connection.cert, key: connection.key, timeout: HEALTH_READ_TIMEOUT_SECONDS * 1000 }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (body += chunk));
      response.on("end", () => {
        if (response.statusCode !== 200) return reject(new Error(`HTTP ${response.statusCode} from ${url.host}${path}`));
        try {
          resolve(JSON.parse(body));
        } catch {
          reject(new Error(`${url.host}${path} did not answer JSON`));
        }
      });
    });
    request.on("timeout", () => request.destroy(Object.assign(new Error(`no answer within ${HEALTH_READ_TIMEOUT_SECONDS} s`), { code: "ETIMEDOUT" })));
    request.on("error", reject);
  });
}

/** The virtual cluster's nodes, or why they could not be read. */
async function readInnerNodes(kubeconfig: string): Promise<{ nodes: InnerNodeHealth[] } | { error: string }> {
  try {
    return { nodes: innerNodesHealth(await getJson(kubeconfig, "/api/v1/nodes")) };
  } catch (error) {
    return { error: readError(error) };
  }
}

/**
 * The `health` output: the live vNode pods and the virtual cluster's nodes read through its
 * kubeconfig (empty kubeconfig: `NotBootstrapped`), once `after` resolves (the install history:
 * so an `up` reads what its bootstrap left). Never fails: a read that fails is reported.
 */
export function clusterHealthOutput(
  cluster: ResolvedCluster,
  pods: Record<string, k8s.core.v1.Pod>,
  kubeconfig: pulumi.Output<string>,
  after: pulumi.Output<unknown>,
): pulumi.Output<ClusterHealth> {
  const vNodes = cluster.nodes.filter((n) => pods[n.name]).map((n) => {
    const pod = pods[n.name];
    return pulumi.all([pod.status, pod.metadata]).apply(([status, metadata]) => vNodePodHealth(n.name, n.podName, { status, metadata }));
  });
  // The kubeconfig is secret; what is read with it is not. Read once `after` (the bootstrap) is done.
  return pulumi.unsecret(pulumi.all([pulumi.all(vNodes), kubeconfig, after]).apply(async ([pods, config]) =>
    clusterHealth(cluster.nodes.map((n) => n.name), pods, config ? await readInnerNodes(config) : undefined)));
}
