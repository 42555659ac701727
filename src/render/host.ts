/**
 * All host-cluster objects of one virtual cluster, as plain data (no Pulumi). The
 * `Vk8sCluster` component registers them; `vk8s render` writes them as YAML.
 */
import { formatProblem, type Problem } from "../spec/errors";
import type { ResolvedCluster } from "../spec/resolved";
import { renderAccessDeployment, renderSshConfigMap, renderSshService } from "./access";
import { clusterObjectLabels } from "./labels";
import { renderApiServerService, renderHeadlessService, renderPortService } from "./services";
import type { HostRenderOptions, K8sObject } from "./types";
import { renderBootConfigMap, renderVNodeStatefulSet } from "./vnode";

export type { HostRenderOptions, K8sObject, NodeStorageOptions } from "./types";

/** The host's NodePort range (kube-apiserver `--service-node-port-range` default). */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

/** The Pod Security level vNodes need: they are privileged pods. */
const POD_SECURITY = "privileged";

/** Namespace `cluster.namespace`, allowed to run privileged pods (Pod Security admission). */
export function renderNamespace(cluster: ResolvedCluster): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: cluster.namespace,
      labels: {
        ...clusterObjectLabels(cluster),
        "pod-security.kubernetes.io/audit": POD_SECURITY,
        "pod-security.kubernetes.io/enforce": POD_SECURITY,
        "pod-security.kubernetes.io/warn": POD_SECURITY,
      },
    },
  };
}

/** Problems with the render options: NodePorts out of range or taken by `ports[]`. */
export function checkHostRenderOptions(cluster: ResolvedCluster, options: HostRenderOptions): Problem[] {
  const problems: Problem[] = [];
  const taken = new Map<number, string>(cluster.ports.map((p, i) => [p.port, `ports[${i}].port`]));
  for (const key of ["sshNodePort", "apiServerNodePort"] as const) {
    const port = options[key];
    if (port === undefined) continue;
    const path = `options.${key}`;
    if (!Number.isInteger(port) || port < NODE_PORT_RANGE.min || port > NODE_PORT_RANGE.max) {
      problems.push({ path, message: `${port} is not a NodePort in ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`, fix: "pick a port in that range or omit it to let Kubernetes allocate one" });
    } else if (taken.has(port)) {
      problems.push({ path, message: `${port} is already used by ${taken.get(port)}`, fix: "pick another port or omit it to let Kubernetes allocate one" });
    } else {
      taken.set(port, path);
    }
  }
  if (options.nodeStorage !== undefined && !/^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.test(options.nodeStorage.size)) {
    problems.push({ path: "options.nodeStorage.size", message: `"${options.nodeStorage.size}" is not a Kubernetes quantity`, fix: "write a size such as 50Gi" });
  }
  return problems;
}

/**
 * The host objects of `cluster`, in a stable order: Namespace, boot ConfigMap, SSH
 * ConfigMap, headless Service, one StatefulSet per vNode (input order), access
 * Deployment, SSH Service, API server Service, one Service per `ports[]` entry.
 * Optional fields left out are absent (never `undefined`).
 * Throws on invalid options or on two objects of the same kind and name (a `ports[]`
 * name such as `ssh` that collides with a vk8s Service).
 */
export function renderHostObjects(cluster: ResolvedCluster, options: HostRenderOptions = {}): K8sObject[] {
  const problems = checkHostRenderOptions(cluster, options);
  if (problems.length > 0) {
    throw new Error(`cannot render virtual cluster "${cluster.name}":\n${problems.map(formatProblem).join("\n")}`);
  }
  const objects: K8sObject[] = [
    renderNamespace(cluster),
    renderBootConfigMap(cluster),
    renderSshConfigMap(cluster, options),
    renderHeadlessService(cluster),
    ...cluster.nodes.map((node) => renderVNodeStatefulSet(cluster, node, options)),
    renderAccessDeployment(cluster, options),
    renderSshService(cluster, options),
    renderApiServerService(cluster, options),
    ...cluster.ports.map((port) => renderPortService(cluster, port)),
  ];
  assertUniqueNames(cluster, objects);
  return objects.map((o) => withoutUndefined(o) as K8sObject);
}

/** A deep copy without `undefined` fields (optional parts the renderers leave out). */
function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).map(([k, v]) => [k, withoutUndefined(v)]),
  );
}

function assertUniqueNames(cluster: ResolvedCluster, objects: K8sObject[]): void {
  const seen = new Set<string>();
  for (const o of objects) {
    const id = `${o.kind}/${o.metadata.name}`;
    if (seen.has(id)) {
      const problem: Problem = { path: "ports", message: `two host objects are named ${id}`, fix: "rename the ports[] entry: apiserver, ssh and vnodes are used by vk8s" };
      throw new Error(`cannot render virtual cluster "${cluster.name}":\n${formatProblem(problem)}`);
    }
    seen.add(id);
  }
}
