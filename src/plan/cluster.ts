/**
 * `planCluster`: everything `Vk8sCluster` computes before it registers anything, as data.
 * Plain values are validated now; deferred ones (Pulumi Outputs, promises: the caller says
 * which with `isDeferred`) stand in as set A for the validation and the plan, and a second
 * plan with set B shows which host objects, fields and bootstrap steps depend on them or on
 * the SSH public key (src/cluster/deferred.ts). Those are rendered again from the resolved
 * values by `livePlan`, which validates them first. Pure: no Pulumi import.
 */
import { validateCluster } from "../cluster/validate";
import { formatPath, Vk8sValidationError, type Problem } from "../core/errors";
import type { ResolvedCluster } from "../cluster/resolved";
import { COMPONENT_DEFAULTS } from "../cluster/defaults";
import { hostRenderWarnings, renderHostObjects } from "../render/host";
import type { HostRenderOptions, K8sObject } from "../render/types";
import { kubeflowSizeWarnings } from "../cluster/rules/kubeflowSize";
import { planBootstrap } from "../bootstrap/plan";
import type { BootstrapOptions, BootstrapStep } from "../bootstrap/types";
import { checkClusterArgs, type ClusterArgsInput } from "./clusterArgs";
import { DEFERRED_PASSWORD, deferredProblems, findDeferred, standInArgs, withoutDeferredImages, withResolved, type DeferredValue } from "../cluster/deferred";
import { clusterOutputs, type ClusterOutputsPlan } from "./outputs";

/**
 * The arguments of `Vk8sCluster` as plain data: the cluster spec (read by `validateCluster`)
 * plus how to reach the cluster. A field may hold a deferred value wherever
 * src/cluster/deferred.ts allows one (`unknown` here); components/vk8sClusterArgs.ts has the
 * typed form and the docs of each field.
 */
export interface ClusterPlanArgs {
  clusterName?: string;
  hostAddress?: unknown;
  apiServerNodePort?: unknown;
  /** The fields `checkClusterArgs` checks (`ClusterArgsInput["ssh"]`), the endpoints and dial settings as planned. */
  ssh?: NonNullable<ClusterArgsInput["ssh"]> & {
    nodeEndpoints?: Record<string, { host: unknown; port: unknown }>;
    perDialTimeout?: number;
    dialErrorLimit?: number;
  };
  bootstrap?: Partial<BootstrapOptions> | false;
  awaitVNodes?: boolean;
  hostRender?: Partial<Omit<HostRenderOptions, "sshPublicKey">>;
  kubeflow?: { password?: unknown };
}

/** How the caller's values are told apart. */
export interface PlanOptions {
  /** Whether a value is not known yet (for Pulumi: an Output or a promise). @default nothing is deferred */
  isDeferred?: (value: unknown) => boolean;
}

/** The resolved arguments (plain; the password and opaque secrets as stand-ins) and the cluster they validate to. */
export interface ResolvedArgs<A extends ClusterPlanArgs = ClusterPlanArgs> {
  args: A;
  cluster: ResolvedCluster;
}

/** Probe keys: objects that differ between the two renders depend on the SSH public key. */
export const PROBE_KEYS = ["ssh-ed25519 A probe-a", "ssh-ed25519 B probe-b"] as const;
/** Stands in for the opaque secrets (private key, host key) where only their presence is read. */
const OPAQUE_STAND_IN = "vk8s-opaque-secret";

/** The plan of one cluster: what `Vk8sCluster` registers and how it wires its outputs. */
export interface ClusterPlan<A extends ClusterPlanArgs = ClusterPlanArgs> {
  /** The validated cluster; fields that came from deferred values hold stand-in A (registry.invalid, 192.0.2.x). */
  cluster: ResolvedCluster;
  renderOptions: HostRenderOptions;
  /** The host objects as planned (stand-ins A, probe key A); `livePlan(...).objects[i]` replaces `objects[i]` when `liveObjects[i]`. */
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
  base: A;
  /** The arguments with stand-ins A, as validated: what readers see while a refused value stops the namespace. */
  planned: ResolvedArgs<A>;
  /** The outputs, SSH routes and live reads as data (src/plan/outputs.ts). */
  outputs: ClusterOutputsPlan;
  /**
   * What the namespace's name waits for before it is released (every other host object lives
   * in the namespace): `resolved`, the deferred values validated again; `live`, their live
   * render (which needs the SSH key, unknown at a first preview: only when a value other than
   * the password is deferred, so a password alone leaves the namespace known at preview, where
   * policies judge it); `password`, the deferred password's check. None: released at once.
   */
  namespaceGate: { resolved: boolean; live: boolean; password: boolean };
  /** Warnings known now, in order (Kubeflow sizing unless a value is deferred, then the host render's); see `lateWarnings`. */
  warnings: string[];
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
 * problem at once as `Vk8sValidationError`, deferred values in fields that must be known
 * among them), then the host objects, the bootstrap plan, what depends on deferred values
 * and the outputs, all before anything is registered. `Vk8sPlatform` runs it for every user
 * before registering any.
 */
export function planCluster<A extends ClusterPlanArgs>(name: string, args: A, options: PlanOptions = {}): ClusterPlan<A> {
  const isDeferred = options.isDeferred ?? (() => false);
  const all = findDeferred(args, isDeferred);
  const passwordDeferred = all.some((d) => d.path.join(".") === "kubeflow.password");
  const deferred = all.filter((d) => d.path.join(".") !== "kubeflow.password");
  const base = plainSecrets(args, isDeferred);
  const graph = deferredProblems(deferred);
  const a0 = standInArgs(base, deferred, 0);
  if (graph.length > 0) {
    // Report the rest too, leaving out what the deferred values in graph fields themselves cause.
    const rest = problemsOf(name, a0).filter((p) => !graph.some((g) => p.path === g.path || p.path.startsWith(`${g.path}.`) || p.path.startsWith(`${g.path}[`)));
    throw new Vk8sValidationError({ kind: "virtual cluster", name: args.clusterName ?? name }, [...graph, ...rest]);
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
  return {
    ...a,
    liveObjects,
    liveFields,
    liveSteps,
    deferred,
    passwordDeferred,
    base,
    planned: { args: plannedArgs, cluster: a.cluster },
    outputs: clusterOutputs(a.cluster, a.objects, a.steps, args, a.renderOptions),
    namespaceGate: { resolved: passwordDeferred || deferred.length > 0, live: deferred.length > 0, password: passwordDeferred },
    warnings: [...(deferred.length === 0 ? kubeflowSizeWarnings(a.cluster) : []), ...hostRenderWarnings(a.renderOptions)],
  };
}

/** Warnings of the resolved values when some were deferred (Kubeflow sizing), else none: they are among `warnings`. */
export function lateWarnings(plan: ClusterPlan, resolved: ResolvedArgs): string[] {
  return plan.deferred.length > 0 ? kubeflowSizeWarnings(resolved.cluster) : [];
}

/** Substitutes the resolved values and validates: throws `Vk8sValidationError` naming the fields. */
export function resolveDeferred<A extends ClusterPlanArgs>(name: string, plan: ClusterPlan<A>, values: unknown[]): ResolvedArgs<A> {
  const args = withResolved(plan.base, plan.deferred, values);
  return { args, cluster: resolveOrThrow(name, args) };
}

/** The host objects and bootstrap steps (by id) of a live render. */
export interface LivePlan {
  objects: K8sObject[];
  steps: Record<string, BootstrapStep>;
}

/**
 * The host objects and steps rendered from the resolved values and the SSH public key.
 * What was planned as independent of them must come out the same: a deferred value that
 * changes it (a node image whose tag picks another Kubernetes version) is refused.
 */
export function livePlan(name: string, plan: ClusterPlan, resolved: ResolvedArgs, publicKey: string): LivePlan {
  const live = planOf(name, resolved.args, publicKey);
  const changed = plan.objects.flatMap((o, i) => (plan.liveObjects[i] || JSON.stringify(o) === JSON.stringify(live.objects[i]) ? [] : [`${o.kind} ${o.metadata.name}`]));
  (plan.steps ?? []).forEach((s, i) => {
    if (!plan.liveSteps.has(s.id) && JSON.stringify(s) !== JSON.stringify(live.steps?.[i])) changed.push(`bootstrap step ${s.id}`);
  });
  if (changed.length > 0 || live.objects.length !== plan.objects.length) {
    const fields = plan.deferred.map((d) => formatPath(d.path)).join(", ");
    throw new Vk8sValidationError({ kind: "virtual cluster", name: resolved.cluster.name }, [{
      path: fields,
      message: `resolved to values that change what was planned when the program ran (${changed.join(", ") || "the objects"})`,
      fix: "pass these fields as plain values, or set kubernetes.version to the version the node image tags give",
    }]);
  }
  return stepsById(live);
}

/** The planned objects and steps in the shape of a live render: what readers see while a value is refused. */
export function plannedLive(plan: ClusterPlan): LivePlan {
  return stepsById(plan);
}

/** Validates the cluster with the real password; returns `namespace` or throws `Vk8sValidationError`. */
export function checkDeferredPassword(name: string, args: ClusterPlanArgs, password: string, namespace: string): string {
  resolveOrThrow(name, { ...args, kubeflow: { ...args.kubeflow, password } });
  return namespace;
}

/** Validates plain arguments (`validateCluster`, then `checkClusterArgs`); throws every problem at once. */
export function resolveOrThrow(name: string, args: ClusterPlanArgs): ResolvedCluster {
  const { clusterName, hostAddress, apiServerNodePort, ssh, bootstrap, awaitVNodes: _w, hostRender, kubeflow, ...spec } = args;
  const password = typeof kubeflow?.password === "string" ? kubeflow.password : DEFERRED_PASSWORD;
  const clusterNameOf = clusterName ?? name;
  const result = validateCluster(clusterNameOf, { ...spec, kubeflow: kubeflow === undefined ? undefined : { ...kubeflow, password } });
  if (!result.ok) throw new Vk8sValidationError({ kind: "virtual cluster", name: clusterNameOf }, result.problems);
  const problems = checkClusterArgs(result.cluster, {
    hostAddress,
    apiServerNodePort,
    ssh,
    hostRender,
    bootstrap: bootstrap === false ? false : bootstrapOptionsOf(args),
  });
  if (problems.length > 0) throw new Vk8sValidationError({ kind: "virtual cluster", name: clusterNameOf }, problems);
  return result.cluster;
}

function stepsById(plan: { objects: K8sObject[]; steps?: BootstrapStep[] }): LivePlan {
  return { objects: plan.objects, steps: Object.fromEntries((plan.steps ?? []).map((s) => [s.id, s])) };
}

function planOf(name: string, args: ClusterPlanArgs, sshPublicKey: string): Plan {
  const cluster = resolveOrThrow(name, args);
  const renderOptions = hostRenderOptionsOf(args);
  const objects = renderHostObjects(cluster, { ...renderOptions, sshPublicKey });
  if (args.bootstrap === false) return { cluster, renderOptions, objects };
  return { cluster, renderOptions, objects, steps: planBootstrap(cluster, bootstrapOptionsOf(args)) };
}

/** The host render options: `ssh.nodePort` and `apiServerNodePort` win over the same fields of `hostRender`. */
function hostRenderOptionsOf(args: ClusterPlanArgs): HostRenderOptions {
  return {
    ...args.hostRender,
    sshNodePort: (args.ssh?.nodePort ?? args.hostRender?.sshNodePort) as number | undefined,
    apiServerNodePort: (args.apiServerNodePort ?? args.hostRender?.apiServerNodePort) as number | undefined,
  };
}

/** The bootstrap options as planned: an exposed API server's certificate also names hostAddress. */
function bootstrapOptionsOf(args: ClusterPlanArgs): Partial<BootstrapOptions> {
  const bootstrap = args.bootstrap || {};
  if (args.apiServerNodePort === undefined) return bootstrap;
  const hostAddress = (args.hostAddress ?? COMPONENT_DEFAULTS.hostAddress) as string;
  return { ...bootstrap, apiServerExtraSans: [...new Set([...(bootstrap.apiServerExtraSans ?? []), hostAddress])] };
}

function problemsOf(name: string, args: ClusterPlanArgs): Problem[] {
  try {
    resolveOrThrow(name, args);
    return [];
  } catch (e) {
    if (e instanceof Vk8sValidationError) return e.problems;
    throw e;
  }
}

/** `args` with a deferred password and the opaque secrets replaced by plain stand-ins (never rendered). */
function plainSecrets<A extends ClusterPlanArgs>(args: A, isDeferred: (value: unknown) => boolean): A {
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
