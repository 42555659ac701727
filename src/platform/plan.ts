/**
 * The plan of a platform: for every user, its validated virtual cluster with NodePorts
 * filled in, and the tenant objects around it (quota, limit range, network policies,
 * storage claim, storage inside the virtual cluster). Pure: `Vk8sPlatform` registers it,
 * `vk8s render --platform` writes it. Every problem of every user is reported at once.
 */
import type { Problem } from "../core/errors";
import type { ResolvedCluster } from "../cluster/resolved";
import type { PortInput } from "../cluster/schema";
import { validateCluster } from "../cluster/validate";
import { checkHostRenderOptions } from "../render/host";
import { clusterObjectLabels } from "../render/labels";
import type { HostRenderOptions, K8sObject } from "../render/types";
import { nodeStorageClaim } from "../render/vnode";
import { userPath } from "./errors";
import { Vk8sValidationError } from "../core/errors";
import { renderNetworkPolicies } from "./network";
import { allocateNodePorts, type PortRequest, type PortWant, type TenantNodePorts } from "./ports";
import { checkQuotaFit, renderLimitRange, renderResourceQuota, resolveQuota, type DefaultRequest, type ResolvedQuota } from "./quota";
import { renderStorageClaim, renderVirtualStorage, resolveStorage, storageClaimName, type ResolvedStorage } from "./storage";
import { PLATFORM_DEFAULTS, TENANT_LABEL, type PlatformSettings, type TenantClusterSpec, type TenantInput } from "./types";
import { setPasswordCommand } from "./secrets";
import { checkPlatformSettings, checkTenantFields } from "./settings";
import { renderHostPreparation } from "./hostPreparation";

/**
 * Stands in for the Kubeflow password while planning: passwords are secrets the plan never
 * sees; `Vk8sCluster` checks the real one. It never reaches a rendered file.
 */
export const PLAN_PASSWORD_PLACEHOLDER = "vk8s-platform-password-is-a-secret";

/** Settings with every default applied. */
export interface ResolvedPlatformSettings {
  nodePortRange: { min: number; max: number };
  portBlockSize: number;
  defaults: NonNullable<PlatformSettings["defaults"]>;
  hostCidrs: string[];
  defaultRequest: DefaultRequest;
  dns: { namespace: string; podLabels: Record<string, string> };
  vNodeInternetEgress: boolean;
  storageMountPath: string;
  kubeflowTargetPort: number;
}

/** One user's part of the plan. */
export interface TenantPlan {
  name: string;
  /** Path prefix of the user's fields in messages, e.g. `users["team-a"]`. */
  path: string;
  /** The validated cluster (it holds no password, see `ResolvedCluster`). */
  cluster: ResolvedCluster;
  /** The spec to give `Vk8sCluster`: the user's, with every NodePort filled in and no password. */
  spec: Omit<TenantClusterSpec, "ports"> & { ports: PortInput[] };
  nodePorts: TenantNodePorts;
  sshNodePort: number;
  /** `undefined` when the user's API server is not exposed. */
  apiServerNodePort?: number;
  quota: ResolvedQuota;
  storage: ResolvedStorage;
  /** Host render options of the user's cluster: tenant label, storage mount, tenant objects. */
  hostRender: HostRenderOptions;
  /** The tenant objects in the user's namespace (also in `hostRender.extraObjects`). */
  tenantObjects: K8sObject[];
  /** Objects inside the virtual cluster: the user's storage offered to its pods. */
  virtualObjects: K8sObject[];
}

export interface PlatformPlan {
  settings: ResolvedPlatformSettings;
  tenants: TenantPlan[];
  /** Host objects of the platform as a whole: the host-preparation DaemonSet when turned on. */
  hostObjects: K8sObject[];
}

export function resolvePlatformSettings(settings: PlatformSettings = {}): ResolvedPlatformSettings {
  return {
    nodePortRange: settings.nodePortRange ?? { ...PLATFORM_DEFAULTS.nodePortRange },
    portBlockSize: settings.portBlockSize ?? PLATFORM_DEFAULTS.portBlockSize,
    defaults: settings.defaults ?? {},
    hostCidrs: settings.hostCidrs ?? [],
    defaultRequest: { ...PLATFORM_DEFAULTS.defaultRequest, ...settings.defaultRequest },
    dns: settings.dns ?? PLATFORM_DEFAULTS.dns,
    vNodeInternetEgress: settings.vNodeInternetEgress ?? PLATFORM_DEFAULTS.vNodeInternetEgress,
    storageMountPath: settings.storageMountPath ?? PLATFORM_DEFAULTS.storageMountPath,
    kubeflowTargetPort: settings.kubeflowTargetPort ?? PLATFORM_DEFAULTS.kubeflowTargetPort,
  };
}

/** The user's `ports[]` with a `kubeflow` entry added when missing (its port to allocate). */
function tenantPorts(spec: TenantClusterSpec, settings: ResolvedPlatformSettings): NonNullable<TenantClusterSpec["ports"]> {
  const ports = Array.isArray(spec.ports) ? spec.ports : [];
  return ports.some((p) => p?.name === "kubeflow") ? ports : [{ name: "kubeflow", targetPort: settings.kubeflowTargetPort }, ...ports];
}

function portRequest(user: TenantInput, path: string, ports: NonNullable<TenantClusterSpec["ports"]>): PortRequest {
  const spec = user.cluster ?? ({} as TenantClusterSpec);
  const given = spec.ports ?? [];
  const wants: PortWant[] = [];
  const indexOf = (name: string) => (Array.isArray(given) ? given.findIndex((p) => p?.name === name) : -1);
  const kubeflow = ports.find((p) => p?.name === "kubeflow")!;
  wants.push({ name: "kubeflow", port: kubeflow.port, path: `${path}.cluster.ports[${indexOf("kubeflow")}].port` });
  wants.push({ name: "ssh", port: user.nodePorts?.ssh, path: `${path}.nodePorts.ssh` });
  if (user.nodePorts?.apiServer !== false) wants.push({ name: "apiserver", port: user.nodePorts?.apiServer, path: `${path}.nodePorts.apiServer` });
  for (const p of ports) {
    if (!p || p.name === "kubeflow" || typeof p.name !== "string") continue; // a malformed entry is reported by the validation
    wants.push({ name: p.name, port: p.port, path: `${path}.cluster.ports[${indexOf(p.name)}].port` });
  }
  return { user: user.name, path, wants, block: user.nodePorts?.block };
}

/** Checks every user and plans the platform; throws `Vk8sValidationError` (subject `vk8s platform`) with every problem. */
export function planPlatform(users: readonly TenantInput[], settingsInput: PlatformSettings = {}): PlatformPlan {
  // The settings shape every user's plan: nothing is planned on settings that are wrong.
  const settingsProblems = checkPlatformSettings(settingsInput);
  if (settingsProblems.length > 0) throw new Vk8sValidationError({ kind: "vk8s platform" }, settingsProblems);
  const settings = resolvePlatformSettings(settingsInput);
  const problems: Problem[] = [];
  const tenantProblems = users.map((u, i) => checkTenantFields(userPath(u.name, i), u));
  problems.push(...tenantProblems.flat());
  const seen = new Map<string, number>();
  users.forEach((u, i) => {
    const first = seen.get(u.name);
    if (first !== undefined) problems.push({ path: `users[${i}].name`, message: `user ${u.name} is also users[${first}]`, fix: "give every user a unique name" });
    else seen.set(u.name, i);
  });
  const ports = users.map((u) => tenantPorts(u.cluster ?? ({} as TenantClusterSpec), settings));
  const allocation = allocateNodePorts(
    users.map((u, i) => portRequest(u, userPath(u.name, i), ports[i])),
    { range: settings.nodePortRange, blockSize: settings.portBlockSize },
  );
  problems.push(...allocation.problems);

  const tenants: TenantPlan[] = [];
  users.forEach((user, i) => {
    if (tenantProblems[i].length > 0) return; // its quota, storage or nodePorts are not what planning reads
    const path = userPath(user.name, i);
    const nodePorts = allocation.allocations[i];
    const result = planTenant(user, path, ports[i], nodePorts, settings);
    const portsFailed = allocation.problems.some((p) => p.path.startsWith(`${path}.`));
    // A port the allocator could not give is already reported; the spec check would only repeat it.
    problems.push(...result.problems.filter((p) => !(portsFailed && /\.cluster\.ports\[\d+\]\.port$/.test(p.path))));
    if (result.tenant) tenants.push(result.tenant);
  });
  if (problems.length > 0) throw new Vk8sValidationError({ kind: "vk8s platform" }, problems);
  return { settings, tenants, hostObjects: renderHostPreparation(settingsInput.hostPreparation) };
}

function planTenant(
  user: TenantInput,
  path: string,
  ports: NonNullable<TenantClusterSpec["ports"]>,
  nodePorts: TenantNodePorts,
  settings: ResolvedPlatformSettings,
): { tenant?: TenantPlan; problems: Problem[] } {
  const problems: Problem[] = [];
  const spec = user.cluster ?? ({} as TenantClusterSpec);
  const kubeflow = (spec.kubeflow ?? {}) as TenantClusterSpec["kubeflow"] & { password?: unknown };
  if (kubeflow.password !== undefined) {
    problems.push({
      path: `${path}.cluster.kubeflow.password`,
      message: "a plain password is not accepted in the platform's users",
      fix: `remove it and keep it as a secret: ${setPasswordCommand(user.name)}`,
    });
  }
  const allocated = (name: unknown) => (typeof name === "string" && Object.hasOwn(nodePorts.ports, name) ? nodePorts.ports[name] : undefined);
  const filledPorts = ports.map((p) => (p !== null && typeof p === "object" ? { ...p, port: p.port ?? allocated(p.name) } : p)) as PortInput[];
  const { password: _ignored, ...kubeflowSpec } = kubeflow;
  const filled = { ...spec, kubeflow: kubeflowSpec, ports: filledPorts };
  const validation = validateCluster(user.name, { ...filled, kubeflow: { ...kubeflowSpec, password: PLAN_PASSWORD_PLACEHOLDER } }, { hostCidrs: settings.hostCidrs });
  if (!validation.ok) {
    problems.push(...validation.problems.map((p) => ({
      path: p.path === "name" ? `${path}.name` : `${path}.cluster.${p.path}`,
      // The platform passes its host CIDRs as the validation's options.
      message: p.message.replace(/options\.hostCidrs/g, "settings.hostCidrs"),
      fix: p.fix.replace(/options\.hostCidrs/g, "settings.hostCidrs"),
    })));
  }
  const quota = resolveQuota(path, user.quota, settings.defaults.quota);
  problems.push(...quota.problems);
  if (!validation.ok || !quota.quota) return { problems };

  const cluster = validation.cluster;
  const storage = resolveStorage(path, cluster, user.storage, settings.defaults.storage, settings.storageMountPath);
  problems.push(...storage.problems);
  if (!storage.storage) return { problems };
  problems.push(...checkQuotaFit(path, user.name, cluster, quota.quota, storage.storage.size, settings.defaultRequest));

  const sshNodePort = nodePorts.ports.ssh;
  const apiServerNodePort = user.nodePorts?.apiServer === false ? undefined : nodePorts.ports.apiserver;
  const labels = { ...clusterObjectLabels(cluster), [TENANT_LABEL]: cluster.name };
  // The vNodes' node-state claims (the default render options: a claim per vNode) are counted on top of the user's storage.
  const nodeClaim = nodeStorageClaim({});
  const nodeClaims = nodeClaim ? { size: nodeClaim.size, count: cluster.nodes.length } : undefined;
  const tenantObjects = [
    renderResourceQuota(cluster, quota.quota, cluster.ports.length + 1 + (apiServerNodePort === undefined ? 0 : 1), labels, nodeClaims),
    renderLimitRange(cluster, quota.quota, settings.defaultRequest, labels, nodeClaims),
    ...renderNetworkPolicies(cluster, {
      apiServerExposed: apiServerNodePort !== undefined,
      dns: settings.dns,
      vNodeInternetEgress: settings.vNodeInternetEgress,
      hostCidrs: settings.hostCidrs,
      labels,
    }),
    renderStorageClaim(cluster, storage.storage, labels),
  ];
  const hostRender: HostRenderOptions = {
    sshNodePort,
    apiServerNodePort,
    namespaceLabels: { [TENANT_LABEL]: cluster.name },
    userStorage: { claimName: storageClaimName(cluster), mountPath: storage.storage.mountPath },
    extraObjects: tenantObjects,
  };
  problems.push(...checkHostRenderOptions(cluster, hostRender).map((p) => ({ ...p, path: `${path}.${p.path.replace(/^options\./, "hostRender.")}` })));
  if (problems.length > 0) return { problems };
  return {
    problems,
    tenant: {
      name: cluster.name,
      path,
      cluster,
      spec: filled as TenantPlan["spec"],
      nodePorts,
      sshNodePort,
      apiServerNodePort,
      quota: quota.quota,
      storage: storage.storage,
      hostRender,
      tenantObjects,
      virtualObjects: renderVirtualStorage(storage.storage),
    },
  };
}
