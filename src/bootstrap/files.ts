/**
 * The bootstrap as files, for `vk8s render` and GitOps review: `bootstrap/<id>.sh`, the
 * exact scripts the commands run, in plan order. Secrets are not in them by construction:
 * a script that needs one reads it from stdin (its header says which), and a removed
 * worker's delete script is written as `bootstrap/<id>.delete.sh`.
 */
import type { ResolvedCluster } from "../spec/resolved";
import { planBootstrap } from "./plan";
import type { BootstrapOptionsInput } from "./types";

export interface RenderedFile {
  /** Relative path, e.g. `bootstrap/02-kubeadm-init.sh`. */
  path: string;
  content: string;
}

export function renderBootstrapFiles(cluster: ResolvedCluster, options?: BootstrapOptionsInput): RenderedFile[] {
  return planBootstrap(cluster, options).flatMap((step) => [
    { path: `bootstrap/${step.id}.sh`, content: step.script },
    ...(step.deleteScript ? [{ path: `bootstrap/${step.id}.delete.sh`, content: step.deleteScript }] : []),
  ]);
}
