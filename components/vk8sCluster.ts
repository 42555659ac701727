/**
 * `Vk8sCluster`: one user's virtual Kubernetes cluster with Kubeflow, inside the host
 * cluster. A thin shell: validation, the host objects and the bootstrap plan are pure
 * functions in `src/`; this class only registers what they return.
 */
import * as pulumi from "@pulumi/pulumi";
import { kubeflowSizeWarnings } from "../src/cluster/rules/kubeflowSize";
import type { ClusterSpecInput } from "../src/cluster/schema";
import type { ResolvedCluster } from "../src/cluster/resolved";
import { hostRenderWarnings, type K8sObject } from "../src/render/host";
import { ACCESS_SSH_USER } from "../src/render/access";
import { accessName, sshServiceName } from "../src/render/names";
import { VNODE_SSH_PORT } from "../src/render/vnode";
import { rewriteKubeconfigServer } from "../src/kubeconfig/rewrite";
import { hashDexPassword } from "../src/bootstrap/password";
import { DexPasswordSalt } from "./dexPasswordSalt";
import { readInstallHistory, type InstallHistory } from "../src/status/phases";
import { parseVk8sDocuments } from "../src/manifest";
import { createK8sResource, objectResourceName } from "./k8sResources";
import { createBootstrapCommands, type NodeSsh } from "./bootstrapCommands";
import { SshKeyPair } from "./sshKeyPair";
import { attempt, checkDeferredPassword, livePlan, prepareCluster, resolveDeferred, unwrap, type Checked, type PreparedCluster, type ResolvedArgs } from "./clusterPlan";
import type { BootstrapStep } from "../src/bootstrap/types";
import type { Vk8sClusterArgs } from "./vk8sClusterArgs";

export type { Vk8sClusterArgs, Vk8sNodeArgs, Vk8sPortArgs, Vk8sSshArgs, InputMap } from "./vk8sClusterArgs";
export { checkDeferredPassword, prepareCluster, type PreparedCluster } from "./clusterPlan";
import { clusterHealthOutput, readVNodes } from "./liveState";
import type { ClusterHealth } from "../src/status/health";

/** Kinds whose readiness `pulumi up` waits for unless `awaitVNodes` is false. */
const AWAITED_KINDS = new Set(["StatefulSet", "Deployment", "PersistentVolumeClaim"]);

/** One vNode as reported in outputs. */
export interface Vk8sNodeInfo {
  name: string;
  role: "master" | "worker";
  gpus: number;
  statefulSet: string;
  pod: string;
}

export class Vk8sCluster extends pulumi.ComponentResource {
  /** `http://<hostAddress>:<kubeflow NodePort>`; empty when no port is exposed. */
  public readonly kubeflowUrl: pulumi.Output<string>;
  /** `ssh://vk8s@<hostAddress>:<ssh NodePort>`: the access pod, the jump host to every vNode. */
  public readonly sshEndpoint: pulumi.Output<string>;
  /** The virtual cluster's API server as reachable from the host (NodePort) or in-cluster. */
  public readonly apiServerEndpoint: pulumi.Output<string>;
  public readonly nodes: pulumi.Output<Vk8sNodeInfo[]>;
  /** Full Kubernetes version of the vNodes, e.g. `1.20.15`. */
  public readonly kubernetesVersion: pulumi.Output<string>;
  public readonly kubeflowVersion: pulumi.Output<string>;
  /** Host namespace holding the cluster. */
  public readonly namespace: pulumi.Output<string>;
  /** Admin kubeconfig of the virtual cluster (secret); empty when bootstrap is off. */
  public readonly kubeconfig: pulumi.Output<string>;
  /** Install history: phases with timestamps and per-vNode Kubernetes status (read once, from the bootstrap). */
  public readonly phases: pulumi.Output<InstallHistory>;
  /**
   * What is true now, read live on every preview and `up` (`refresh --run-program` too): the
   * vNode pods' phase and readiness from the host, the virtual cluster's nodes and their Ready
   * condition through its kubeconfig (`src/status/health.ts`). Without `awaitVNodes` the pods
   * are not read. The virtual cluster is read from where `pulumi` runs: expose its API server
   * (`apiServerNodePort`) or health says `Unreachable`.
   */
  public readonly health: pulumi.Output<ClusterHealth>;
  /**
   * The validated spec this component was planned from. Fields given as Outputs hold their
   * stand-ins here (addresses 192.0.2.x, images under registry.invalid); the objects are
   * registered with the resolved values.
   */
  public readonly cluster: ResolvedCluster;

  constructor(name: string, args: Vk8sClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate and plan before registering anything: invalid input creates nothing.
    const prepared = prepareCluster(name, args);
    const { cluster, steps } = prepared;
    super("vk8s:index:Vk8sCluster", name, {}, opts);
    this.cluster = cluster;
    // Outputs resolved and validated again (before the namespace, see `namespaceGate`).
    // Readers never fail: a refused value fails the namespace gate only, and every other
    // object waits for the namespace, so one error is reported and nothing else is sent.
    const checkedResolved: pulumi.Output<Checked<ResolvedArgs>> = pulumi.all(prepared.deferred.map((d) => d.value as pulumi.Input<unknown>))
      .apply((values) => attempt(() => resolveDeferred(name, prepared, values)));
    const resolved = <R>(read: (r: ResolvedArgs) => R): pulumi.Output<R> => checkedResolved.apply((c) => read(c.ok ? c.value : prepared.planned)) as pulumi.Output<R>;
    // The component's own outputs fail with the refusal (the same error object as the gate's).
    const strict = <R>(read: (r: ResolvedArgs) => R): pulumi.Output<R> => checkedResolved.apply((c) => read(unwrap(c))) as pulumi.Output<R>;
    if (prepared.deferred.length === 0) for (const warning of kubeflowSizeWarnings(cluster)) pulumi.log.warn(warning, this);
    else checkedResolved.apply((c) => c.ok && kubeflowSizeWarnings(c.value.cluster).forEach((w) => pulumi.log.warn(w, this)));
    for (const warning of hostRenderWarnings(prepared.renderOptions)) pulumi.log.warn(warning, this);
    const password = pulumi.secret(args.kubeflow.password);

    const ssh = args.ssh ?? {};
    const key = ssh.privateKey === undefined ? new SshKeyPair(`${name}-ssh-key`, { parent: this }) : undefined;
    const publicKey = key ? key.publicKeyOpenssh : pulumi.output(ssh.publicKey!);
    const privateKey = key ? key.privateKeyPem : pulumi.secret(ssh.privateKey!);
    const checkedLive = pulumi.all([checkedResolved, publicKey]).apply(([r, k]) => (r.ok ? attempt(() => livePlan(name, prepared, r.value, k)) : r));
    const planned = { objects: prepared.objects, steps: Object.fromEntries((steps ?? []).map((s) => [s.id, s])) };
    const live = <R>(read: (l: ReturnType<typeof livePlan>) => R): pulumi.Output<R> => checkedLive.apply((c) => read(c.ok ? c.value : planned)) as pulumi.Output<R>;
    const namespaceName = namespaceGate(name, prepared, checkedResolved, checkedLive, password);

    const resources = new Map<string, pulumi.CustomResource>();
    let namespace: pulumi.CustomResource | undefined;
    const skipAwait = args.awaitVNodes === false;
    prepared.objects.forEach((rendered, i) => {
      const awaited = skipAwait && AWAITED_KINDS.has(rendered.kind);
      const body = prepared.liveObjects[i] ? liveBody(rendered, prepared.liveFields[i], (field) => live((l) => (l.objects[i] as unknown as Record<string, unknown>)[field])) : rendered;
      const metadata = pulumi.output(body.metadata as pulumi.Input<K8sObject["metadata"]>).apply((m) => ({
        ...m,
        ...(awaited ? { annotations: { ...m.annotations, "pulumi.com/skipAwait": "true" } } : {}),
      }));
      const res = createK8sResource(objectResourceName(name, rendered), {
        ...body,
        // The namespace waits for the deferred values' check: all else lives in it.
        metadata: rendered.kind === "Namespace" ? pulumi.all([metadata, namespaceName]).apply(([m, n]) => ({ ...m, name: n })) : metadata,
      } as unknown as K8sObject, {
        parent: this,
        dependsOn: namespace ? [namespace] : [],
      });
      if (rendered.kind === "Namespace") namespace = res;
      resources.set(`${rendered.kind}/${rendered.metadata.name}`, res);
    });

    const hostAddress = () => resolved((r) => (r.args.hostAddress as string | undefined) ?? "127.0.0.1");
    const service = (svcName: string) => resources.get(`Service/${svcName}`) as import("@pulumi/kubernetes").core.v1.Service | undefined;
    const sshService = service(sshServiceName(cluster));
    const sshNodePort = sshService
      ? sshService.spec.ports.apply((ports) => ports[0]?.nodePort ?? 0)
      : pulumi.output(0);
    // Admins log in to the access pod as its jump-host user, then to vNodes as `user`.
    this.sshEndpoint = pulumi.interpolate`ssh://${ACCESS_SSH_USER}@${strict((r) => r.args.hostAddress ?? "127.0.0.1")}:${sshNodePort}`;
    this.kubeflowUrl = strict((r) => (r.cluster.kubeflowPort ? `http://${r.args.hostAddress ?? "127.0.0.1"}:${r.cluster.kubeflowPort.port}` : ""));
    const exposedApiServer = () => strict((r) => (r.args.apiServerNodePort ? `https://${r.args.hostAddress ?? "127.0.0.1"}:${r.args.apiServerNodePort}` : undefined));
    this.apiServerEndpoint = exposedApiServer().apply((e) => e ?? `https://${cluster.name}-apiserver.${cluster.namespace}.svc:6443`);
    this.nodes = pulumi.output(cluster.nodes.map((n) => ({
      name: n.name, role: n.role, gpus: n.gpus, statefulSet: n.statefulSetName, pod: n.podName,
    })));
    this.kubernetesVersion = pulumi.output(cluster.matrix.kubernetesVersion);
    this.kubeflowVersion = pulumi.output(cluster.kubeflow.version);
    this.namespace = pulumi.output(cluster.namespace);

    // Live reads need the vNode pods to exist: only when `pulumi up` waits for them.
    const statefulSets = Object.fromEntries(cluster.nodes.flatMap((n) => {
      const sts = resources.get(`StatefulSet/${n.statefulSetName}`);
      return sts && !skipAwait ? [[n.name, sts]] : [];
    }));
    const vNodeReads = readVNodes(name, cluster, prepared.renderOptions, statefulSets, namespaceName, this);

    if (steps === undefined) {
      this.kubeconfig = pulumi.secret("");
      this.phases = pulumi.output(readInstallHistory([]));
    } else {
      const accessDeps = [...resources.entries()]
        .filter(([k]) => k === `Deployment/${accessName(cluster)}` || k === `Service/${sshServiceName(cluster)}`)
        .map(([, r]) => r);
      const nodes: Record<string, NodeSsh> = {};
      const nodeDependencies: Record<string, pulumi.Resource[]> = {};
      for (const n of cluster.nodes) {
        const direct = ssh.nodeEndpoints && Object.hasOwn(ssh.nodeEndpoints, n.name)
          ? resolved((r) => r.args.ssh!.nodeEndpoints![n.name] as { host: string; port: number })
          : undefined;
        nodes[n.name] = direct
          ? { host: direct.host, port: direct.port }
          : { host: n.hostname, port: VNODE_SSH_PORT, proxy: { host: hostAddress(), port: sshNodePort, user: ACCESS_SSH_USER } };
        const sts = resources.get(`StatefulSet/${n.statefulSetName}`);
        nodeDependencies[n.name] = [...(sts ? [sts] : []), ...(direct ? [] : accessDeps)];
      }
      // A node whose state is new (a new claim, or a new pod of an emptyDir vNode) runs the
      // steps that live in that state again: the live uid of each state is a trigger.
      const stateTriggers = Object.fromEntries(steps.map((step) => [step.id,
        step.stateOf.flatMap((n) => vNodeReads.stateIds[n] ? [pulumi.interpolate`state:${n}=${vNodeReads.stateIds[n]}`] : [])]));
      const commands = createBootstrapCommands(name, {
        steps,
        liveSteps: prepared.liveSteps.size > 0 ? { ids: prepared.liveSteps, step: (id: string) => live((l): BootstrapStep => l.steps[id]) } : undefined,
        stateTriggers,
        nodes,
        user: resolved((r) => (r.args.ssh?.user as string | undefined) ?? "root"),
        privateKey,
        hostKey: ssh.hostKey,
        perDialTimeout: ssh.perDialTimeout ?? 10,
        dialErrorLimit: ssh.dialErrorLimit ?? 6,
        stdinSecrets: {
          dexPasswordHash: pulumi.secret(pulumi.all([password, new DexPasswordSalt(`${name}-dex-salt`, { namespace: namespaceName }, { parent: this }).salt])
            .apply(([p, salt]) => hashDexPassword(p, salt))),
        },
        nodeDependencies,
      }, this);
      const kubeconfigStep = steps.find((s) => s.id.endsWith("kubeconfig"));
      this.kubeconfig = kubeconfigStep
        ? pulumi.secret(pulumi.all([commands[kubeconfigStep.id].stdout, exposedApiServer()]).apply(([s, e]) => rewriteKubeconfigServer(s, e)))
        : pulumi.secret("");
      const visible = steps.filter((s) => !s.secretOutput).map((s) => commands[s.id].stdout);
      this.phases = pulumi.all(visible).apply((outs) => readInstallHistory(outs));
    }

    this.health = clusterHealthOutput(cluster, vNodeReads.pods, this.kubeconfig, this.phases);

    this.registerOutputs({
      kubeflowUrl: this.kubeflowUrl,
      sshEndpoint: this.sshEndpoint,
      apiServerEndpoint: this.apiServerEndpoint,
      nodes: this.nodes,
      kubernetesVersion: this.kubernetesVersion,
      kubeflowVersion: this.kubeflowVersion,
      namespace: this.namespace,
      kubeconfig: this.kubeconfig,
      phases: this.phases,
      health: this.health,
    });
  }

  /**
   * Clusters from the original operator's `kind: Vk8s` documents (both apiVersion
   * groups), one component per document, named by `metadata.name`. The password of
   * the document is wrapped as a secret.
   */
  static fromManifest(
    yamlText: string,
    extra: Partial<Omit<Vk8sClusterArgs, keyof ClusterSpecInput>> = {},
    opts?: pulumi.ComponentResourceOptions,
  ): Vk8sCluster[] {
    return parseVk8sDocuments(yamlText).map((doc) => {
      const spec = (doc.spec ?? {}) as ClusterSpecInput;
      const kubeflow = spec.kubeflow ?? ({} as ClusterSpecInput["kubeflow"]);
      return new Vk8sCluster(doc.name, {
        ...spec,
        ...extra,
        kubeflow: { ...kubeflow, password: pulumi.secret(kubeflow.password) },
      }, opts);
    });
  }
}

/**
 * The namespace name, released only once every value that was not known at construction
 * (Outputs of other resources, a secret password) has passed the validation again and
 * re-rendered what depends on it without changing the plan: every other host object lives
 * in the namespace, so a bad value stops the cluster before anything is created.
 */
function namespaceGate(
  name: string,
  prepared: PreparedCluster,
  resolved: pulumi.Output<Checked<ResolvedArgs>>,
  live: pulumi.Output<Checked<unknown>>,
  password: pulumi.Output<string>,
): pulumi.Output<string> {
  const namespace = prepared.cluster.namespace;
  if (!prepared.passwordDeferred && prepared.deferred.length === 0) return pulumi.output(namespace);
  const checkedPassword = prepared.passwordDeferred ? password : pulumi.output("");
  // The live render (which needs the generated SSH key, unknown at a first preview) is checked
  // only when a value other than the password is deferred: a password alone leaves the
  // namespace known at preview, so policies can judge the namespace before anything exists.
  const checkedLive = prepared.deferred.length > 0 ? live : pulumi.output<Checked<unknown>>({ ok: true, value: undefined });
  // The name is not secret, only released by secrets: unsecret it so previews show the namespace.
  return pulumi.unsecret(pulumi.all([resolved, checkedLive, checkedPassword]).apply(([r, l, p]) => {
    const { args } = unwrap(r);
    unwrap(l);
    return prepared.passwordDeferred ? checkDeferredPassword(name, args, p, namespace) : namespace;
  }));
}

/** A host object whose `fields` (those that depend on deferred values or the SSH key) come from the live render; the others stay as planned. */
function liveBody(planned: K8sObject, fields: string[], live: (field: string) => pulumi.Output<unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = { ...planned };
  for (const field of fields) {
    if (field !== "apiVersion" && field !== "kind") body[field] = live(field);
  }
  return body;
}
