/**
 * calico, the CNI of the inner cluster (program calico.sh). A vNode has two interfaces,
 * and calico's first-found autodetection picks the wrong one, so the calico-node
 * DaemonSet is patched structurally before it is first applied: a kustomization over the
 * fetched calico.yaml with one JSON patch on DaemonSet kube-system/calico-node that
 *   - tests that the first container is `calico-node` (else the build fails: nothing is applied),
 *   - adds `IP_AUTODETECTION_METHOD=interface=<nodeInterface>` to its env,
 *   - adds `CALICO_IPV4POOL_CIDR=<pod CIDR>` (the upstream manifest ships it commented out).
 * The node's own kubectl builds it (`kubectl kustomize`, kustomize inside kubectl since
 * 1.14). Kubernetes before 1.21 embed kustomize 2.0.3, which knows `patchesJson6902` only;
 * 1.21+ get the `patches` field (`patchesJson6902` is deprecated in kustomize 5).
 */
import { stringify } from "yaml";
import { jsonPatchKustomization } from "../kustomization";
import { fetchFrom, LOCAL_FILE_NAMES, upstreamCalicoUrl } from "../sources";
import type { StepProgram } from "../types";
import type { StepContext } from "./context";

/** The JSON patch of calico-node (as YAML), for `interface` and `pool`. */
export function calicoNodePatch(nodeInterface: string, podNetworkCidr: string): string {
  const container = "/spec/template/spec/containers/0";
  return stringify([
    { op: "test", path: `${container}/name`, value: "calico-node" },
    { op: "add", path: `${container}/env/-`, value: { name: "IP_AUTODETECTION_METHOD", value: `interface=${nodeInterface}` } },
    { op: "add", path: `${container}/env/-`, value: { name: "CALICO_IPV4POOL_CIDR", value: podNetworkCidr } },
  ]);
}

/** The kustomization over `calico.yaml`, in the field the node's kubectl knows. */
export function calicoKustomization(kubernetesMinor: string): string {
  const target = { group: "apps", version: "v1", kind: "DaemonSet", name: "calico-node", namespace: "kube-system" };
  return jsonPatchKustomization(kubernetesMinor, ["calico.yaml"], [{ target, path: "calico-node-patch.yaml" }]);
}

export function calicoRun(ctx: StepContext): StepProgram {
  const version = ctx.cluster.matrix.calico;
  const from = fetchFrom(ctx.options.calicoSource, upstreamCalicoUrl(version), version, LOCAL_FILE_NAMES.calico);
  return {
    program: "calico.sh",
    env: {
      VK8S_CALICO_VERSION: version,
      VK8S_CALICO_SOURCE_KIND: from.kind,
      VK8S_CALICO_SOURCE: from.location,
      VK8S_MASTER: ctx.cluster.master.name,
      VK8S_WAIT_TIMEOUT: String(ctx.options.waitTimeoutSeconds),
    },
    files: [
      { path: "calico/kustomization.yaml", content: calicoKustomization(ctx.kubernetesMinor) },
      { path: "calico/calico-node-patch.yaml", content: calicoNodePatch(ctx.options.nodeInterface, ctx.cluster.network.podNetworkCidr) },
    ],
  };
}
