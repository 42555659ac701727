/**
 * The virtual cluster's default StorageClass (program storage.sh), installed before
 * Kubeflow, whose own claims (pipelines MySQL and MinIO, Katib's database) stay Pending
 * without one. Rancher's local-path-provisioner (`ADDON_VERSIONS.localPath`): a well-kept
 * dynamic provisioner that makes each volume a directory on the vNode that runs the pod.
 *
 * Its `deploy/local-path-storage.yaml` (as remembered, not re-read here: Deployment
 * local-path-storage/local-path-provisioner whose first container is
 * `local-path-provisioner`, StorageClass `local-path` with provisioner
 * `rancher.io/local-path` and `WaitForFirstConsumer`, ConfigMap local-path-config with
 * `config.json`, `setup`, `teardown` and `helperPod.yaml`) is patched structurally before
 * it is applied, like calico's: the provisioner's image, the helper pod (its image is a
 * string inside the ConfigMap, so the whole `helperPod.yaml` is replaced by ours), the
 * volume directory (`config.json`), and the annotation
 * `storageclass.kubernetes.io/is-default-class: "true"` on the class. A manifest without
 * those objects fails the build: nothing is applied.
 */
import { stringify } from "yaml";
import { jsonPatchKustomization } from "../kustomization";
import { ADDON_VERSIONS } from "../../matrix/table";
import { fetchFrom, LOCAL_FILE_NAMES, upstreamLocalPathUrl } from "../sources";
import type { StepProgram } from "../types";
import type { StepContext } from "./context";

/** The StorageClass the provisioner's manifest creates, made the default. */
export const LOCAL_PATH_STORAGE_CLASS = "local-path";
/** The annotation that makes a StorageClass the default (Kubernetes docs, "Change the default StorageClass"). */
export const DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";
const NAMESPACE = "local-path-storage";

/** The helper pod the provisioner runs to create and remove a volume's directory. */
export function localPathHelperPod(image: string): string {
  return stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "helper-pod" },
    spec: {
      priorityClassName: "system-node-critical",
      tolerations: [{ key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" }],
      containers: [{ name: "helper-pod", image, imagePullPolicy: "IfNotPresent" }],
    },
  });
}

/** The provisioner's `config.json`: every node keeps its volumes under `dir`. */
export function localPathConfig(dir: string): string {
  return `${JSON.stringify({ nodePathMap: [{ node: "DEFAULT_PATH_FOR_NON_LISTED_NODES", paths: [dir] }] }, null, 2)}\n`;
}

/** The three JSON patches (as YAML files) and the kustomization over `local-path-storage.yaml`. */
export function localPathPatches(ctx: StepContext): { path: string; content: string }[] {
  const o = ctx.options;
  const deployment = stringify([
    { op: "test", path: "/spec/template/spec/containers/0/name", value: "local-path-provisioner" },
    { op: "replace", path: "/spec/template/spec/containers/0/image", value: o.localPathProvisionerImage },
  ]);
  const storageClass = stringify([
    { op: "test", path: "/provisioner", value: "rancher.io/local-path" },
    { op: "add", path: "/metadata/annotations", value: { [DEFAULT_CLASS_ANNOTATION]: "true" } },
  ]);
  const config = stringify([
    { op: "replace", path: "/data/config.json", value: localPathConfig(o.localPathDir) },
    { op: "replace", path: "/data/helperPod.yaml", value: localPathHelperPod(o.localPathHelperImage) },
  ]);
  const kustomization = jsonPatchKustomization(ctx.kubernetesMinor, [LOCAL_FILE_NAMES.localPath], [
    { target: { group: "apps", version: "v1", kind: "Deployment", name: "local-path-provisioner", namespace: NAMESPACE }, path: "provisioner-patch.yaml" },
    { target: { group: "storage.k8s.io", version: "v1", kind: "StorageClass", name: LOCAL_PATH_STORAGE_CLASS }, path: "storage-class-patch.yaml" },
    { target: { version: "v1", kind: "ConfigMap", name: "local-path-config", namespace: NAMESPACE }, path: "config-patch.yaml" },
  ]);
  return [
    { path: "storage/kustomization.yaml", content: kustomization },
    { path: "storage/provisioner-patch.yaml", content: deployment },
    { path: "storage/storage-class-patch.yaml", content: storageClass },
    { path: "storage/config-patch.yaml", content: config },
  ];
}

export function storageRun(ctx: StepContext): StepProgram {
  const from = fetchFrom(ctx.options.localPathSource, upstreamLocalPathUrl(ADDON_VERSIONS.localPath), ADDON_VERSIONS.localPath, LOCAL_FILE_NAMES.localPath);
  return {
    program: "storage.sh",
    env: {
      VK8S_LOCAL_PATH_VERSION: ADDON_VERSIONS.localPath,
      VK8S_LOCAL_PATH_SOURCE_KIND: from.kind,
      VK8S_LOCAL_PATH_SOURCE: from.location,
      VK8S_STORAGE_CLASS: LOCAL_PATH_STORAGE_CLASS,
      VK8S_STORAGE_NAMESPACE: NAMESPACE,
      VK8S_WAIT_TIMEOUT: String(ctx.options.waitTimeoutSeconds),
    },
    files: localPathPatches(ctx),
  };
}
