/**
 * Reading Kubernetes resources as the policy analyzer shows them (type token + props):
 * pod specs of workloads, namespaces, labels. No Pulumi import, so tests call it directly.
 *
 * vk8s facts these policies rely on are restated here, since a policy pack is published
 * on its own (without the repo's src/): test/policy.rules.test.ts keeps them equal to the
 * library's constants.
 */

/** One resource of the stack: what a stack policy sees. */
export interface StackResource {
  type: string;
  name: string;
  urn: string;
  props: Record<string, any>;
}

export interface Violation {
  /** The policy's name. */
  policy: string;
  message: string;
  /** The resource in violation; absent: the stack as a whole. */
  urn?: string;
}

export const VK8S = {
  /** `app` label of vNode pods (src/core/labels.ts VNODE_APP). */
  vNodeApp: "vk8s",
  /** The vNode container (src/render/vnode.ts VNODE_CONTAINER). */
  vNodeContainer: "vnode",
  /** Where the boot ConfigMap is mounted (src/render/vnode.ts VNODE_BOOT_DIR). */
  bootDir: "/etc/vk8s/boot",
  /** The GPU isolation's expected count (src/render/gpu.ts gpuEnv). */
  expectedGpusEnv: "VK8S_EXPECTED_GPUS",
  gpuResource: "nvidia.com/gpu",
  /** Namespace label of a tenant (src/platform/types.ts TENANT_LABEL). */
  tenantLabel: "vk8s.io/tenant",
  podSecurityEnforce: "pod-security.kubernetes.io/enforce",
  /** The upstream kubeflow/manifests login (src/cluster/rules/kubeflow.ts UPSTREAM_DEFAULT_LOGIN). */
  upstreamEmail: "user@example.com",
  upstreamPassword: "12341234",
  /** Header of every bootstrap script (src/bootstrap/bundle.ts, `bundle`). */
  stepHeader: /^# vk8s bootstrap step (\S+):/m,
} as const;

const WORKLOAD = /^kubernetes:(core\/v1:Pod|apps\/v1:(Deployment|StatefulSet|DaemonSet|ReplicaSet)|batch\/v1:(Job|CronJob))$/;

/** A resource that runs pods, with the pod spec and labels it gives them. */
export interface Workload {
  resource: StackResource;
  kind: string;
  /** `metadata.name`, else the Pulumi name. */
  name: string;
  namespace: string;
  podSpec: Record<string, any>;
  podLabels: Record<string, string>;
}

const obj = (v: unknown): Record<string, any> => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, any>) : {});

/** The pod-running resources of the stack. */
export function workloads(resources: readonly StackResource[]): Workload[] {
  return resources.filter((r) => WORKLOAD.test(r.type)).map((r) => {
    const kind = r.type.split(":").pop() as string;
    const props = obj(r.props);
    const template = kind === "Pod" ? props : kind === "CronJob" ? obj(obj(obj(obj(props.spec).jobTemplate).spec).template) : obj(obj(props.spec).template);
    const meta = obj(props.metadata);
    return {
      resource: r,
      kind,
      name: typeof meta.name === "string" ? meta.name : r.name,
      namespace: typeof meta.namespace === "string" && meta.namespace !== "" ? meta.namespace : "default",
      podSpec: kind === "Pod" ? obj(props.spec) : obj(template.spec),
      podLabels: obj(obj(kind === "Pod" ? props.metadata : template.metadata).labels),
    };
  });
}

/** Every container of a pod spec (init and ephemeral ones too). */
export function containersOf(podSpec: Record<string, any>): Record<string, any>[] {
  return ["initContainers", "containers", "ephemeralContainers"].flatMap((k) => (Array.isArray(podSpec[k]) ? podSpec[k] : [])).map(obj);
}

/** Whether a workload is a vk8s vNode: a StatefulSet whose pods carry `app: vk8s`, its `clusterName` and `vnode: <its name>`. */
export function isVNode(w: Workload): boolean {
  return w.kind === "StatefulSet" && w.podLabels.app === VK8S.vNodeApp && typeof w.podLabels.clusterName === "string" && w.podLabels.vnode === w.name;
}

/** Namespaces of the stack by `metadata.name`. */
export function namespaces(resources: readonly StackResource[]): Map<string, StackResource> {
  const out = new Map<string, StackResource>();
  for (const r of resources) {
    const name = obj(obj(r.props).metadata).name;
    if (r.type === "kubernetes:core/v1:Namespace" && typeof name === "string") out.set(name, r);
  }
  return out;
}

export function labelsOf(r: StackResource | undefined): Record<string, string> {
  return obj(obj(obj(r?.props).metadata).labels);
}

/** Resources of a type token in a namespace. */
export function inNamespace(resources: readonly StackResource[], type: string, namespace: string): StackResource[] {
  return resources.filter((r) => r.type === type && obj(obj(r.props).metadata).namespace === namespace);
}

export { obj };
