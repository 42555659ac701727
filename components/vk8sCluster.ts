/**
 * `Vk8sCluster`: one user's virtual Kubernetes cluster with Kubeflow, inside the host
 * cluster. A thin shell: validation, the host objects, the bootstrap plan, what depends on
 * values known late and the outputs are computed by `planCluster` (src/plan); this class
 * registers what it returns and wires the outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { ClusterSpecInput } from "../src/cluster/schema";
import type { ResolvedCluster } from "../src/cluster/resolved";
import type { K8sObject } from "../src/render/types";
import { DexPasswordSalt } from "./dexPasswordSalt";
import { hashDexPassword } from "../src/bootstrap/password";
import { readInstallHistory, type InstallHistory } from "../src/status/phases";
import { clusterArgsOfDocuments } from "../src/manifest";
import { checkDeferredPassword, lateWarnings, livePlan, planCluster, plannedLive, resolveDeferred, type ClusterPlan, type LivePlan, type ResolvedArgs } from "../src/plan/cluster";
import { attempt, unwrap, type Checked } from "../src/plan/checked";
import {
  adminKubeconfig, apiServerEndpoint, directEndpoint, hostAddressOf, kubeflowUrl,
  sshDial, sshEndpoint, sshUser, stateTrigger, type NodeInfo,
} from "../src/plan/outputs";
import type { BootstrapStep } from "../src/bootstrap/types";
import { isDeferred } from "./deferred";
import { registerObjects } from "./registerObjects";
import { createBootstrapCommands, type NodeSsh } from "./bootstrapCommands";
import { SshKeyPair } from "./sshKeyPair";
import type { Vk8sClusterArgs } from "./vk8sClusterArgs";
import { clusterHealthOutput, readVNodes } from "./liveState";
import type { ClusterHealth } from "../src/status/health";

export type { Vk8sClusterArgs, Vk8sNodeArgs, Vk8sPortArgs, Vk8sSshArgs, InputMap } from "./vk8sClusterArgs";

/** What `Vk8sCluster` computes before it registers anything (`planCluster` with Pulumi's deferred values). */
export type PreparedCluster = ClusterPlan<Vk8sClusterArgs>;

/**
 * The one validation and plan of `Vk8sCluster`'s arguments (`planCluster`), Outputs and
 * promises deferred; throws `Vk8sValidationError` with every problem. `Vk8sPlatform` runs it
 * for every user before registering any.
 */
export function prepareCluster(name: string, args: Vk8sClusterArgs): PreparedCluster {
  return planCluster(name, args, { isDeferred });
}

/** One vNode as reported in outputs. */
export type Vk8sNodeInfo = NodeInfo;

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
    const { cluster, steps, outputs } = prepared;
    super("vk8s:index:Vk8sCluster", name, {}, opts);
    this.cluster = cluster;
    // Outputs resolved and validated again (before the namespace, see `namespaceGate`).
    // Readers never fail: a refused value fails the namespace gate only, and every other
    // object waits for the namespace, so one error is reported and nothing else is sent.
    const checkedResolved: pulumi.Output<Checked<ResolvedArgs<Vk8sClusterArgs>>> = pulumi.all(prepared.deferred.map((d) => d.value as pulumi.Input<unknown>))
      .apply((values) => attempt(() => resolveDeferred(name, prepared, values)));
    const resolved = <R>(read: (r: ResolvedArgs<Vk8sClusterArgs>) => R): pulumi.Output<R> => checkedResolved.apply((c) => read(c.ok ? c.value : prepared.planned)) as pulumi.Output<R>;
    // The component's own outputs fail with the refusal (the same error object as the gate's).
    const strict = <R>(read: (r: ResolvedArgs<Vk8sClusterArgs>) => R): pulumi.Output<R> => checkedResolved.apply((c) => read(unwrap(c))) as pulumi.Output<R>;
    for (const warning of prepared.warnings) pulumi.log.warn(warning, this);
    if (prepared.deferred.length > 0) checkedResolved.apply((c) => c.ok && lateWarnings(prepared, c.value).forEach((w) => pulumi.log.warn(w, this)));
    const password = pulumi.secret(args.kubeflow.password);

    const ssh = args.ssh ?? {};
    const key = ssh.privateKey === undefined ? new SshKeyPair(`${name}-ssh-key`, { parent: this }) : undefined;
    const publicKey = key ? key.publicKeyOpenssh : pulumi.output(ssh.publicKey!);
    const privateKey = key ? key.privateKeyPem : pulumi.secret(ssh.privateKey!);
    const checkedLive = pulumi.all([checkedResolved, publicKey]).apply(([r, k]) => (r.ok ? attempt(() => livePlan(name, prepared, r.value, k)) : r));
    const planned = plannedLive(prepared);
    const live = <R>(read: (l: LivePlan) => R): pulumi.Output<R> => checkedLive.apply((c) => read(c.ok ? c.value : planned)) as pulumi.Output<R>;
    const namespaceName = namespaceGate(name, prepared, checkedResolved, checkedLive, password);

    const resources = registerObjects(name, prepared.objects, {
      parent: this,
      skipAwaitKinds: outputs.skipAwaitKinds,
      // The fields that depend on deferred values or the SSH key come from the live render.
      bodyOf: (rendered, i) => (prepared.liveObjects[i]
        ? liveBody(rendered, prepared.liveFields[i], (field) => live((l) => (l.objects[i] as unknown as Record<string, unknown>)[field]))
        : rendered as unknown as Record<string, unknown>),
      // The namespace waits for the deferred values' check: all else lives in it.
      namespaceName,
    });

    const sshService = resources.get(outputs.sshService) as k8s.core.v1.Service | undefined;
    const sshNodePort = sshService
      ? sshService.spec.ports.apply((ports) => ports[0]?.nodePort ?? 0)
      : pulumi.output(0);
    this.sshEndpoint = pulumi.all([strict((r) => r.args), sshNodePort]).apply(([a, port]) => sshEndpoint(a, port));
    this.kubeflowUrl = strict(kubeflowUrl);
    this.apiServerEndpoint = strict(apiServerEndpoint);
    this.nodes = pulumi.output(outputs.nodes);
    this.kubernetesVersion = pulumi.output(cluster.matrix.kubernetesVersion);
    this.kubeflowVersion = pulumi.output(cluster.kubeflow.version);
    this.namespace = pulumi.output(cluster.namespace);

    // Live reads need the vNode pods to exist: only when `pulumi up` waits for them.
    const statefulSets = Object.fromEntries(cluster.nodes.flatMap((n) => {
      const sts = resources.get(outputs.statefulSets[n.name]);
      return sts && outputs.readsVNodes ? [[n.name, sts]] : [];
    }));
    const vNodeReads = readVNodes(name, cluster, outputs.nodeStates, statefulSets, namespaceName, this);

    if (steps === undefined) {
      this.kubeconfig = pulumi.secret("");
      this.phases = pulumi.output(readInstallHistory([]));
    } else {
      const nodes: Record<string, NodeSsh> = {};
      const nodeDependencies: Record<string, pulumi.Resource[]> = {};
      for (const route of Object.values(outputs.routes)) {
        if (route.route === "direct") {
          const endpoint = resolved((r) => directEndpoint(r.args, route.node));
          nodes[route.node] = { host: endpoint.host, port: endpoint.port };
        } else {
          // Admins log in to the access pod as its jump-host user, then to vNodes as `user`.
          nodes[route.node] = { host: route.host, port: route.port, proxy: { host: resolved((r) => hostAddressOf(r.args)), port: sshNodePort, user: route.jumpUser } };
        }
        nodeDependencies[route.node] = route.waitsFor.map((k) => resources.get(k) as pulumi.Resource);
      }
      // A node whose state is new (a new claim, or a new pod of an emptyDir vNode) runs the
      // steps that live in that state again: the live uid of each state is a trigger.
      const stateTriggers = Object.fromEntries(steps.map((step) => [step.id,
        step.stateOf.flatMap((n) => vNodeReads.stateIds[n] ? [vNodeReads.stateIds[n].apply((uid) => stateTrigger(n, uid))] : [])]));
      const commands = createBootstrapCommands(name, {
        steps,
        liveSteps: prepared.liveSteps.size > 0 ? { ids: prepared.liveSteps, step: (id: string) => live((l): BootstrapStep => l.steps[id]) } : undefined,
        stateTriggers,
        nodes,
        user: resolved((r) => sshUser(r.args)),
        privateKey,
        hostKey: ssh.hostKey,
        ...sshDial(args),
        stdinSecrets: {
          // bcrypt with the salt kept in state by DexPasswordSalt: stable across runs.
          dexPasswordHash: pulumi.secret(pulumi.all([password, new DexPasswordSalt(`${name}-dex-salt`, { namespace: namespaceName }, { parent: this }).salt])
            .apply(([p, salt]) => hashDexPassword(p, salt))),
        },
        nodeDependencies,
      }, this);
      this.kubeconfig = outputs.kubeconfigStep
        ? pulumi.secret(pulumi.all([commands[outputs.kubeconfigStep].stdout, strict((r) => r.args)]).apply(([s, a]) => adminKubeconfig(s, a)))
        : pulumi.secret("");
      this.phases = pulumi.all(outputs.historySteps.map((id) => commands[id].stdout)).apply((outs) => readInstallHistory(outs));
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
   * groups), one component per document, named by `metadata.name` (`clusterArgsOfDocuments`,
   * src/manifest.ts). The password of the document is wrapped as a secret here.
   */
  static fromManifest(
    yamlText: string,
    extra: Partial<Omit<Vk8sClusterArgs, keyof ClusterSpecInput>> = {},
    opts?: pulumi.ComponentResourceOptions,
  ): Vk8sCluster[] {
    return clusterArgsOfDocuments(yamlText, extra).map(({ name, args }) =>
      new Vk8sCluster(name, { ...args, kubeflow: { ...args.kubeflow, password: pulumi.secret(args.kubeflow.password) } }, opts));
  }
}

/**
 * The namespace name, released only once what `prepared.namespaceGate` names has passed:
 * every value that was not known at construction (Outputs of other resources, a secret
 * password) validated again and re-rendered without changing the plan. Every other host
 * object lives in the namespace, so a bad value stops the cluster before anything is created.
 */
function namespaceGate(
  name: string,
  prepared: PreparedCluster,
  resolved: pulumi.Output<Checked<ResolvedArgs>>,
  live: pulumi.Output<Checked<unknown>>,
  password: pulumi.Output<string>,
): pulumi.Output<string> {
  const namespace = prepared.cluster.namespace;
  const gate = prepared.namespaceGate;
  if (!gate.resolved) return pulumi.output(namespace);
  const checkedPassword = gate.password ? password : pulumi.output("");
  const checkedLive = gate.live ? live : pulumi.output<Checked<unknown>>({ ok: true, value: undefined });
  // The name is not secret, only released by secrets: unsecret it so previews show the namespace.
  return pulumi.unsecret(pulumi.all([resolved, checkedLive, checkedPassword]).apply(([r, l, p]) => {
    const { args } = unwrap(r);
    unwrap(l);
    return gate.password ? checkDeferredPassword(name, args, p, namespace) : namespace;
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
