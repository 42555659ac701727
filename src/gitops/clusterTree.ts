/**
 * Every file GitOps reviewers see for one cluster: the host manifests
 * (`host/<kind>-<name>.yaml`) and the exact bootstrap scripts the remote commands run
 * (`bootstrap/<NN>-<step>.sh`; secrets are read from stdin, never written). Sorted by path.
 */
import { renderBootstrapFiles } from "../bootstrap/files";
import type { BootstrapOptionsInput } from "../bootstrap/types";
import { renderClusterFiles, type RenderedFile } from "../render/files";
import type { HostRenderOptions } from "../render/types";
import type { ResolvedCluster } from "../cluster/resolved";

export function renderClusterTree(
  cluster: ResolvedCluster,
  options: { host?: HostRenderOptions; bootstrap?: BootstrapOptionsInput } = {},
): RenderedFile[] {
  return [...renderClusterFiles(cluster, options.host), ...renderBootstrapFiles(cluster, options.bootstrap)]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
