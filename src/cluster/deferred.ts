/**
 * Values of a cluster's arguments that are not known when the program runs (Pulumi
 * Outputs, promises): which fields may be deferred, the stand-ins the construction-time
 * validation and plan use for them, and the problems of a deferred value in a field that
 * shapes the resource graph. Pure: the caller says what "deferred" means (`isDeferred`),
 * so nothing here imports Pulumi.
 *
 * How the component uses it (src/plan/cluster.ts, called by components/vk8sCluster.ts): validate and plan with stand-in
 * set A now; plan again with set B; what differs between the two plans depends on the
 * deferred values and is rendered again, and validated again, once they resolve.
 */
import { formatPath, type PathSegment, type Problem } from "../core/errors";
import { NODE_PORT_RANGE } from "../core/ports";
import { GPU_RESOURCE } from "../core/labels";

/** One deferred value: where it sits in the arguments, and the value (an Output, a promise). */
export interface DeferredValue {
  path: PathSegment[];
  value: unknown;
}

/** Stand-in set A or B: two valid values per field, so that what depends on a field shows as a difference. */
export type StandInSet = 0 | 1;

/** Fields never read by the validation beyond their presence: secrets passed through as they are. */
const OPAQUE: string[][] = [["ssh", "privateKey"], ["ssh", "hostKey"]];

/** `*` matches any key or index. */
type Pattern = string[];

interface Deferrable {
  pattern: Pattern;
  standIn: (set: StandInSet, path: PathSegment[], context: StandInContext) => unknown;
}

/** What some stand-ins are chosen from: free NodePorts, the kink tag of the planned Kubernetes version. */
interface StandInContext {
  ports: PortPool;
  imageTag: string;
}

const pair = <T>(a: T, b: T) => (set: StandInSet) => (set === 0 ? a : b);
/** RFC 5737 documentation addresses and networks: valid, and never a real host's. */
const ADDRESS = pair("192.0.2.1", "192.0.2.2");
const NODE_PORT = (set: StandInSet, path: PathSegment[], { ports }: StandInContext) => ports.take(set, formatPath(path));
const LABEL_VALUE = pair("stand-in-a", "stand-in-b");
const LABEL_MAP = pair({}, { "vk8s.io/stand-in": "b" });

/**
 * What a resource quantity stands in as: requests tiny and limits huge, so a stand-in never
 * breaks "request <= limit" against a plain value beside it.
 */
function quantity(kind: "requests" | "limits") {
  return (set: StandInSet, path: PathSegment[]) => {
    const cpu = path[path.length - 1] === "cpu";
    if (kind === "requests") return cpu ? ["1m", "2m"][set] : ["1Ki", "2Ki"][set];
    return cpu ? ["1000", "1001"][set] : ["1Ei", "2Ei"][set];
  };
}

/**
 * The fields a caller may give as Outputs, each with its two stand-ins. Every other field
 * shapes the resource graph or the bootstrap plan and must be known when the program runs
 * (see `GRAPH_FIELDS` for why, field by field).
 */
const DEFERRABLE: Deferrable[] = [
  { pattern: ["hostAddress"], standIn: ADDRESS },
  { pattern: ["apiServerNodePort"], standIn: NODE_PORT },
  { pattern: ["accessPodImage"], standIn: pair("registry.invalid/vk8s-stand-in/sshd:a", "registry.invalid/vk8s-stand-in/sshd:b") },
  { pattern: ["accessPodPort"], standIn: pair(2201, 2202) },
  { pattern: ["imageRepository"], standIn: pair("registry.invalid/vk8s-stand-in-a/kink", "registry.invalid/vk8s-stand-in-b/kink") },
  { pattern: ["labels"], standIn: LABEL_MAP },
  { pattern: ["labels", "*"], standIn: LABEL_VALUE },
  { pattern: ["annotations"], standIn: LABEL_MAP },
  { pattern: ["annotations", "*"], standIn: LABEL_VALUE },
  { pattern: ["hostCidrs"], standIn: pair([], ["198.51.100.0/24"]) },
  { pattern: ["hostCidrs", "*"], standIn: pair("192.0.2.0/24", "198.51.100.0/24") },
  // Image tags give the Kubernetes version: a stand-in image carries the planned version's tag.
  { pattern: ["nodes", "*", "image"], standIn: (set, _path, { imageTag }) => `registry.invalid/vk8s-stand-in-${"ab"[set]}/kink:${imageTag}` },
  { pattern: ["nodes", "*", "resources", "requests", "*"], standIn: quantity("requests") },
  { pattern: ["nodes", "*", "resources", "limits", "*"], standIn: quantity("limits") },
  { pattern: ["nodes", "*", "nodeSelector"], standIn: LABEL_MAP },
  { pattern: ["nodes", "*", "nodeSelector", "*"], standIn: LABEL_VALUE },
  { pattern: ["nodes", "*", "labels"], standIn: LABEL_MAP },
  { pattern: ["nodes", "*", "labels", "*"], standIn: LABEL_VALUE },
  { pattern: ["ports", "*", "port"], standIn: NODE_PORT },
  { pattern: ["ports", "*", "targetPort"], standIn: NODE_PORT },
  { pattern: ["kubeflow", "email"], standIn: pair("stand-in-a@example.com", "stand-in-b@example.com") },
  // Never rendered (the Dex hash goes in on stdin): one stand-in, no second plan needed.
  { pattern: ["kubeflow", "password"], standIn: () => DEFERRED_PASSWORD },
  { pattern: ["ssh", "user"], standIn: pair("root", "vk8s-stand-in") },
  { pattern: ["ssh", "publicKey"], standIn: pair("ssh-ed25519 AAAAstandInA vk8s", "ssh-ed25519 AAAAstandInB vk8s") },
  { pattern: ["ssh", "nodePort"], standIn: NODE_PORT },
  { pattern: ["ssh", "nodeEndpoints", "*", "host"], standIn: ADDRESS },
  { pattern: ["ssh", "nodeEndpoints", "*", "port"], standIn: pair(2222, 2223) },
];

/** Stands in for a password only known at run time, so the rest can be validated now. */
export const DEFERRED_PASSWORD = "vk8s-deferred-password-check";

/**
 * Why a field must be known when the program runs, by the first fields of its path
 * (longest match first). These decide which resources and bootstrap steps exist, their
 * names, or the Kubernetes and Kubeflow releases the bootstrap programs are written for.
 */
const GRAPH_FIELDS: [Pattern, string][] = [
  [["nodes", "*", "resources", "limits", GPU_RESOURCE], "the GPU count decides the NVIDIA device-plugin step and the vNode's GPU isolation"],
  [["nodes", "*", "resources", "requests", GPU_RESOURCE], "the GPU count decides the NVIDIA device-plugin step and the vNode's GPU isolation"],
  [["nodes", "*", "name"], "node names name the vNode StatefulSets and their bootstrap steps"],
  [["nodes", "*", "role"], "the roles decide the kubeadm init and join steps"],
  [["nodes"], "the nodes decide which vNode StatefulSets and bootstrap steps exist"],
  [["ports", "*", "name"], "port names name the NodePort Services"],
  [["ports"], "the ports decide which NodePort Services exist"],
  [["kubeflow", "version"], "the Kubeflow version picks the Kubernetes release and the bootstrap programs"],
  [["kubeflow", "components"], "the components decide what the Kubeflow step installs"],
  [["kubeflow", "versionChange"], "it decides what the Kubeflow step does on a version change"],
  [["kubernetes"], "the Kubernetes version and CIDRs are written into the kubeadm and calico steps' programs"],
  [["clusterName"], "the cluster name names the namespace and every object"],
  [["bootstrap"], "the bootstrap options decide which steps exist and their programs"],
  [["awaitVNodes"], "it decides how the vNode objects are registered"],
  [["hostRender"], "the host render options decide which host objects exist"],
  [["ssh"], "the SSH dial settings are fixed when the program runs"],
];

/**
 * Hands out stand-in NodePorts from the top of the range, skipping every plain port of the
 * arguments: set A from the range's top (32767) down, set B from 100 below it, so the two sets always differ.
 */
class PortPool {
  private readonly given = new Map<string, number>();
  private readonly next: [number, number] = [NODE_PORT_RANGE.max, NODE_PORT_RANGE.max - 100];
  constructor(private readonly taken: Set<unknown>) {}
  take(set: StandInSet, key: string): number {
    const id = `${set}:${key}`;
    if (!this.given.has(id)) {
      while (this.taken.has(this.next[set])) this.next[set]--;
      this.given.set(id, this.next[set]--);
    }
    return this.given.get(id) as number;
  }
}

const matches = (pattern: Pattern, path: PathSegment[], prefix = false) =>
  (prefix ? path.length >= pattern.length : path.length === pattern.length) &&
  pattern.every((p, i) => p === "*" || p === String(path[i]));

/**
 * Every deferred value in `args`, depth first, in key order. Plain objects and arrays are
 * walked; the opaque secrets (`ssh.privateKey`, `ssh.hostKey`) are not read at all.
 */
export function findDeferred(args: unknown, isDeferred: (v: unknown) => boolean): DeferredValue[] {
  const found: DeferredValue[] = [];
  const walk = (value: unknown, path: PathSegment[]) => {
    if (OPAQUE.some((o) => matches(o, path))) return;
    if (isDeferred(value)) { found.push({ path, value }); return; }
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
    else if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(args, []);
  return found;
}

/**
 * The problems of deferred values in fields that must be known when the program runs: one
 * per such field, naming it, why, and the fix.
 */
export function deferredProblems(deferred: DeferredValue[]): Problem[] {
  return deferred.filter((d) => !deferrableOf(d.path)).map((d) => {
    const why = GRAPH_FIELDS.find(([p]) => matches(p, d.path, true))?.[1] ?? "it is read when the program runs";
    return {
      path: formatPath(d.path),
      message: `is a Pulumi Output or promise, but must be known when the program runs: ${why}`,
      fix: "pass a plain value (read it from config, or from a StackReference's getOutputValue in a separate stack run)",
    };
  });
}

/**
 * `args` with every deferred value replaced by its stand-in of `set`. `imageTag` is the
 * kink tag the stand-in node images carry (the Kubernetes version's, from a first plan
 * without them), so that they agree with the version the matrix picks.
 */
export function standInArgs<T>(args: T, deferred: DeferredValue[], set: StandInSet, imageTag = "v0"): T {
  const context: StandInContext = { ports: new PortPool(plainPorts(args)), imageTag };
  let out = args;
  for (const d of deferred) {
    const field = deferrableOf(d.path);
    if (field) out = setAt(out, d.path, field.standIn(set, d.path, context));
  }
  return out;
}

/** `args` with the deferred values replaced by what they resolved to (`values[i]` for `deferred[i]`). */
export function withResolved<T>(args: T, deferred: DeferredValue[], values: unknown[]): T {
  return deferred.reduce((out, d, i) => setAt(out, d.path, values[i]), args);
}

/** `args` with node images left out where deferred: the default image's tag gives the Kubernetes version. */
export function withoutDeferredImages<T>(args: T, deferred: DeferredValue[]): T {
  return deferred.filter((d) => matches(["nodes", "*", "image"], d.path)).reduce((out, d) => setAt(out, d.path, undefined), args);
}

function deferrableOf(path: PathSegment[]): Deferrable | undefined {
  if (path.some((s) => s === GPU_RESOURCE)) return undefined;
  return DEFERRABLE.find((f) => matches(f.pattern, path));
}

/** Every plain number among the NodePort fields, so stand-ins never collide with them. */
function plainPorts(args: unknown): Set<unknown> {
  const a = (args ?? {}) as { apiServerNodePort?: unknown; ssh?: { nodePort?: unknown }; ports?: { port?: unknown; targetPort?: unknown }[]; hostRender?: { sshNodePort?: unknown; apiServerNodePort?: unknown } };
  return new Set([
    a.apiServerNodePort, a.ssh?.nodePort, a.hostRender?.sshNodePort, a.hostRender?.apiServerNodePort,
    ...(Array.isArray(a.ports) ? a.ports.flatMap((p) => [p?.port, p?.targetPort]) : []),
  ].filter((v) => typeof v === "number"));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A copy of `root` with `value` at `path`; only the objects along the path are copied. */
function setAt<T>(root: T, path: PathSegment[], value: unknown): T {
  if (path.length === 0) return value as T;
  const [head, ...rest] = path;
  const container: any = Array.isArray(root) ? [...root] : { ...(root as object) };
  container[head] = setAt(container[head], rest, value);
  if (value === undefined && rest.length === 0 && !Array.isArray(container)) delete container[head];
  return container as T;
}
