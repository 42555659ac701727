/**
 * The files of one virtual cluster for GitOps (`vk8s render --out DIR` writes them under
 * `DIR/<cluster>/`): deterministic bytes, sorted by path.
 */
import type { ResolvedCluster } from "../cluster/resolved";
import { renderHostObjects } from "./host";
import type { HostRenderOptions, K8sObject } from "./types";
import { toYaml } from "./yaml";

/** One rendered file, `path` relative to the cluster's output directory. */
export interface RenderedFile {
  path: string;
  content: string;
}

/** `host/<kind lowercase>-<metadata.name>.yaml`. */
export function hostFilePath(obj: K8sObject): string {
  return `host/${obj.kind.toLowerCase()}-${obj.metadata.name}.yaml`;
}

/** Every file of the cluster, sorted by path. */
export function renderClusterFiles(cluster: ResolvedCluster, options: HostRenderOptions = {}): RenderedFile[] {
  const files: RenderedFile[] = [
    ...renderHostObjects(cluster, options).map((obj) => ({ path: hostFilePath(obj), content: toYaml(obj) })),
    // The bootstrap issue adds its steps here as `bootstrap/NN-<step>.sh` files.
  ];
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
