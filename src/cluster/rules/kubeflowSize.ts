/**
 * The size check: do the vNodes' limits hold what the chosen Kubeflow components request?
 * A warning, not an error (the figures are estimates, `src/matrix/components.ts`), so it
 * is separate from validation: `vk8s validate` prints the lines (exit 0), `Vk8sCluster`
 * logs them as Pulumi warnings.
 */
import { componentsSize } from "../../matrix/components";
import { Quantity } from "../../core/quantity";
import type { ResolvedCluster } from "../resolved";

/**
 * What the Kubeflow components need beyond the sum of the vNodes' limits (or, for a vNode
 * without a limit, its request: what the host promises it), as warning lines
 * `kubeflow.components: ...`; empty when it fits or when no vNode bounds a resource.
 * Kubernetes' own pods (control plane, calico, CoreDNS) are not counted: the real margin is smaller.
 */
export function kubeflowSizeWarnings(cluster: ResolvedCluster): string[] {
  const line = cluster.matrix.kubeflow.kubeflow;
  const need = componentsSize(line, cluster.kubeflow.components);
  const what = cluster.kubeflow.components === undefined ? `the full Kubeflow ${line} example` : `Kubeflow ${line} with ${cluster.kubeflow.components.join(", ")}`;
  const warnings: string[] = [];
  const check = (resource: "cpu" | "memory", needed: number, unit: (n: number) => string, toUnits: (q: Quantity) => number) => {
    let total = 0;
    for (const node of cluster.nodes) {
      const text = node.limits[resource] ?? node.requests[resource];
      if (text === undefined) return; // unbounded: nothing to say
      const parsed = Quantity.parse(text);
      if ("error" in parsed) return;
      total += toUnits(parsed.quantity);
    }
    if (total < needed) {
      warnings.push(
        `kubeflow.components: ${what} requests about ${unit(needed)} ${resource}, the vNodes' limits hold ${unit(total)}: ${unit(needed - total)} missing ` +
          `(raise nodes[].resources.limits.${resource}, add a worker, or choose fewer kubeflow.components; figures: src/matrix/components.ts)`,
      );
    }
  };
  check("cpu", need.cpu, (m) => `${(m / 1000).toFixed(2)}`, (q) => Number(q.nanos / 1_000_000n));
  check("memory", need.memoryMi, (mi) => `${(mi / 1024).toFixed(1)}Gi`, (q) => Number(q.nanos / 1_000_000_000n) / 1048576);
  return warnings;
}
