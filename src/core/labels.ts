/**
 * The labels vk8s sets on its host objects, defined once (reference, section 2): the
 * renderer (`src/render/labels.ts`) sets them, the validation (`src/cluster/rules/labels.ts`)
 * refuses them as user labels. Also the one resource name vk8s treats specially.
 */

/** The extended resource of the NVIDIA device plugin: a vNode's GPUs (reference, section 5). */
export const GPU_RESOURCE = "nvidia.com/gpu";

/** `app` of vNode pods (the reference's value; the headless service selects on it). */
export const VNODE_APP = "vk8s";
/** Keeps Istio from injecting a sidecar into vNode and access pods. */
export const ISTIO_INJECT = "sidecar.istio.io/inject";

/**
 * Labels vk8s sets on every vNode StatefulSet and pod, key -> the value it gets; users
 * cannot set or override them. `sidecar.istio.io/inject` stays "false": an Istio sidecar
 * in a vNode would intercept the inner cluster's traffic.
 */
export const RESERVED_LABELS: Readonly<Record<string, string>> = {
  app: VNODE_APP,
  clusterName: "<cluster name>",
  role: "master|worker",
  vnode: "<statefulset name>",
  [ISTIO_INJECT]: "false",
};

/**
 * The annotation that makes Pulumi's Kubernetes provider register an object without waiting
 * for it to become ready (value `"true"`; Pulumi Kubernetes provider docs, "Await logic").
 */
export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";
