/**
 * The bootstrap as files, for `vk8s render` and GitOps review, under `bootstrap/`:
 *   - `programs/<name>.sh`: the static programs the steps run (and `lib.sh`), as shipped;
 *   - `<id>.env` (and `<id>.delete.env`): each step's program and data environment, in plan order;
 *   - the steps' data files at their paths, e.g. `kubeadm/init.yaml`, `kubeadm/join-<node>.yaml`,
 *     `calico/calico-node-patch.yaml`: a changed setting shows as a changed line of config.
 * Secrets are not in them by construction: a program that needs one reads it from stdin.
 */
import type { ResolvedCluster } from "../cluster/resolved";
import { programText, renderEnv } from "./bundle";
import { planBootstrap } from "./plan";
import type { BootstrapOptionsInput, BootstrapStep, StepProgram } from "./types";

export interface RenderedFile {
  /** Relative path, e.g. `bootstrap/kubeadm/init.yaml`. */
  path: string;
  content: string;
}

function envFile(step: BootstrapStep, id: string, run: StepProgram, node: string): string {
  const stdin = step.stdin && run === step.run
    ? `# stdin: ${"secret" in step.stdin ? `secret ${step.stdin.secret}` : `the output of step ${step.stdin.stepOutput}`}\n`
    : "";
  const files = run.files.length > 0 ? `# data files: ${run.files.map((f) => f.path).join(", ")}\n` : "";
  return `# ${id}: ${step.title}\n# program: programs/${run.program}, on the vNode of node ${node}\n${stdin}${files}${renderEnv(id, run)}`;
}

export function renderBootstrapFiles(cluster: ResolvedCluster, options?: BootstrapOptionsInput): RenderedFile[] {
  const steps = planBootstrap(cluster, options);
  const runs = steps.flatMap((s) => [s.run, ...(s.deleteRun ? [s.deleteRun] : [])]);
  const programs = [...new Set(["lib.sh", ...runs.map((r) => r.program)])].sort();
  const data = new Map<string, string>();
  for (const run of runs) {
    for (const f of run.files) {
      const seen = data.get(f.path);
      if (seen !== undefined && seen !== f.content) throw new Error(`vk8s: two bootstrap steps write different ${f.path}`);
      data.set(f.path, f.content);
    }
  }
  return [
    ...programs.map((p) => ({ path: `bootstrap/programs/${p}`, content: programText(p) })),
    ...steps.flatMap((step) => [
      { path: `bootstrap/${step.id}.env`, content: envFile(step, step.id, step.run, step.node) },
      ...(step.deleteRun
        ? [{ path: `bootstrap/${step.id}.delete.env`, content: envFile(step, `${step.id}-delete`, step.deleteRun, step.deleteNode ?? step.node) }]
        : []),
    ]),
    ...[...data.keys()].sort().map((p) => ({ path: `bootstrap/${p}`, content: data.get(p)! })),
  ];
}
