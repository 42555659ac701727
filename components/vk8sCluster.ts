/**
 * `Vk8sCluster`: one user's virtual Kubernetes cluster with Kubeflow, inside the host
 * cluster. A thin shell: validation, the host objects and the bootstrap plan are pure
 * functions in `src/`; this class only registers what they return.
 */
import * as pulumi from "@pulumi/pulumi";
import { validateCluster } from "../src/spec/validate";
import { kubeflowSizeWarnings } from "../src/spec/rules/kubeflowSize";
import { Vk8sValidationError } from "../src/spec/errors";
import type { ClusterSpecInput } from "../src/spec/schema";
import type { ResolvedCluster } from "../src/spec/resolved";
import { renderHostObjects, type HostRenderOptions, type K8sObject } from "../src/render/host";
import { ACCESS_SSH_USER } from "../src/render/access";
import { accessName, sshServiceName } from "../src/render/names";
import { VNODE_SSH_PORT } from "../src/render/vnode";
import { rewriteKubeconfigServer } from "../src/kubeconfig/rewrite";
import { planBootstrap } from "../src/bootstrap/plan";
import type { BootstrapOptions, BootstrapStep } from "../src/bootstrap/types";
import { checkClusterArgs } from "../src/plan/clusterArgs";
import { digest, hashDexPassword } from "../src/bootstrap/password";
import { readInstallHistory, type InstallHistory } from "../src/status/phases";
import { parseVk8sDocuments } from "../src/manifest";
import { createK8sResource, objectResourceName } from "./k8sResources";
import { createBootstrapCommands, type NodeSsh } from "./bootstrapCommands";
import { SshKeyPair } from "./sshKeyPair";

/** Kinds whose readiness `pulumi up` waits for unless `awaitVNodes` is false. */
const AWAITED_KINDS = new Set(["StatefulSet", "Deployment", "PersistentVolumeClaim"]);

/** Stands in for a password only known at run time, so the rest can be validated now. */
const DEFERRED_PASSWORD = "vk8s-deferred-password-check";

/** SSH settings of the bootstrap commands. */
export interface Vk8sSshArgs {
  /** Login user on the access pod and the vNodes. @default "root" */
  user?: string;
  /** Your own private key (PEM or OpenSSH), kept secret. @default a generated ed25519 key, stable across runs */
  privateKey?: pulumi.Input<string>;
  /** The public half of `privateKey`, for authorized_keys. Required with `privateKey`. */
  publicKey?: string;
  /** Pinned SSH host key of the access pod and vNodes (`ssh-ed25519 AAAA...`). @default not pinned */
  hostKey?: pulumi.Input<string>;
  /** Host NodePort of the access pod's SSH service. @default allocated by Kubernetes */
  nodePort?: number;
  /**
   * Direct SSH endpoints per vNode, by node name, instead of the default route
   * (access pod as jump host, then the vNode's headless-service name on port 22).
   * @default undefined (route through the access pod)
   */
  nodeEndpoints?: Record<string, { host: string; port: number }>;
  /** Seconds one SSH dial may take. @default 10 */
  perDialTimeout?: number;
  /** Dial attempts before a step fails as unreachable. @default 6 (so about a minute) */
  dialErrorLimit?: number;
}

/** Arguments of `Vk8sCluster`: the original `Vk8s` spec plus how to reach it. */
export interface Vk8sClusterArgs extends Omit<ClusterSpecInput, "kubeflow"> {
  /** Name of the virtual cluster (namespace `vk8s-<clusterName>`). @default the resource name */
  clusterName?: string;
  kubeflow: {
    /** `v1.3.0`, `1.4`, ...; picks Kubernetes, kustomize and calico from the matrix. */
    version: string;
    /** Login email of the Kubeflow user. */
    email: string;
    /** Login password (>= 8 characters, not the upstream default); pass a secret. */
    password: pulumi.Input<string>;
    /** The apps to install (see `ClusterSpecInput`); platform pieces are added. @default the full example */
    components?: string[];
    /** A change to another Kubeflow line: `refuse` or `reinstall`. @default "refuse" */
    versionChange?: "refuse" | "reinstall";
  };
  /** Address of a host node on which users reach NodePorts. @default "127.0.0.1" */
  hostAddress?: string;
  /** Expose the virtual cluster's API server on this host NodePort. @default not exposed (ClusterIP) */
  apiServerNodePort?: number;
  ssh?: Vk8sSshArgs;
  /**
   * Let `pulumi up` wait for vNode StatefulSets, the access pod and storage claims to be
   * ready. Turn off only where pods cannot run or claims cannot bind (the local simulated
   * environment); the bootstrap's first step still waits for each vNode over SSH.
   * @default true
   */
  awaitVNodes?: boolean;
  /** Bootstrap settings (sources, retry bounds); `false` creates only the host objects. @default {} */
  bootstrap?: Partial<BootstrapOptions> | false;
  /**
   * More choices about the host objects (`HostRenderOptions`), e.g. the namespace labels,
   * storage mounted into the vNodes and extra objects in the namespace that `Vk8sPlatform`
   * passes. `ssh.nodePort` and `apiServerNodePort` win over the same fields here.
   * @default {}
   */
  hostRender?: Partial<Omit<HostRenderOptions, "sshPublicKey">>;
}

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
  /** Install history: phases with timestamps and per-vNode Kubernetes status. */
  public readonly phases: pulumi.Output<InstallHistory>;
  /** The validated spec this component was built from. */
  public readonly cluster: ResolvedCluster;

  constructor(name: string, args: Vk8sClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate and plan before registering anything: invalid input creates nothing.
    const prepared = prepareCluster(name, args);
    const { cluster, renderOptions, steps } = prepared;
    super("vk8s:index:Vk8sCluster", name, {}, opts);
    this.cluster = cluster;
    for (const warning of kubeflowSizeWarnings(cluster)) pulumi.log.warn(warning, this);
    const password = pulumi.secret(args.kubeflow.password);
    const passwordChecked = deferredPasswordGate(name, args, cluster.namespace);

    const ssh = args.ssh ?? {};
    const key = ssh.privateKey === undefined ? new SshKeyPair(`${name}-ssh-key`, { parent: this }) : undefined;
    const publicKey = key ? key.publicKeyOpenssh : pulumi.output(ssh.publicKey!);
    const privateKey = key ? key.privateKeyPem : pulumi.secret(ssh.privateKey!);

    const objects = keyDependentRender(cluster, renderOptions, publicKey, prepared.probes);
    const resources = new Map<string, pulumi.CustomResource>();
    let namespace: pulumi.CustomResource | undefined;
    const skipAwait = args.awaitVNodes === false;
    for (const { object: rendered, body: renderedBody } of objects) {
      const awaited = skipAwait && AWAITED_KINDS.has(rendered.kind);
      const metadata = {
        ...rendered.metadata,
        // The namespace waits for the deferred password check: all else lives in it.
        ...(rendered.kind === "Namespace" ? { name: passwordChecked } : {}),
        ...(awaited ? { annotations: { ...rendered.metadata.annotations, "pulumi.com/skipAwait": "true" } } : {}),
      };
      const res = createK8sResource(objectResourceName(name, rendered), { ...renderedBody, metadata } as K8sObject, {
        parent: this,
        dependsOn: namespace ? [namespace] : [],
      });
      if (rendered.kind === "Namespace") namespace = res;
      resources.set(`${rendered.kind}/${rendered.metadata.name}`, res);
    }

    const hostAddress = args.hostAddress ?? "127.0.0.1";
    const user = ssh.user ?? "root";
    const service = (svcName: string) => resources.get(`Service/${svcName}`) as import("@pulumi/kubernetes").core.v1.Service | undefined;
    const sshService = service(sshServiceName(cluster));
    const sshNodePort = sshService
      ? sshService.spec.ports.apply((ports) => ports[0]?.nodePort ?? 0)
      : pulumi.output(0);
    // Admins log in to the access pod as its jump-host user, then to vNodes as `user`.
    this.sshEndpoint = pulumi.interpolate`ssh://${ACCESS_SSH_USER}@${hostAddress}:${sshNodePort}`;
    this.kubeflowUrl = pulumi.output(cluster.kubeflowPort ? `http://${hostAddress}:${cluster.kubeflowPort.port}` : "");
    this.apiServerEndpoint = pulumi.output(args.apiServerNodePort
      ? `https://${hostAddress}:${args.apiServerNodePort}`
      : `https://${cluster.name}-apiserver.${cluster.namespace}.svc:6443`);
    this.nodes = pulumi.output(cluster.nodes.map((n) => ({
      name: n.name, role: n.role, gpus: n.gpus, statefulSet: n.statefulSetName, pod: n.podName,
    })));
    this.kubernetesVersion = pulumi.output(cluster.matrix.kubernetesVersion);
    this.kubeflowVersion = pulumi.output(cluster.kubeflow.version);
    this.namespace = pulumi.output(cluster.namespace);

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
        const direct = ssh.nodeEndpoints && Object.hasOwn(ssh.nodeEndpoints, n.name) ? ssh.nodeEndpoints[n.name] : undefined;
        nodes[n.name] = direct ?? { host: n.hostname, port: VNODE_SSH_PORT, proxy: { host: hostAddress, port: sshNodePort, user: ACCESS_SSH_USER } };
        const sts = resources.get(`StatefulSet/${n.statefulSetName}`);
        nodeDependencies[n.name] = [...(sts ? [sts] : []), ...(direct ? [] : accessDeps)];
      }
      const commands = createBootstrapCommands(name, {
        steps,
        nodes,
        user,
        privateKey,
        hostKey: ssh.hostKey,
        perDialTimeout: ssh.perDialTimeout ?? 10,
        dialErrorLimit: ssh.dialErrorLimit ?? 6,
        stdinSecrets: {
          // The salt seed is the (secret, stable) access private key, per cluster.
          dexPasswordHash: pulumi.secret(pulumi.all([password, privateKey]).apply(([p, k]) =>
            hashDexPassword(p, `${cluster.namespace}:${digest(k)}`))),
        },
        nodeDependencies,
      }, this);
      const kubeconfigStep = steps.find((s) => s.id.endsWith("kubeconfig"));
      this.kubeconfig = kubeconfigStep
        ? pulumi.secret(commands[kubeconfigStep.id].stdout.apply((s) => rewriteKubeconfigServer(s, args.apiServerNodePort ? `https://${hostAddress}:${args.apiServerNodePort}` : undefined)))
        : pulumi.secret("");
      const visible = steps.filter((s) => !s.secretOutput).map((s) => commands[s.id].stdout);
      this.phases = pulumi.all(visible).apply((outs) => readInstallHistory(outs));
    }

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
 * The namespace name, released only once a password that was not known at construction
 * (a secret Output) has passed validation (`checkDeferredPassword`): every other host
 * object lives in the namespace, so a bad password stops the cluster before anything is
 * created.
 */
function deferredPasswordGate(name: string, args: Vk8sClusterArgs, namespace: string): pulumi.Output<string> {
  if (typeof args.kubeflow.password === "string") return pulumi.output(namespace);
  // The name is not secret, only derived from one: unsecret it so previews show the namespace.
  return pulumi.unsecret(pulumi.output(args.kubeflow.password).apply((p) => checkDeferredPassword(name, args, p, namespace)));
}

/** Validates the cluster again with the real password; returns `namespace` or throws. */
export function checkDeferredPassword(name: string, args: Vk8sClusterArgs, password: string, namespace: string): string {
  resolveOrThrow(name, { ...args, kubeflow: { ...args.kubeflow, password } });
  return namespace;
}

/** What `Vk8sCluster` computes before it registers anything (pure; see `prepareCluster`). */
export interface PreparedCluster {
  cluster: ResolvedCluster;
  renderOptions: HostRenderOptions;
  /** The host objects rendered with two probe keys (see `keyDependentRender`). */
  probes: [K8sObject[], K8sObject[]];
  /** The bootstrap steps; `undefined` when `bootstrap` is `false`. */
  steps?: BootstrapStep[];
}

/**
 * The one validation of `Vk8sCluster`'s arguments (spec and component arguments, every
 * problem at once as `Vk8sValidationError`), then the host objects and the bootstrap plan,
 * all before anything is registered. The renderers and the planner only assert what the
 * validation guarantees; should one still throw, it throws here, before registration.
 * `Vk8sPlatform` runs it for every user before registering any.
 */
export function prepareCluster(name: string, args: Vk8sClusterArgs): PreparedCluster {
  const cluster = resolveOrThrow(name, args);
  const ssh = args.ssh ?? {};
  const renderOptions: HostRenderOptions = {
    ...args.hostRender,
    sshNodePort: ssh.nodePort ?? args.hostRender?.sshNodePort,
    apiServerNodePort: args.apiServerNodePort ?? args.hostRender?.apiServerNodePort,
  };
  const probes: [K8sObject[], K8sObject[]] = [
    renderHostObjects(cluster, { ...renderOptions, sshPublicKey: "ssh-ed25519 A probe-a" }),
    renderHostObjects(cluster, { ...renderOptions, sshPublicKey: "ssh-ed25519 B probe-b" }),
  ];
  if (args.bootstrap === false) return { cluster, renderOptions, probes };
  return { cluster, renderOptions, probes, steps: planBootstrap(cluster, bootstrapOptionsOf(args)) };
}

/** The bootstrap options as planned: an exposed API server's certificate also names hostAddress. */
function bootstrapOptionsOf(args: Vk8sClusterArgs): Partial<BootstrapOptions> {
  const bootstrap = args.bootstrap || {};
  if (args.apiServerNodePort === undefined) return bootstrap;
  const hostAddress = args.hostAddress ?? "127.0.0.1";
  return { ...bootstrap, apiServerExtraSans: [...new Set([...(bootstrap.apiServerExtraSans ?? []), hostAddress])] };
}

function resolveOrThrow(name: string, args: Vk8sClusterArgs): ResolvedCluster {
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

/**
 * The host objects, with the ones that depend on the SSH public key (an Output until the
 * key exists) turned into Outputs of their body. Which objects depend on it is found by
 * comparing the renders with two different keys, so no renderer detail is repeated here.
 */
function keyDependentRender(
  cluster: ResolvedCluster,
  options: HostRenderOptions,
  publicKey: pulumi.Output<string>,
  [probeA, probeB]: [K8sObject[], K8sObject[]],
): { object: K8sObject; body: Record<string, unknown> }[] {
  return probeA.map((object, i) => {
    const { apiVersion: _v, kind: _k, metadata: _m, ...fields } = object;
    if (JSON.stringify(object) === JSON.stringify(probeB[i])) return { object, body: object };
    const live = publicKey.apply((k) => renderHostObjects(cluster, { ...options, sshPublicKey: k })[i]);
    const body: Record<string, unknown> = { ...object };
    for (const field of Object.keys(fields)) body[field] = live.apply((o) => o[field]);
    return { object, body };
  });
}
