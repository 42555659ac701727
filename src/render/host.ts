/**
 * All host-cluster objects of one virtual cluster, as plain data (no Pulumi). The
 * `Vk8sCluster` component registers them; `vk8s render` writes them as YAML.
 */
import { HOST_RENDER_DEFAULTS } from "../cluster/defaults";
import { type Problem, quote, Vk8sValidationError } from "../core/errors";
import { isAbsoluteDirectory, isDns1123Subdomain } from "../core/names";
import { isNodePort, NODE_PORT_RANGE } from "../core/ports";
import type { ResolvedCluster } from "../cluster/resolved";
import { renderAccessDeployment, renderSshConfigMap, renderSshService } from "./access";
import { VNODE_CONFIG_DIR } from "./gpu";
import { clusterObjectLabels } from "./labels";
import { renderApiServerService, renderHeadlessService, renderPortService } from "./services";
import type { HostRenderOptions, K8sObject } from "./types";
import { nodeStorageClaim, renderBootConfigMap, renderVNodeStatefulSet, VNODE_STATE_PATHS } from "./vnode";

/** The Pod Security level vNodes need: they are privileged pods. */
const POD_SECURITY = "privileged";

/**
 * Namespace `cluster.namespace`, allowed to run privileged pods (Pod Security admission),
 * with `options.namespaceLabels` under the labels vk8s sets.
 */
export function renderNamespace(cluster: ResolvedCluster, options: HostRenderOptions = {}): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: cluster.namespace,
      labels: {
        ...options.namespaceLabels,
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
    if (!isNodePort(port)) {
      problems.push({ path, message: `${port} is not a NodePort in ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`, fix: "pick a port in that range or omit it to let Kubernetes allocate one" });
    } else if (taken.has(port)) {
      problems.push({ path, message: `${port} is already used by ${taken.get(port)}`, fix: "pick another port or omit it to let Kubernetes allocate one" });
    } else {
      taken.set(port, path);
    }
  }
  problems.push(...checkUserStorage(options), ...checkExtraObjects(cluster, options));
  const claim = nodeStorageClaim(options);
  if (claim !== undefined && !/^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.test(claim.size)) {
    problems.push({ path: "options.nodeStorage.size", message: `"${claim.size}" is not a Kubernetes quantity`, fix: "write a size such as 50Gi" });
  }
  return problems;
}

/** Paths a vNode already mounts something at (a user mount must not sit on or under them). */
const VNODE_MOUNTED = [VNODE_CONFIG_DIR, "/lib/modules", "/run", "/tmp", "/sys", "/proc", "/dev", ...Object.values(VNODE_STATE_PATHS)];

function checkUserStorage(options: HostRenderOptions): Problem[] {
  const storage = options.userStorage;
  if (!storage) return [];
  const problems: Problem[] = [];
  if (!isDns1123Subdomain(storage.claimName)) {
    problems.push({ path: "options.userStorage.claimName", message: `${quote(storage.claimName)} is not a claim name`, fix: "use lower-case letters, digits, - and ." });
  }
  const mountPath = storage.mountPath ?? HOST_RENDER_DEFAULTS.userStorageMountPath;
  const clash = VNODE_MOUNTED.find((p) => mountPath === p || mountPath.startsWith(`${p}/`) || p.startsWith(`${mountPath}/`));
  if (!isAbsoluteDirectory(mountPath)) {
    problems.push({ path: "options.userStorage.mountPath", message: `${quote(mountPath)} is not an absolute directory`, fix: `use a path such as ${HOST_RENDER_DEFAULTS.userStorageMountPath}` });
  } else if (clash) {
    problems.push({ path: "options.userStorage.mountPath", message: `${mountPath} overlaps ${clash}, which the vNode already mounts`, fix: `use a path of its own such as ${HOST_RENDER_DEFAULTS.userStorageMountPath}` });
  }
  return problems;
}

function checkExtraObjects(cluster: ResolvedCluster, options: HostRenderOptions): Problem[] {
  return (options.extraObjects ?? []).flatMap((o, i): Problem[] => {
    const path = `options.extraObjects[${i}]`;
    if (o.kind === "Namespace") return [{ path, message: `Namespace ${o.metadata.name} cannot be an extra object`, fix: "vk8s renders the cluster's namespace itself" }];
    if (o.metadata.namespace !== cluster.namespace) {
      return [{ path: `${path}.metadata.namespace`, message: `${o.kind} ${o.metadata.name} is in ${quote(o.metadata.namespace ?? null)}, not ${cluster.namespace}`, fix: `put it in ${cluster.namespace}` }];
    }
    return [];
  });
}

/**
 * The host objects of `cluster`, in a stable order: Namespace, `options.extraObjects`, boot ConfigMap, SSH
 * ConfigMap, headless Service, one StatefulSet per vNode (input order), access
 * Deployment, SSH Service, API server Service, one Service per `ports[]` entry.
 * Optional fields left out are absent (never `undefined`).
 * Throws `Vk8sValidationError` (`cannot render virtual cluster "a":`) on invalid options or on two objects of the same kind and name (a `ports[]`
 * name such as `ssh` that collides with a vk8s Service).
 */
export function renderHostObjects(cluster: ResolvedCluster, options: HostRenderOptions = {}): K8sObject[] {
  const problems = checkHostRenderOptions(cluster, options);
  if (problems.length > 0) {
    throw new Vk8sValidationError({ kind: "virtual cluster", name: cluster.name, verb: "cannot render" }, problems);
  }
  const objects: K8sObject[] = [
    renderNamespace(cluster, options),
    ...(options.extraObjects ?? []),
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
      throw new Vk8sValidationError({ kind: "virtual cluster", name: cluster.name, verb: "cannot render" }, [problem]);
    }
    seen.add(id);
  }
}

/**
 * Warnings about host render choices that are allowed but lose something, as lines
 * `hostRender.<field>: ...` (`Vk8sCluster` logs them as Pulumi warnings): today an
 * `emptyDir` node state, which a re-created vNode pod loses.
 */
export function hostRenderWarnings(options: HostRenderOptions): string[] {
  if (options.nodeStorage !== "emptyDir") return [];
  return [
    "hostRender.nodeStorage: \"emptyDir\" keeps each vNode's node state (etcd, images, kubelet) only as long as its pod: " +
      "a re-created vNode pod is a fresh node that the next `pulumi up` bootstraps again, and what ran on it is gone " +
      "(omit nodeStorage to keep the state on a claim of the host's default StorageClass)",
  ];
}
