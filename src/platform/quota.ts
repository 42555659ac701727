/**
 * A tenant's share of the host: a `ResourceQuota` and a `LimitRange` in its namespace,
 * sized from its quota, and the check that its virtual cluster fits in them (GPUs too)
 * before anything is created.
 *
 * The quota bounds *requests* (`requests.cpu`, `requests.memory`,
 * `requests.nvidia.com/gpu`, `requests.storage`), not limits: a vNode without a limit
 * would be given the LimitRange's default limit, and a `limits.*` quota would then count
 * the whole quota per vNode. The LimitRange caps any one container at the quota (`max`,
 * and the same as its `default` limit) and gives containers without requests (the access
 * pod) `defaultRequest`, which the fit check counts. The quota also allows exactly the
 * NodePort Services vk8s creates and no LoadBalancer.
 */
import { quote } from "../core/errors";
import type { Problem } from "../core/errors";
import { Quantity } from "../core/quantity";
import type { ResolvedCluster } from "../cluster/resolved";
import type { K8sObject } from "../render/types";
import { GPU_RESOURCE } from "../core/labels";
import type { TenantQuotaInput } from "./types";

/** A tenant's quota with canonical quantities. */
export interface ResolvedQuota {
  cpu: string;
  memory: string;
  gpus: number;
  storage: string;
}

const NANO = 1_000_000_000n;

/** `nanos` (1e-9 units) printed as Kubernetes would: binary suffixes for bytes when whole. */
export function formatQuantity(nanos: bigint, binary: boolean): string {
  if (binary && nanos % NANO === 0n && (nanos / NANO) % 1024n === 0n && nanos > 0n) {
    return String((Quantity.parse(`${nanos / NANO / 1024n}Ki`) as { quantity: Quantity }).quantity);
  }
  return String((Quantity.parse(`${nanos}n`) as { quantity: Quantity }).quantity);
}

function parse(value: string | number): Quantity | undefined {
  const r = Quantity.parse(value);
  return "quantity" in r && !r.quantity.isNegative() ? r.quantity : undefined;
}

/** The tenant's quota, each field from the tenant or else from the platform defaults; every problem at once. */
export function resolveQuota(path: string, input: TenantQuotaInput | undefined, defaults: TenantQuotaInput | undefined): { quota?: ResolvedQuota; problems: Problem[] } {
  const merged: TenantQuotaInput = { ...defaults, ...stripUndefined(input) };
  const problems: Problem[] = [];
  const out: Partial<ResolvedQuota> = {};
  for (const [field, example, binary] of [["cpu", "16", false], ["memory", "64Gi", true], ["storage", "200Gi", true]] as const) {
    const value = merged[field];
    if (value === undefined) {
      problems.push({ path: `${path}.quota.${field}`, message: "is missing", fix: `give the tenant's ${field}, e.g. ${example}, or settings.defaults.quota.${field}` });
      continue;
    }
    const q = typeof value === "string" || typeof value === "number" ? parse(value) : undefined;
    if (!q) {
      problems.push({ path: `${path}.quota.${field}`, message: `${quote(value)} is not a quantity of zero or more`, fix: `write it like ${example}` });
      continue;
    }
    out[field] = formatQuantity(q.nanos, binary);
  }
  const gpus = merged.gpus ?? 0;
  if (!Number.isInteger(gpus) || gpus < 0) {
    problems.push({ path: `${path}.quota.gpus`, message: `${quote(gpus)} is not a whole number of GPUs`, fix: "give 0 or more whole GPUs" });
  } else {
    out.gpus = gpus;
  }
  return problems.length > 0 ? { problems } : { quota: out as ResolvedQuota, problems };
}

function stripUndefined<T extends object>(o: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** What a container without requests gets (LimitRange `defaultRequest`). */
export interface DefaultRequest {
  cpu: string;
  memory: string;
}

/** The request Kubernetes will account for one vNode: its request, else its limit (API defaulting), else the LimitRange's. */
function effectiveRequest(node: ResolvedCluster["nodes"][number], resource: "cpu" | "memory", defaults: DefaultRequest): Quantity {
  return parse(node.requests[resource] ?? node.limits[resource] ?? defaults[resource]) as Quantity;
}

/**
 * Problems when the tenant's pods do not fit its quota: the sum of the vNodes' and the
 * access pod's requests per resource, the GPUs, the storage claim, and any one container's
 * limit against the LimitRange `max`. Messages name the user, the resource, the sum and the quota.
 */
export function checkQuotaFit(path: string, user: string, cluster: ResolvedCluster, quota: ResolvedQuota, storageSize: string, defaults: DefaultRequest): Problem[] {
  const problems: Problem[] = [];
  for (const [resource, binary, unit] of [["cpu", false, "CPU"], ["memory", true, "memory"]] as const) {
    const limit = parse(quota[resource]) as Quantity;
    const dflt = parse(defaults[resource]);
    if (!dflt || dflt.compare(limit) > 0) {
      problems.push({ path: `settings.defaultRequest.${resource}`, message: `${defaults[resource]} is not a quantity within user ${user}'s quota.${resource} ${quota[resource]}`, fix: "lower settings.defaultRequest or raise the quota" });
      continue;
    }
    const parts = cluster.nodes.map((n) => ({ what: n.name, q: effectiveRequest(n, resource, defaults) }));
    parts.push({ what: "access pod", q: dflt });
    const sum = parts.reduce((s, p) => s + p.q.nanos, 0n);
    if (sum > limit.nanos) {
      const detail = parts.map((p) => `${p.what} ${formatQuantity(p.q.nanos, binary)}`).join(", ");
      problems.push({
        path: `${path}.quota.${resource}`,
        message: `user ${user}'s pods request ${formatQuantity(sum, binary)} ${unit} in total (${detail}), more than the quota ${quota[resource]}`,
        fix: `raise quota.${resource} to at least ${formatQuantity(sum, binary)} or lower the vNodes' requests`,
      });
    }
    for (const node of cluster.nodes) {
      const own = node.limits[resource] ?? node.requests[resource];
      if (own !== undefined && (parse(own) as Quantity).compare(limit) > 0) {
        problems.push({
          path: `${path}.cluster.nodes[${node.index}].resources.limits.${resource}`,
          message: `vNode ${node.name} of user ${user} asks for ${own} ${unit}, more than the whole quota ${quota[resource]} (the LimitRange max of one container)`,
          fix: `lower it to at most ${quota[resource]} or raise quota.${resource}`,
        });
      }
    }
  }
  const gpuNodes = cluster.nodes.filter((n) => n.gpus > 0);
  const gpus = gpuNodes.reduce((s, n) => s + n.gpus, 0);
  if (gpus > quota.gpus) {
    problems.push({
      path: `${path}.quota.gpus`,
      message: `user ${user}'s vNodes take ${gpus} GPU(s) in total (${gpuNodes.map((n) => `${n.name} ${n.gpus}`).join(", ")}), more than the quota ${quota.gpus}`,
      fix: `raise quota.gpus to at least ${gpus} or give the vNodes fewer GPUs`,
    });
  }
  const size = parse(storageSize);
  const storage = parse(quota.storage) as Quantity;
  if (size && size.compare(storage) > 0) {
    problems.push({
      path: `${path}.quota.storage`,
      message: `user ${user}'s storage claim of ${storageSize} is more than the quota ${quota.storage}`,
      fix: `raise quota.storage to at least ${storageSize} or lower storage.size`,
    });
  }
  return problems;
}

/**
 * The claims vk8s itself makes in a tenant's namespace: each vNode's node-state claim
 * (`hostRender.nodeStorage`, one per vNode StatefulSet, src/render/vnode.ts). The quota's
 * `storage` is the user's; these are added on top, so the quota never refuses a vNode its
 * node state. `undefined` when the node state is an emptyDir.
 */
export interface NodeStateClaims {
  /** Size of one claim, a Kubernetes quantity, e.g. `50Gi`. */
  size: string;
  /** How many (one per vNode). */
  count: number;
}

/** `quota.storage` plus every node-state claim, as the ResourceQuota's `requests.storage`. */
export function storageRequestsHard(quota: ResolvedQuota, nodeClaims: NodeStateClaims | undefined): string {
  if (!nodeClaims) return quota.storage;
  const user = parse(quota.storage) as Quantity;
  const claim = parse(nodeClaims.size) as Quantity;
  return formatQuantity(user.nanos + claim.nanos * BigInt(nodeClaims.count), true);
}

/**
 * `ResourceQuota <name>-quota`: requests, GPUs, storage (the user's `quota.storage` plus the
 * vNodes' node-state claims), and exactly `nodePorts` NodePort Services.
 */
export function renderResourceQuota(cluster: ResolvedCluster, quota: ResolvedQuota, nodePorts: number, labels: Record<string, string>, nodeClaims?: NodeStateClaims): K8sObject {
  return {
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: { name: `${cluster.name}-quota`, namespace: cluster.namespace, labels },
    spec: {
      hard: {
        "requests.cpu": quota.cpu,
        "requests.memory": quota.memory,
        [`requests.${GPU_RESOURCE}`]: String(quota.gpus),
        "requests.storage": storageRequestsHard(quota, nodeClaims),
        "services.loadbalancers": "0",
        "services.nodeports": String(nodePorts),
      },
    },
  };
}

/**
 * `LimitRange <name>-limits`: one container at most the quota, `defaultRequest` for those
 * without requests; one claim at most the larger of `quota.storage` and a node-state claim.
 */
export function renderLimitRange(cluster: ResolvedCluster, quota: ResolvedQuota, defaults: DefaultRequest, labels: Record<string, string>, nodeClaims?: NodeStateClaims): K8sObject {
  const max = { cpu: quota.cpu, memory: quota.memory };
  const userClaim = parse(quota.storage) as Quantity;
  const nodeClaim = nodeClaims ? parse(nodeClaims.size) : undefined;
  const claimMax = nodeClaim && nodeClaim.compare(userClaim) > 0 ? nodeClaims!.size : quota.storage;
  return {
    apiVersion: "v1",
    kind: "LimitRange",
    metadata: { name: `${cluster.name}-limits`, namespace: cluster.namespace, labels },
    spec: {
      limits: [
        { type: "Container", max, default: max, defaultRequest: { cpu: defaults.cpu, memory: defaults.memory } },
        { type: "PersistentVolumeClaim", max: { storage: claimMax } },
      ],
    },
  };
}

