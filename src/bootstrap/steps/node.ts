/**
 * Kubernetes on the vNodes: wait for the kink image's prerequisites, `kubeadm init` on the
 * master with the rendered configuration, the admin kubeconfig, and `kubeadm join` of each
 * worker with a join command minted at join time (bootstrap tokens expire: a worker added
 * months later still joins). Programs: wait-master.sh, kubeadm-init.sh, kubeconfig.sh,
 * join-token.sh, join.sh, remove-worker.sh.
 */
import type { ResolvedNode } from "../../cluster/resolved";
import { VNODE_ADDRESS_FILE, VNODE_KUBEADM_INIT_FILE } from "../../render/vnode";
import { renderInitConfiguration, renderJoinConfiguration, type KubeadmInput } from "../kubeadm";
import { atLeast } from "../../core/version";
import { withVersion } from "../sources";
import type { StepProgram } from "../types";
import type { StepContext } from "./context";

/** The data file listing the image archives to preload (`url URL` / `local PATH` lines). */
export const IMAGE_ARCHIVES_FILE = "images/archives.list";

export function kubeadmInput(ctx: StepContext): KubeadmInput {
  return {
    kubernetesVersion: ctx.cluster.matrix.kubernetesVersion,
    controlPlaneEndpoint: ctx.controlPlaneEndpoint,
    apiServerExtraSans: ctx.options.apiServerExtraSans,
    ignorePreflightErrors: ctx.options.kubeadmIgnorePreflightErrors,
    imageRepository: ctx.options.kubeadmImageRepository,
    etcdImageTag: ctx.options.kubeadmEtcdImageTag,
  };
}

/** The archive list (empty when nothing is preloaded). */
export function imageArchivesList(ctx: StepContext): string {
  const version = ctx.cluster.matrix.kubernetesVersion;
  return ctx.options.imageArchives
    .map((a) => (a.kind === "mirror" ? `url ${withVersion(a.url, version)}` : `local ${withVersion(a.path, version)}`))
    .map((l) => `${l}\n`)
    .join("");
}

function preload(ctx: StepContext): { env: Record<string, string>; files: StepProgram["files"] } {
  const list = imageArchivesList(ctx);
  return list
    ? { env: { VK8S_IMAGE_ARCHIVES: IMAGE_ARCHIVES_FILE, VK8S_EXTRA_TOOLS: "ctr" }, files: [{ path: IMAGE_ARCHIVES_FILE, content: list }] }
    : { env: { VK8S_IMAGE_ARCHIVES: "", VK8S_EXTRA_TOOLS: "" }, files: [] };
}

function nodeEnv(ctx: StepContext, node: ResolvedNode): Record<string, string> {
  return {
    VK8S_NODE_NAME: node.name,
    VK8S_NODE_INTERFACE: ctx.options.nodeInterface,
    VK8S_GPUS: String(node.gpus),
    VK8S_KUBERNETES_VERSION: ctx.kubernetesVersion,
    VK8S_KUBERNETES_MINOR: ctx.kubernetesMinor,
    VK8S_WAIT_TIMEOUT: String(ctx.options.waitTimeoutSeconds),
    VK8S_NODE_ADDRESS_FILE: VNODE_ADDRESS_FILE,
  };
}

/** `01-wait-master`: the master vNode is up with what kubeadm needs. */
export function waitMasterRun(ctx: StepContext): StepProgram {
  return { program: "wait-master.sh", env: { ...nodeEnv(ctx, ctx.cluster.master), VK8S_EXTRA_TOOLS: preload(ctx).env.VK8S_EXTRA_TOOLS }, files: [] };
}

/** `02-kubeadm-init`: the control plane from `kubeadm/init.yaml`, skipped when `admin.conf` exists. */
export function kubeadmInitRun(ctx: StepContext): StepProgram {
  const images = preload(ctx);
  return {
    program: "kubeadm-init.sh",
    env: {
      VK8S_KUBEADM_CONFIG: "kubeadm/init.yaml",
      VK8S_NODE_NAME: ctx.cluster.master.name,
      VK8S_NODE_INTERFACE: ctx.options.nodeInterface,
      VK8S_WAIT_TIMEOUT: String(ctx.options.waitTimeoutSeconds),
      VK8S_IMAGE_ARCHIVES: images.env.VK8S_IMAGE_ARCHIVES,
      VK8S_NODE_ADDRESS_FILE: VNODE_ADDRESS_FILE,
      VK8S_KUBEADM_INIT_COPY: VNODE_KUBEADM_INIT_FILE,
    },
    files: [{ path: "kubeadm/init.yaml", content: renderInitConfiguration(ctx.cluster, kubeadmInput(ctx)) }, ...images.files],
  };
}

/** `03-kubeconfig`: prints the admin kubeconfig (a secret); the component rewrites the server address. */
export function kubeconfigRun(): StepProgram {
  return { program: "kubeconfig.sh", env: {}, files: [] };
}

/** `05-join-token-<node>`: mints a short-lived join command; stdout is that one line (a secret). */
export function joinTokenRun(worker: ResolvedNode): StepProgram {
  return { program: "join-token.sh", env: { VK8S_WORKER: worker.name }, files: [] };
}

/** `06-join-<node>`: joins the worker with `kubeadm/join-<node>.yaml` and the join command on stdin. */
export function joinRun(ctx: StepContext, worker: ResolvedNode, tokenStep: string): StepProgram {
  const images = preload(ctx);
  const config = `kubeadm/join-${worker.name}.yaml`;
  return {
    program: "join.sh",
    env: { ...nodeEnv(ctx, worker), ...images.env, VK8S_KUBEADM_CONFIG: config, VK8S_TOKEN_STEP: tokenStep },
    files: [{ path: config, content: renderJoinConfiguration(worker, kubeadmInput(ctx)) }, ...images.files],
  };
}

/** Delete program of `06-join-<node>`, run on the master: drain the worker and remove its node object. */
export function removeWorkerRun(ctx: StepContext, worker: ResolvedNode): StepProgram {
  return {
    program: "remove-worker.sh",
    env: {
      VK8S_WORKER: worker.name,
      VK8S_WAIT_TIMEOUT: String(ctx.options.waitTimeoutSeconds),
      VK8S_DRAIN_EMPTYDIR_FLAG: atLeast(ctx.kubernetesMinor, "1.20") ? "--delete-emptydir-data" : "--delete-local-data",
    },
    files: [],
  };
}
