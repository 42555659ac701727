/**
 * What `Vk8sCluster` computes before it registers anything, and again once its Outputs
 * resolve. Plain values are validated now; deferred ones (Outputs, promises) stand in as
 * set A for the validation and the plan, and a second plan with set B shows which host
 * objects and bootstrap steps depend on them (src/cluster/deferred.ts). Those are rendered
 * again from the resolved values by `livePlan`, which validates them first.
 */
import * as pulumi from "@pulumi/pulumi";
import { validateCluster } from "../src/cluster/validate";
import { formatPath, Vk8sValidationError, type Problem } from "../src/core/errors";
import type { ResolvedCluster } from "../src/cluster/resolved";
import { renderHostObjects, type HostRenderOptions, type K8sObject } from "../src/render/host";
import { planBootstrap } from "../src/bootstrap/plan";
import type { BootstrapOptions, BootstrapStep } from "../src/bootstrap/types";
import { checkClusterArgs } from "../src/plan/clusterArgs";
import { DEFERRED_PASSWORD, deferredProblems, findDeferred, standInArgs, withoutDeferredImages, withResolved, type DeferredValue } from "../src/cluster/deferred";
import type { Vk8sClusterArgs } from "./vk8sClusterArgs";

/** Probe keys: objects that differ between the two renders depend on the SSH public key. */
const PROBE_KEYS = ["ssh-ed25519 A probe-a", "ssh-ed25519 B probe-b"] as const;
/** Stands in for the opaque secrets (private key, host key) where only their presence is read. */
const OPAQUE_STAND_IN = "vk8s-opaque-secret";

/** An Output or a promise: a value not known when the program runs. */
export function isDeferred(value: unknown): boolean {
  return pulumi.Output.isInstance(value) || value instanceof Promise;
}

/** What `Vk8sCluster` computes before it registers anything (see `prepareCluster`). */
export interface PreparedCluster {
  /** The validated cluster; fields that came from Outputs hold stand-in A (registry.invalid, 192.0.2.x). */
  cluster: ResolvedCluster;
  renderOptions: HostRenderOptions;
  /** The host objects as planned (stand-ins A); `live.objects[i]` replaces `objects[i]` when `liveObjects[i]`. */
  objects: K8sObject[];
  /** Which host objects depend on the SSH public key or a deferred value. */
  liveObjects: boolean[];
  /**
   * Per host object, its top-level fields that depend on them (e.g. `data`, `spec`). Only those
   * are Outputs when registered: the rest (the metadata, mostly) stays known at preview, where
   * policies read it.
   */
  liveFields: string[][];
  /** The bootstrap steps as planned; `undefined` when `bootstrap` is `false`. */
  steps?: BootstrapStep[];
  /** Ids of the steps whose programs or triggers depend on a deferred value. */
  liveSteps: Set<string>;
  /** The deferred values, the password's and the opaque secrets' left out. */
  deferred: DeferredValue[];
  /** Whether the password is deferred (checked again by the namespace gate). */
  passwordDeferred: boolean;
  /** `args` with the password and the opaque secrets replaced by plain stand-ins. */
  base: Vk8sClusterArgs;
  /** The arguments with stand-ins A, as validated: what readers see while a refused value stops the namespace. */
  planned: ResolvedArgs;
}

/** One plan: the validated cluster, its host objects with one SSH key, its bootstrap steps. */
interface Plan {
  cluster: ResolvedCluster;
  renderOptions: HostRenderOptions;
  objects: K8sObject[];
  steps?: BootstrapStep[];
}

/**
 * The one validation of `Vk8sCluster`'s arguments (spec and component arguments, every
 * problem at once as `Vk8sValidationError`, Outputs in fields that must be known among
 * them), then the host objects and the bootstrap plan, all before anything is registered.
 * `Vk8sPlatform` runs it for every user before registering any.
 */
export function prepareCluster(name: string, args: Vk8sClusterArgs): PreparedCluster {
  const all = findDeferred(args, isDeferred);
  const passwordDeferred = all.some((d) => d.path.join(".") === "kubeflow.password");
  const deferred = all.filter((d) => d.path.join(".") !== "kubeflow.password");
  const base = plainSecrets(args);
  const graph = deferredProblems(deferred);
  const a0 = standInArgs(base, deferred, 0);
  if (graph.length > 0) {
    // Report the rest too, leaving out what the Outputs in graph fields themselves cause.
    const rest = problemsOf(name, a0).filter((p) => !graph.some((g) => p.path === g.path || p.path.startsWith(`${g.path}.`) || p.path.startsWith(`${g.path}[`)));
    throw new Vk8sValidationError(args.clusterName ?? name, [...graph, ...rest]);
  }
  const imageTag = deferred.some((d) => d.path[0] === "nodes" && d.path[2] === "image")
    ? planOf(name, withoutDeferredImages(a0, deferred), PROBE_KEYS[0]).cluster.matrix.imageTag
    : "v0";
  const plannedArgs = standInArgs(base, deferred, 0, imageTag);
  const a = planOf(name, plannedArgs, PROBE_KEYS[0]);
  const b = planOf(name, standInArgs(base, deferred, 1, imageTag), PROBE_KEYS[1]);
  if (a.objects.length !== b.objects.length || !sameStepGraph(a.steps, b.steps)) {
    throw new Error(`vk8s: cluster ${name}: a deferred value changed which objects or steps exist; report this as a bug`);
  }
  const liveObjects = a.objects.map((o, i) => JSON.stringify(o) !== JSON.stringify(b.objects[i]));
  const liveFields = a.objects.map((o, i) => Object.keys(o).filter((f) =>
    JSON.stringify((o as Record<string, unknown>)[f]) !== JSON.stringify((b.objects[i] as Record<string, unknown>)[f])));
  const liveSteps = new Set((a.steps ?? []).filter((s, i) => JSON.stringify(s) !== JSON.stringify(b.steps?.[i])).map((s) => s.id));
  return { ...a, liveObjects, liveFields, liveSteps, deferred, passwordDeferred, base, planned: { args: plannedArgs, cluster: a.cluster } };
}

/** The resolved arguments (plain; the password and opaque secrets as stand-ins) and the cluster they validate to. */
export interface ResolvedArgs {
  args: Vk8sClusterArgs;
  cluster: ResolvedCluster;
}

/** Substitutes the resolved values and validates: throws `Vk8sValidationError` naming the fields. */
export function resolveDeferred(name: string, prepared: PreparedCluster, values: unknown[]): ResolvedArgs {
  const args = withResolved(prepared.base, prepared.deferred, values);
  return { args, cluster: resolveOrThrow(name, args) };
}

/**
 * The host objects and steps rendered from the resolved values and the SSH public key.
 * What was planned as independent of them must come out the same: a deferred value that
 * changes it (a node image whose tag picks another Kubernetes version) is refused.
 */
export function livePlan(name: string, prepared: PreparedCluster, resolved: ResolvedArgs, publicKey: string): { objects: K8sObject[]; steps: Record<string, BootstrapStep> } {
  const plan = planOf(name, resolved.args, publicKey);
  const changed = prepared.objects.flatMap((o, i) => (prepared.liveObjects[i] || JSON.stringify(o) === JSON.stringify(plan.objects[i]) ? [] : [`${o.kind} ${o.metadata.name}`]));
  (prepared.steps ?? []).forEach((s, i) => {
    if (!prepared.liveSteps.has(s.id) && JSON.stringify(s) !== JSON.stringify(plan.steps?.[i])) changed.push(`bootstrap step ${s.id}`);
  });
  if (changed.length > 0 || plan.objects.length !== prepared.objects.length) {
    const fields = prepared.deferred.map((d) => formatPath(d.path)).join(", ");
    throw new Vk8sValidationError(resolved.cluster.name, [{
      path: fields,
      message: `resolved to values that change what was planned when the program ran (${changed.join(", ") || "the objects"})`,
      fix: "pass these fields as plain values, or set kubernetes.version to the version the node image tags give",
    }]);
  }
  return { objects: plan.objects, steps: Object.fromEntries((plan.steps ?? []).map((s) => [s.id, s])) };
}

/**
 * A validation outcome kept as data. Only the namespace gate and the component's outputs
 * turn a refusal into an error (`unwrap`); the host objects' inputs fall back to the planned
 * values, so a refused value fails the namespace's registration and the rest fail waiting
 * for it, with one error object (the Pulumi runtime reports each object once).
 */
export type Checked<T> = { ok: true; value: T } | { ok: false; clusterName: string; problems: Problem[]; refusal: number };

/** The error of each refusal, by its number: Outputs copy the outcome object, the number stays. */
const refusals = new Map<number, Vk8sValidationError>();
let nextRefusal = 0;

/** Runs `f`, keeping a `Vk8sValidationError` as data; other errors are thrown. */
export function attempt<T>(f: () => T): Checked<T> {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof Vk8sValidationError) return { ok: false, clusterName: e.clusterName, problems: e.problems, refusal: nextRefusal++ };
    throw e;
  }
}

/**
 * The value, or the `Vk8sValidationError` of the problems: one error object per refusal,
 * so that the Pulumi runtime, which reports each error object once, reports it once.
 */
export function unwrap<T>(checked: Checked<T>): T {
  if (checked.ok) return checked.value;
  const error = refusals.get(checked.refusal) ?? new Vk8sValidationError(checked.clusterName, checked.problems);
  refusals.set(checked.refusal, error);
  throw error;
}

/** Validates the cluster with the real password; returns `namespace` or throws. */
export function checkDeferredPassword(name: string, args: Vk8sClusterArgs, password: string, namespace: string): string {
  resolveOrThrow(name, { ...args, kubeflow: { ...args.kubeflow, password } });
  return namespace;
}

function planOf(name: string, args: Vk8sClusterArgs, sshPublicKey: string): Plan {
  const cluster = resolveOrThrow(name, args);
  const ssh = args.ssh ?? {};
  const renderOptions: HostRenderOptions = {
    ...args.hostRender,
    sshNodePort: (ssh.nodePort ?? args.hostRender?.sshNodePort) as number | undefined,
    apiServerNodePort: (args.apiServerNodePort ?? args.hostRender?.apiServerNodePort) as number | undefined,
  };
  const objects = renderHostObjects(cluster, { ...renderOptions, sshPublicKey });
  if (args.bootstrap === false) return { cluster, renderOptions, objects };
  return { cluster, renderOptions, objects, steps: planBootstrap(cluster, bootstrapOptionsOf(args)) };
}

/** The bootstrap options as planned: an exposed API server's certificate also names hostAddress. */
function bootstrapOptionsOf(args: Vk8sClusterArgs): Partial<BootstrapOptions> {
  const bootstrap = args.bootstrap || {};
  if (args.apiServerNodePort === undefined) return bootstrap;
  const hostAddress = (args.hostAddress ?? "127.0.0.1") as string;
  return { ...bootstrap, apiServerExtraSans: [...new Set([...(bootstrap.apiServerExtraSans ?? []), hostAddress])] };
}

function problemsOf(name: string, args: Vk8sClusterArgs): Problem[] {
  try {
    resolveOrThrow(name, args);
    return [];
  } catch (e) {
    if (e instanceof Vk8sValidationError) return e.problems;
    throw e;
  }
}

/** Validates plain arguments (`validateCluster`, then `checkClusterArgs`); throws every problem at once. */
export function resolveOrThrow(name: string, args: Vk8sClusterArgs): ResolvedCluster {
  const { clusterName, hostAddress, apiServerNodePort, ssh, bootstrap, awaitVNodes: _w, hostRender, kubeflow, ...spec } = args;
  const password = typeof kubeflow?.password === "string" ? kubeflow.password : DEFERRED_PASSWORD;
  const clusterNameOf = clusterName ?? name;
  const result = validateCluster(clusterNameOf, { ...spec, kubeflow: kubeflow === undefined ? undefined : { ...kubeflow, password } });
  if (!result.ok) throw new Vk8sValidationError(clusterNameOf, result.problems);
  const problems = checkClusterArgs(result.cluster, {
    hostAddress,
    apiServerNodePort,
    ssh,
    hostRender,
    bootstrap: bootstrap === false ? false : bootstrapOptionsOf(args),
  });
  if (problems.length > 0) throw new Vk8sValidationError(clusterNameOf, problems);
  return result.cluster;
}

/** `args` with a deferred password and the opaque secrets replaced by plain stand-ins (never rendered). */
function plainSecrets(args: Vk8sClusterArgs): Vk8sClusterArgs {
  const kubeflow = args.kubeflow && isDeferred(args.kubeflow.password)
    ? { ...args.kubeflow, password: DEFERRED_PASSWORD }
    : args.kubeflow;
  const ssh = args.ssh && typeof args.ssh === "object"
    ? {
      ...args.ssh,
      ...(args.ssh.privateKey !== undefined ? { privateKey: OPAQUE_STAND_IN } : {}),
      ...(args.ssh.hostKey !== undefined ? { hostKey: OPAQUE_STAND_IN } : {}),
    }
    : args.ssh;
  return { ...args, kubeflow, ...(ssh === undefined ? {} : { ssh }) };
}

function sameStepGraph(a?: BootstrapStep[], b?: BootstrapStep[]): boolean {
  const shape = (steps?: BootstrapStep[]) => JSON.stringify((steps ?? []).map((s) => [s.id, s.node, s.dependsOn, s.secretOutput, s.stdin, s.deleteScript !== undefined]));
  return shape(a) === shape(b);
}
