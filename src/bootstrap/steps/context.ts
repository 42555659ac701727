/** What every step renderer reads: the cluster, the options and values derived once. */
import type { KubeflowRow } from "../../matrix/types";
import type { ResolvedCluster, ResolvedNode } from "../../cluster/resolved";
import type { BootstrapOptions } from "../types";

export interface StepContext {
  cluster: ResolvedCluster;
  options: BootstrapOptions;
  row: KubeflowRow;
  /** `v1.20.15`, as kubeadm wants it. */
  kubernetesVersion: string;
  /** `1.20`. */
  kubernetesMinor: string;
  /** `<master hostname>:6443`: the stable address workers join (the pod IP changes on restart). */
  controlPlaneEndpoint: string;
  /** kustomize version without `v` or `+`, e.g. `3.2.0`. */
  kustomizeVersion: string;
}

/** Label every inner node carries (set by its kubelet at registration): the GPUs its vNode was given. */
export const GPU_LABEL = "vk8s.io/gpus";

export function workers(ctx: StepContext): ResolvedNode[] {
  return ctx.cluster.nodes.filter((n) => n.role === "worker");
}
