/**
 * Rules for `nodes[i].resources`: quantities, requests <= limits, whole GPUs, and the
 * Kubernetes rule for extended resources (`nvidia.com/gpu`): request = limit.
 */
import { formatPath, type PathSegment, type Problem } from "../../core/errors";
import { GPU_RESOURCE } from "../../core/labels";
import { isExtendedResource, resourceNameError } from "../../core/names";
import { Quantity } from "../../core/quantity";
import type { LooseSpec } from "../shape";


type LooseResources = NonNullable<NonNullable<NonNullable<LooseSpec["nodes"]>[number]>["resources"]>;

export function checkResources(base: PathSegment[], resources: LooseResources | undefined): Problem[] {
  if (!resources) return [];
  const problems: Problem[] = [];
  const parsed: Record<"requests" | "limits", Map<string, Quantity>> = { requests: new Map(), limits: new Map() };
  for (const kind of ["requests", "limits"] as const) {
    for (const [name, raw] of Object.entries(resources[kind] ?? {})) {
      if (raw === undefined) continue;
      const path = formatPath([...base, kind, name]);
      const nameError = resourceNameError(name);
      if (nameError) {
        problems.push({ path, message: nameError, fix: `use cpu, memory, ephemeral-storage, hugepages-<size> or a domain-qualified name such as ${GPU_RESOURCE}` });
        continue;
      }
      const result = Quantity.parse(raw);
      if ("error" in result) {
        problems.push({ path, message: result.error, fix: `write a quantity such as "1", "500m" or 16Gi` });
        continue;
      }
      const q = result.quantity;
      if (q.isNegative()) {
        problems.push({ path, message: `must not be negative, got ${q}`, fix: "use zero or more" });
        continue;
      }
      if (isExtendedResource(name) && !q.isWhole()) {
        const what = name === GPU_RESOURCE ? "GPU count" : `${name} (an extended resource)`;
        problems.push({ path, message: `${what} must be a whole number, got ${q}`, fix: name === GPU_RESOURCE ? "give whole GPUs, e.g. 1" : "give a whole number" });
        continue;
      }
      parsed[kind].set(name, q);
    }
  }
  for (const [name, request] of parsed.requests) {
    const limit = parsed.limits.get(name);
    if (!limit) continue;
    const path = formatPath([...base, "requests", name]);
    const limitPath = formatPath([...base, "limits", name]);
    if (isExtendedResource(name) && request.compare(limit) !== 0) {
      problems.push({
        path,
        message: `request ${request} differs from the limit ${limit}; Kubernetes requires request = limit for ${name}`,
        fix: `set both to the same number, or give ${name} in limits only`,
      });
    } else if (request.compare(limit) > 0) {
      problems.push({ path, message: `request ${request} is more than the limit ${limit}`, fix: `lower the request or raise ${limitPath}` });
    }
  }
  return problems;
}

/**
 * Normalised requests and limits of a valid node, keys sorted. Extended resources
 * (GPUs) are written on both sides, as Kubernetes would default them.
 */
export function normaliseResources(resources: LooseResources | undefined): {
  requests: Record<string, string>;
  limits: Record<string, string>;
  gpus: number;
} {
  const parse = (m: Record<string, string | number | undefined> | undefined) =>
    new Map(
      Object.entries(m ?? {})
        .filter((e): e is [string, string | number] => e[1] !== undefined)
        .map(([k, v]) => [k, (Quantity.parse(v) as { quantity: Quantity }).quantity]),
    );
  const requests = parse(resources?.requests);
  const limits = parse(resources?.limits);
  for (const name of new Set([...requests.keys(), ...limits.keys()])) {
    if (!isExtendedResource(name)) continue;
    const value = (limits.get(name) ?? requests.get(name)) as Quantity;
    requests.set(name, value);
    limits.set(name, value);
  }
  const sorted = (m: Map<string, Quantity>) =>
    Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, q]) => [k, String(q)]));
  const gpus = Number(limits.get(GPU_RESOURCE)?.wholeUnits() ?? 0n);
  return { requests: sorted(requests), limits: sorted(limits), gpus };
}
