/**
 * The bootstrap plan of one virtual cluster: every step, its script, and the real
 * dependency graph (reference, section 2):
 *
 *   01-wait-master -> 02-kubeadm-init -> 03-kubeconfig
 *                                     -> 04-calico (or 04-flannel) -> 08-kubeflow -> 09-dex-login -> 11-status
 *                                                                 -> 10-expose    -> 11-status
 *                                     -> 05-join-token-<w> -> 06-join-<w>   (each worker, in parallel)
 *   04-calico + 06-join-<w with GPUs> -> 07-nvidia-device-plugin (only with GPUs) -> 11-status
 *   04-calico -> 07-storage (the default StorageClass; unless defaultStorageClass is none) -> 08-kubeflow
 *
 * Each step runs a static program (`programs/`) with its data (`StepProgram`); its command
 * text carries both (`bundle.ts`), so a data change re-runs exactly the steps that read
 * it. Triggers carry only the inputs a step depends on, so a label change re-runs
 * nothing, a Kubeflow version change re-runs only 08-11, and a new worker adds only its
 * two steps.
 */
import type { ResolvedCluster } from "../cluster/resolved";
import { isDns1123Subdomain } from "../core/names";
import { checkKubeflowLogin } from "../cluster/rules/kubeflow";
import { checkNodeName } from "../cluster/rules/nodes";
import { notInstallableProblem } from "../matrix/resolve";
import { controlPlaneEndpoint } from "../core/naming";
import { minorOf, parseVersion, type VersionSuffix } from "../core/version";
import { isNodePort, NODE_PORT_RANGE_TEXT } from "../core/ports";
import { checkBootstrapOptions } from "./options";
import { Vk8sValidationError, type Problem } from "../core/errors";
import { digest } from "./password";
import { describeSource } from "./sources";
import { ADDON_VERSIONS } from "../matrix/table";
import { bundle } from "./bundle";
import { calicoRun } from "./steps/calico";
import { flannelManifest, flannelRun } from "./steps/flannel";
import { workers, type StepContext } from "./steps/context";
import { devicePluginRun } from "./steps/devicePlugin";
import { dexRun } from "./steps/dex";
import { exposeRun } from "./steps/expose";
import { kubeflowRun } from "./steps/kubeflow";
import { imageArchivesList, joinRun, joinTokenRun, kubeadmInitRun, kubeconfigRun, removeWorkerRun, waitMasterRun } from "./steps/node";
import { statusRun } from "./steps/status";
import { storageRun } from "./steps/storage";
import { PHASES, type BootstrapOptionsInput, type BootstrapStep } from "./types";

const [WAITING, CONFIGURING_MASTER, INSTALLING_KUBEFLOW, RUNNING] = PHASES;

/** Step ids (the `<NN>-` prefix orders the rendered files). */
export const STEP_IDS = {
  waitMaster: "01-wait-master",
  kubeadmInit: "02-kubeadm-init",
  kubeconfig: "03-kubeconfig",
  calico: "04-calico",
  flannel: "04-flannel",
  joinToken: (node: string) => `05-join-token-${node}`,
  join: (node: string) => `06-join-${node}`,
  devicePlugin: "07-nvidia-device-plugin",
  storage: "07-storage",
  kubeflow: "08-kubeflow",
  dexLogin: "09-dex-login",
  expose: "10-expose",
  status: "11-status",
} as const;

/** `text` as `major.minor.patch` when it is a full version (`suffix` as `parseVersion`), else undefined. */
function fullVersion(text: string, suffix: VersionSuffix = "none"): string | undefined {
  const parsed = parseVersion(text.trim(), suffix);
  return parsed?.patchGiven ? parsed.version.version : undefined;
}

/**
 * Checks what the scripts interpolate; every problem at once. The cluster is already
 * validated (`resolveCluster`), so these are the validation's own rules run again on the
 * resolved values (a hand-built `ResolvedCluster` meets the same messages), plus the facts
 * the matrix must give in full.
 */
function checkCluster(cluster: ResolvedCluster): Problem[] {
  const problems: Problem[] = [];
  const { matrix } = cluster;
  const row = matrix.kubeflow;
  if (!row.installable) problems.push(notInstallableProblem(row.kubeflow));
  if (fullVersion(matrix.kubernetesVersion) === undefined) {
    problems.push({ path: "kubernetes.version", message: `${JSON.stringify(matrix.kubernetesVersion)} is not a full Kubernetes version`, fix: "the matrix must give major.minor.patch" });
  }
  if (fullVersion(matrix.calico) === undefined) {
    problems.push({ path: "matrix.calico", message: `${JSON.stringify(matrix.calico)} is not a calico version`, fix: "the matrix must give major.minor.patch" });
  }
  if (row.installable && fullVersion(row.kustomize, "tag") === undefined) {
    problems.push({ path: "matrix.kustomize", message: `${JSON.stringify(row.kustomize)} is not a kustomize version`, fix: "the matrix must give major.minor.patch" });
  }
  if (!/^[A-Za-z0-9._/-]+$/.test(row.manifestsRef)) {
    problems.push({ path: "matrix.manifestsRef", message: `${JSON.stringify(row.manifestsRef)} is not a git ref`, fix: "e.g. v1.3.1" });
  }
  problems.push(...checkKubeflowLogin({ kubeflow: { email: cluster.kubeflow.email } }));
  const seen = new Map<string, number>();
  for (const node of cluster.nodes) problems.push(...checkNodeName(cluster.name, node.name, node.index, seen));
  if (!isDns1123Subdomain(cluster.master.hostname)) {
    problems.push({ path: `nodes[${cluster.master.index}]`, message: `master hostname ${JSON.stringify(cluster.master.hostname)} is not a DNS name`, fix: "check the cluster name" });
  }
  const port = cluster.kubeflowPort;
  if (port && !isNodePort(port.targetPort)) {
    const i = cluster.ports.findIndex((p) => p.name === port.name);
    problems.push({
      path: `ports[${i}].targetPort`,
      message: `${port.targetPort} is outside the inner cluster's NodePort range ${NODE_PORT_RANGE_TEXT}`,
      fix: `istio-ingressgateway listens on it as a NodePort inside the master vNode; pick a targetPort in ${NODE_PORT_RANGE_TEXT}`,
    });
  }
  return problems;
}

/** `5.2.1+` / `v5.0.0` -> `5.2.1` / `5.0.0` (`parseVersion`'s tag grammar); throws on a value that is no full version (checked first by the planner). */
export function kustomizeVersion(v: string): string {
  const full = fullVersion(v, "tag");
  if (full === undefined) throw new Error(`matrix.kustomize: ${JSON.stringify(v)} is not a kustomize version (the matrix must give major.minor.patch)`);
  return full;
}

/** Digest of everything that makes a step what it is: a dependant that must follow it re-runs when this changes. */
export function stepDigest(step: BootstrapStep): string {
  return digest(JSON.stringify({ script: step.script, triggers: step.triggers, stdin: step.stdin ?? null }));
}

type PlannedStep = Omit<BootstrapStep, "secretOutput" | "script" | "deleteScript" | "stateOf"> & { secretOutput?: boolean; stateOf?: string[] };

/** Builds the steps of one virtual cluster, in a topological order of `dependsOn`. Throws `Vk8sValidationError` on invalid input, listing every problem. */
export function planBootstrap(cluster: ResolvedCluster, options?: BootstrapOptionsInput): BootstrapStep[] {
  const checked = checkBootstrapOptions(options);
  const problems = [...checkCluster(cluster), ...checked.problems];
  if (problems.length > 0) throw new Vk8sValidationError({ kind: "virtual cluster", name: cluster.name }, problems);

  const { master, network, matrix } = cluster;
  const row = matrix.kubeflow;
  const ctx: StepContext = {
    cluster,
    options: checked.options,
    row,
    kubernetesVersion: `v${matrix.kubernetesVersion}`,
    kubernetesMinor: minorOf(matrix.kubernetesVersion),
    controlPlaneEndpoint: controlPlaneEndpoint(master.hostname),
    kustomizeVersion: kustomizeVersion(row.kustomize),
  };
  const opts = ctx.options;
  const steps: BootstrapStep[] = [];
  const byId = new Map<string, BootstrapStep>();
  const add = (step: PlannedStep) => {
    const full: BootstrapStep = {
      ...step,
      script: bundle(step.id, step.id, step.title, step.node, step.run),
      ...(step.deleteRun ? { deleteScript: bundle(`${step.id}-delete`, `${step.id}.delete`, `undo ${step.title}`, step.deleteNode ?? step.node, step.deleteRun) } : {}),
      secretOutput: step.secretOutput ?? false,
      // Steps on the master make objects in its etcd (or the master itself): its state by default.
      stateOf: step.stateOf ?? [master.name],
    };
    steps.push(full);
    byId.set(full.id, full);
    return full;
  };
  const after = (...ids: string[]) => ids.map((id) => `after:${id}=${stepDigest(byId.get(id)!)}`);
  const ids = STEP_IDS;
  const archives = imageArchivesList(ctx);
  const imageTriggers = [
    ...(opts.kubeadmImageRepository ? [`imageRepository=${opts.kubeadmImageRepository}`] : []),
    ...(opts.kubeadmEtcdImageTag ? [`etcdImageTag=${opts.kubeadmEtcdImageTag}`] : []),
    ...(archives ? [`imageArchives=sha256:${digest(archives)}`] : []),
  ];

  add({
    id: ids.waitMaster, title: "wait for the master vNode", node: master.name, phase: WAITING,
    run: waitMasterRun(ctx), dependsOn: [],
    triggers: [`node=${master.name}`, `kubernetes=${ctx.kubernetesVersion}`, `gpus=${master.gpus}`],
  });
  add({
    id: ids.kubeadmInit, title: "kubeadm init on the master", node: master.name, phase: CONFIGURING_MASTER,
    run: kubeadmInitRun(ctx), dependsOn: [ids.waitMaster],
    triggers: [
      `kubernetes=${ctx.kubernetesVersion}`, `podNetworkCidr=${network.podNetworkCidr}`, `serviceCidr=${network.serviceCidr}`,
      `controlPlaneEndpoint=${ctx.controlPlaneEndpoint}`, `node=${master.name}`, ...imageTriggers,
    ],
  });
  add({
    id: ids.kubeconfig, title: "print the admin kubeconfig", node: master.name, phase: CONFIGURING_MASTER,
    run: kubeconfigRun(), dependsOn: [ids.kubeadmInit], secretOutput: true,
    triggers: after(ids.kubeadmInit),
  });
  // The CNI: calico (the original system's) or flannel; everything that needs a pod network waits for it.
  const networkId = opts.cni === "flannel" ? ids.flannel : ids.calico;
  if (opts.cni === "flannel") {
    add({
      id: ids.flannel, title: "flannel (host-gw)", node: master.name, phase: CONFIGURING_MASTER,
      run: flannelRun(ctx), dependsOn: [ids.kubeadmInit],
      triggers: [`flannel=sha256:${digest(flannelManifest(ctx))}`],
    });
  } else {
    add({
      id: ids.calico, title: `calico ${matrix.calico}`, node: master.name, phase: CONFIGURING_MASTER,
      run: calicoRun(ctx), dependsOn: [ids.kubeadmInit],
      triggers: [
        `calico=${matrix.calico}`, `podNetworkCidr=${network.podNetworkCidr}`, `nodeInterface=${opts.nodeInterface}`,
        `source=${describeSource(opts.calicoSource)}`,
      ],
    });
  }
  for (const worker of workers(ctx)) {
    const tokenId = ids.joinToken(worker.name);
    add({
      id: tokenId, title: `mint the join command of ${worker.name}`, node: master.name, phase: CONFIGURING_MASTER,
      run: joinTokenRun(worker), dependsOn: [ids.kubeadmInit], secretOutput: true, stateOf: [master.name, worker.name],
      triggers: [`worker=${worker.name}`, `controlPlaneEndpoint=${ctx.controlPlaneEndpoint}`],
    });
  }
  for (const worker of workers(ctx)) {
    const tokenId = ids.joinToken(worker.name);
    const joinId = ids.join(worker.name);
    add({
      id: joinId, title: `kubeadm join of ${worker.name}`, node: worker.name, phase: CONFIGURING_MASTER,
      run: joinRun(ctx, worker, tokenId), stdin: { stepOutput: tokenId }, dependsOn: [tokenId], secretOutput: true, stateOf: [master.name, worker.name],
      triggers: [
        `node=${worker.name}`, `kubernetes=${ctx.kubernetesVersion}`, `gpus=${worker.gpus}`, `controlPlaneEndpoint=${ctx.controlPlaneEndpoint}`,
        ...imageTriggers,
      ],
      deleteRun: removeWorkerRun(ctx, worker), deleteNode: master.name,
    });
  }
  const gpuNodes = cluster.nodes.filter((n) => n.gpus > 0);
  if (gpuNodes.length > 0) {
    add({
      id: ids.devicePlugin, title: `NVIDIA device plugin ${ADDON_VERSIONS.devicePlugin}`, node: master.name, phase: CONFIGURING_MASTER,
      run: devicePluginRun(ctx),
      dependsOn: [networkId, ...gpuNodes.filter((n) => n.role === "worker").map((n) => ids.join(n.name))],
      triggers: [
        `devicePlugin=${ADDON_VERSIONS.devicePlugin}`, `source=${describeSource(opts.devicePluginSource)}`,
        `gpuNodes=${gpuNodes.map((n) => `${n.name}:${n.gpus}`).join(",")}`,
      ],
    });
  }
  const storage = opts.defaultStorageClass === "local-path";
  if (storage) {
    add({
      id: ids.storage, title: `default StorageClass (local-path-provisioner ${ADDON_VERSIONS.localPath})`, node: master.name, phase: CONFIGURING_MASTER,
      run: storageRun(ctx), dependsOn: [ids.calico],
      triggers: [
        `localPath=${ADDON_VERSIONS.localPath}`, `source=${describeSource(opts.localPathSource)}`, `provisionerImage=${opts.localPathProvisionerImage}`,
        `helperImage=${opts.localPathHelperImage}`, `dir=${opts.localPathDir}`,
      ],
    });
  }
  const kubeflow = cluster.kubeflow;
  add({
    id: ids.kubeflow, title: `Kubeflow ${row.manifestsRef}`, node: master.name, phase: INSTALLING_KUBEFLOW,
    run: kubeflowRun(ctx), dependsOn: [networkId, ...(storage ? [ids.storage] : [])],
    triggers: [
      `kubeflow=${row.manifestsRef}`, `manifestsRef=${row.manifestsRef}`, `kustomize=${ctx.kustomizeVersion}`,
      `source=${describeSource(opts.kubeflowSource)}`, `kustomizeSource=${describeSource(opts.kustomizeSource)}`,
      `components=${kubeflow.components?.join(",") ?? "all"}`, `profileOwner=${kubeflow.email}`,
      // Shown by `pulumi preview` beside the version: what a change of line will do.
      `versionChange=${kubeflow.versionChange ?? "refuse"} (on another installed Kubeflow line: ${kubeflow.versionChange === "reinstall" ? "delete it, then install" : "stop, change nothing"})`,
      ...(storage ? [`defaultStorageClass=${opts.defaultStorageClass}`] : []),
    ],
  });
  add({
    id: ids.dexLogin, title: `Kubeflow login ${cluster.kubeflow.email}`, node: master.name, phase: INSTALLING_KUBEFLOW,
    run: dexRun(ctx), stdin: { secret: "dexPasswordHash" }, dependsOn: [ids.kubeflow], secretOutput: true,
    triggers: [
      `kubeflow=${row.manifestsRef}`, `email=${cluster.kubeflow.email}`,
      ...(opts.dexPasswordHash ? [`passwordHash=sha256:${digest(opts.dexPasswordHash)}`] : []),
      ...after(ids.kubeflow),
    ],
  });
  const port = cluster.kubeflowPort;
  if (port) {
    add({
      id: ids.expose, title: `expose Kubeflow on NodePort ${port.targetPort}`, node: master.name, phase: INSTALLING_KUBEFLOW,
      run: exposeRun(ctx, port), dependsOn: [ids.kubeflow],
      triggers: [`exposure=${opts.exposure}`, `nodePort=${port.targetPort}`, ...after(ids.kubeflow)],
    });
  }
  const statusDeps = [ids.kubeflow, ids.dexLogin, ...(port ? [ids.expose] : []), ...(gpuNodes.length > 0 ? [ids.devicePlugin] : [])];
  add({
    id: ids.status, title: "check the cluster and report the phase", node: master.name, phase: RUNNING,
    run: statusRun(ctx, port), dependsOn: statusDeps,
    triggers: after(...statusDeps),
  });
  return steps;
}
