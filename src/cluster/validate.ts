/**
 * Validation of one virtual cluster: the zod shape, then every domain rule, reporting all
 * problems at once; on success, the `ResolvedCluster` every renderer consumes.
 *
 * Rules (each in `rules/`): cluster name; nodes (names, one master, resources, GPUs,
 * tolerations, labels); Kubernetes version vs node image tags; Kubeflow x Kubernetes via the
 * matrix; CIDRs; ports and access pod; Kubeflow login; cluster labels.
 */
import { checkKustomizeArch, decideMatrix } from "../matrix/resolve";
import { accessName, apiServerServiceName, bootConfigMapName } from "../core/naming";
import type { MatrixDecision } from "../matrix/types";
import { DEFAULTS } from "./defaults";
import { Vk8sValidationError, type Problem, quote } from "../core/errors";
import { dns1123LabelError } from "../core/names";
import { headlessServiceNameFor, namespaceFor, podNameFor, statefulSetNameFor, vNodeHostname } from "../core/naming";
import type { ResolvedCluster, ResolvedNode, ResolvedPort } from "./resolved";
import type { ClusterSpecInput } from "./schema";
import { checkShape, type LooseSpec } from "./shape";
import { checkText } from "./rules/text";
import { checkKubeflowLogin } from "./rules/kubeflow";
import { checkKubeflowComponents } from "./rules/kubeflowComponents";
import { expandComponents } from "../matrix/components";
import { checkAnnotations, checkLabels } from "./rules/labels";
import { checkNetwork, type HostCidr } from "./rules/network";
import { checkNodes, nodesOf } from "./rules/nodes";
import { checkAccess, checkPorts } from "./rules/ports";
import { normaliseResources } from "./rules/resources";
import { requestedKubernetes } from "./rules/version";

export interface ValidateOptions {
  /** The host cluster's pod/service CIDRs, added to the spec's `hostCidrs`. @default none */
  hostCidrs?: string[];
}

export type ValidationResult = { ok: true; cluster: ResolvedCluster } | { ok: false; problems: Problem[] };

/** Checks a cluster spec (any value, e.g. parsed YAML) and resolves it, or lists every problem. */
export function validateCluster(name: string, input: unknown, options: ValidateOptions = {}): ValidationResult {
  const text = checkText(input);
  const problems: Problem[] = [...checkClusterName(name)];
  const shape = checkShape(input);
  problems.push(...shape.problems);
  const loose = shape.loose;
  if (!loose) return { ok: false, problems: withText(text, problems) };

  problems.push(...checkNodes(name, loose));
  problems.push(...checkLabels(["labels"], loose.labels, true));
  problems.push(...checkAnnotations(["annotations"], loose.annotations));
  const { requested, problems: versionProblems } = requestedKubernetes(loose);
  problems.push(...versionProblems);
  let decision: MatrixDecision | undefined;
  if (loose.kubeflow?.version !== undefined) {
    const matrix = decideMatrix(loose.kubeflow.version, requested.version);
    if (matrix.ok) {
      decision = matrix.decision;
      const master = nodesOf(loose).find((n) => n?.role === "master");
      const arch = checkKustomizeArch(matrix.decision.kubeflow, master?.nodeSelector?.["kubernetes.io/arch"]);
      if (arch) problems.push(arch);
    }
    else problems.push(matrix.problem.path === "kubernetes.version" ? { ...matrix.problem, path: requested.source } : matrix.problem);
  }
  problems.push(...checkNetwork(loose, hostCidrsOf(loose, options)));
  problems.push(...checkPorts(name, loose));
  problems.push(...checkAccess(loose));
  problems.push(...checkKubeflowLogin(loose));
  problems.push(...checkKubeflowComponents(loose, decision?.kubeflow.kubeflow));

  if (problems.length > 0 || text.length > 0 || !shape.spec || !decision) return { ok: false, problems: withText(text, problems) };
  return { ok: true, cluster: buildCluster(name, shape.spec, decision) };
}

/** The unsafe-character problems first; other rules' problems on the same field would only repeat them. */
function withText(text: Problem[], problems: Problem[]): Problem[] {
  const paths = new Set(text.map((p) => p.path));
  return [...text, ...problems.filter((p) => !paths.has(p.path))];
}

/** Like `validateCluster`, but throws `Vk8sValidationError` listing every problem. */
export function resolveCluster(name: string, input: unknown, options: ValidateOptions = {}): ResolvedCluster {
  const result = validateCluster(name, input, options);
  if (!result.ok) throw new Vk8sValidationError({ kind: "virtual cluster", name }, result.problems);
  return result.cluster;
}

/**
 * The cluster name prefixes every host object: namespace `vk8s-<name>`, `<name>-vnodes`,
 * `<name>-vnode-boot`, `<name>-apiserver`... (src/core/naming.ts);
 * each must stay within 63 characters.
 */
function checkClusterName(name: string): Problem[] {
  if (typeof name !== "string") return [{ path: "name", message: `expected a string, got ${typeof name}`, fix: "name the cluster like team-a or sample3" }];
  const error = dns1123LabelError(name);
  if (error) return [{ path: "name", message: error, fix: "name the cluster like team-a or sample3" }];
  const named = { name };
  const derived = [namespaceFor(name), headlessServiceNameFor(name), bootConfigMapName(named), apiServerServiceName(named), accessName(named)];
  const longest = derived.find((d) => d.length > 63);
  if (longest) return [{ path: "name", message: `${quote(longest)} derived from it is over 63 characters`, fix: "shorten the cluster name" }];
  return [];
}

function hostCidrsOf(spec: LooseSpec, options: ValidateOptions): HostCidr[] {
  const fromSpec = (spec.hostCidrs ?? []).flatMap((text, i) => (text === undefined ? [] : [{ path: `hostCidrs[${i}]`, text }]));
  const fromOptions = (options.hostCidrs ?? []).map((text, i) => ({ path: `options.hostCidrs[${i}]`, text }));
  return [...fromSpec, ...fromOptions];
}

function sortedRecord(record: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function buildCluster(name: string, spec: ClusterSpecInput, matrix: MatrixDecision): ResolvedCluster {
  const imageRepository = spec.imageRepository ?? DEFAULTS.imageRepository;
  const labels = sortedRecord(spec.labels);
  const nodes: ResolvedNode[] = (nodesOf(spec) as NonNullable<ClusterSpecInput["nodes"]>).map((node, index) => {
    const statefulSetName = statefulSetNameFor(name, node.name);
    return {
      name: node.name,
      role: node.role,
      index,
      statefulSetName,
      podName: podNameFor(statefulSetName),
      hostname: vNodeHostname(name, node.name),
      image: node.image ?? `${imageRepository}:${matrix.imageTag}`,
      ...normaliseResources(node.resources),
      tolerations: node.tolerations ?? [],
      nodeSelector: sortedRecord(node.nodeSelector),
      // Cluster labels first, node labels win; both are also on the StatefulSet.
      labels: sortedRecord({ ...spec.labels, ...node.labels }),
    };
  });
  const ports: ResolvedPort[] = (spec.ports ?? []).map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort ?? p.port }));
  return {
    name,
    namespace: namespaceFor(name),
    labels,
    annotations: sortedRecord(spec.annotations),
    matrix,
    network: {
      podNetworkCidr: spec.kubernetes?.podNetworkCidr ?? DEFAULTS.podNetworkCidr,
      serviceCidr: spec.kubernetes?.serviceCidr ?? DEFAULTS.serviceCidr,
    },
    kubeflow: {
      version: matrix.kubeflow.manifestsRef,
      email: spec.kubeflow.email,
      ...(spec.kubeflow.components === undefined ? {} : { components: expandComponents(matrix.kubeflow.kubeflow, spec.kubeflow.components) }),
      versionChange: spec.kubeflow.versionChange ?? "refuse",
    },
    nodes,
    master: nodes.find((n) => n.role === "master") as ResolvedNode,
    access: { image: spec.accessPodImage ?? DEFAULTS.accessPodImage, port: spec.accessPodPort ?? DEFAULTS.accessPodPort },
    ports,
    kubeflowPort: ports.find((p) => p.name === "kubeflow") ?? ports[0],
    imageRepository,
  };
}
