/**
 * The `health` output of `Vk8sCluster`: what is true of the cluster now, read live on every
 * `pulumi preview`, `up` and `refresh` (the `phases` output is the install history, read once
 * from the bootstrap's output). Pure: the component reads the objects, this module turns
 * them into the output. Deterministic for the same live state (no timestamps), so an
 * unchanged cluster shows an unchanged output.
 */
import { parse } from "yaml";

/** One vNode pod as the host cluster shows it. */
export interface VNodePodHealth {
  /** Node name in the spec, e.g. `master`. */
  node: string;
  /** Host pod name, `<statefulSet>-0`. */
  pod: string;
  /** Pod phase (`Pending`, `Running`, ...), or `Absent` when the host has no such pod. */
  phase: string;
  /** The pod's Ready condition is True (sshd answers). */
  ready: boolean;
  /** Sum of its containers' restart counts. */
  restarts: number;
}

/** One node of the virtual cluster as its own API server shows it. */
export interface InnerNodeHealth {
  name: string;
  /** Status of its Ready condition: `True`, `False` or `Unknown`. */
  ready: string;
}

/** The `health` output. */
export interface ClusterHealth {
  /**
   * `Ready`: every vNode pod Ready and every spec node Ready in the virtual cluster;
   * `Degraded`: the virtual cluster answers, but a node or a vNode pod is not Ready;
   * `Unreachable`: the virtual cluster's API server did not answer (see `apiServer`);
   * `NotBootstrapped`: there is no kubeconfig yet (bootstrap off, or not run).
   */
  status: "Ready" | "Degraded" | "Unreachable" | "NotBootstrapped";
  /** `ok`, or why the API server could not be read (no secret in it). */
  apiServer: string;
  vNodes: VNodePodHealth[];
  /** Nodes of the virtual cluster, by name; empty when unreachable. */
  nodes: InnerNodeHealth[];
}

/** What the component needs to call the virtual cluster's API server, from its admin kubeconfig. */
export interface ApiServerConnection {
  /** `https://host:port`. */
  server: string;
  /** PEM of the cluster CA, and the client certificate and key (secrets: never logged). */
  ca: string;
  cert: string;
  key: string;
}

const pem = (base64: unknown): string => (typeof base64 === "string" ? Buffer.from(base64, "base64").toString("utf8") : "");

/**
 * The current context's server and credentials of a kubeconfig (YAML, with `*-data` fields,
 * as kubeadm writes `admin.conf`). Returns an error message (never containing the secrets)
 * when the kubeconfig lacks one of them.
 */
export function apiServerConnection(kubeconfig: string): ApiServerConnection | { error: string } {
  let doc: any;
  try {
    doc = parse(kubeconfig);
  } catch {
    return { error: "the kubeconfig is not YAML" };
  }
  const contextName = doc?.["current-context"];
  const context = (doc?.contexts ?? []).find((c: any) => c?.name === contextName)?.context ?? doc?.contexts?.[0]?.context;
  const cluster = (doc?.clusters ?? []).find((c: any) => c?.name === context?.cluster)?.cluster;
  const user = (doc?.users ?? []).find((u: any) => u?.name === context?.user)?.user;
  const connection = {
    server: typeof cluster?.server === "string" ? cluster.server : "",
    ca: pem(cluster?.["certificate-authority-data"]),
    cert: pem(user?.["client-certificate-data"]),
    key: pem(user?.["client-key-data"]),
  };
  const missing = Object.entries(connection).filter(([, v]) => !v).map(([k]) => k);
  return missing.length > 0 ? { error: `the kubeconfig has no ${missing.join(", ")} in its current context` } : connection;
}

/** A live pod (as the Kubernetes API returns it) as `VNodePodHealth`; `undefined` pod: `Absent`. */
export function vNodePodHealth(node: string, podName: string, pod: any | undefined): VNodePodHealth {
  if (!pod) return { node, pod: podName, phase: "Absent", ready: false, restarts: 0 };
  const conditions: any[] = pod.status?.conditions ?? [];
  return {
    node,
    pod: podName,
    phase: String(pod.status?.phase ?? "Unknown"),
    ready: conditions.some((c) => c?.type === "Ready" && c?.status === "True"),
    restarts: (pod.status?.containerStatuses ?? []).reduce((n: number, c: any) => n + (Number(c?.restartCount) || 0), 0),
  };
}

/** The virtual cluster's `NodeList` (`GET /api/v1/nodes`) as `InnerNodeHealth[]`, sorted by name. */
export function innerNodesHealth(nodeList: any): InnerNodeHealth[] {
  return (nodeList?.items ?? [])
    .map((n: any) => ({
      name: String(n?.metadata?.name ?? ""),
      ready: String((n?.status?.conditions ?? []).find((c: any) => c?.type === "Ready")?.status ?? "Unknown"),
    }))
    .sort((a: InnerNodeHealth, b: InnerNodeHealth) => a.name.localeCompare(b.name));
}

/**
 * The `health` output from what was read: the vNode pods, and the virtual cluster's nodes
 * or why they could not be read (`undefined` kubeconfig: `NotBootstrapped`).
 * `specNodes` are the node names of the spec: one missing from the virtual cluster counts as not Ready.
 */
export function clusterHealth(
  specNodes: string[],
  vNodes: VNodePodHealth[],
  inner: { nodes: InnerNodeHealth[] } | { error: string } | undefined,
): ClusterHealth {
  if (inner === undefined) return { status: "NotBootstrapped", apiServer: "no kubeconfig", vNodes, nodes: [] };
  if ("error" in inner) return { status: "Unreachable", apiServer: inner.error, vNodes, nodes: [] };
  const ready = new Set(inner.nodes.filter((n) => n.ready === "True").map((n) => n.name));
  const allReady = vNodes.every((v) => v.ready) && specNodes.every((n) => ready.has(n));
  return { status: allReady ? "Ready" : "Degraded", apiServer: "ok", vNodes, nodes: inner.nodes };
}

/**
 * A short reason for a failed read, from a Node.js error: its code and message, with
 * anything that looks like PEM or base64 key material cut out.
 */
export function readError(error: unknown): string {
  const e = error as { code?: string; message?: string };
  const text = `${e?.code ? `${e.code}: ` : ""}${e?.message ?? String(error)}`;
  return text.replace(/-----BEGIN[\s\S]*?-----END[^-]*-----/g, "[pem]").replace(/[A-Za-z0-9+/=]{64,}/g, "[data]").slice(0, 300);
}
