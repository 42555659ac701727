/**
 * flannel, the inner cluster's CNI when `cni: flannel` (program flannel.sh): the objects of
 * `../flannel.ts` rendered to one file (flannel/kube-flannel.yaml), applied, then the
 * DaemonSet's rollout and the master's Ready condition awaited. The vNode interface is named
 * (`--iface=<nodeInterface>`), as calico's patch names it.
 */
import { stringify } from "yaml";
import { flannelObjects } from "../flannel";
import type { StepProgram } from "../types";
import type { StepContext } from "./context";

/** The rendered kube-flannel.yaml (documents in apply order). */
export function flannelManifest(ctx: StepContext): string {
  return flannelObjects({
    podNetworkCidr: ctx.cluster.network.podNetworkCidr,
    nodeInterface: ctx.options.nodeInterface,
    image: ctx.options.flannelImage,
  }).map((o) => stringify(o, { sortMapEntries: true })).join("---\n");
}

export function flannelRun(ctx: StepContext): StepProgram {
  return {
    program: "flannel.sh",
    env: { VK8S_MASTER: ctx.cluster.master.name, VK8S_WAIT_TIMEOUT: String(ctx.options.waitTimeoutSeconds) },
    files: [{ path: "flannel/kube-flannel.yaml", content: flannelManifest(ctx) }],
  };
}
