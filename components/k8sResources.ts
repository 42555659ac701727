/**
 * Turns pure renders (`src/render`, `src/fl`, `src/platform`) into typed Kubernetes
 * resources: one typed class per kind, so previews show field-level diffs and a label
 * change is an in-place update. The one place that maps kinds to resource classes.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { K8sObject } from "../src/render/types";

type Body = Record<string, any>;
type Create = (name: string, body: Body, opts: pulumi.CustomResourceOptions) => pulumi.CustomResource;

const CLASSES: Record<string, Create> = {
  "v1/Namespace": (n, b, o) => new k8s.core.v1.Namespace(n, b, o),
  "v1/ConfigMap": (n, b, o) => new k8s.core.v1.ConfigMap(n, b, o),
  "v1/Secret": (n, b, o) => new k8s.core.v1.Secret(n, b, o),
  "v1/Service": (n, b, o) => new k8s.core.v1.Service(n, b, o),
  "v1/ServiceAccount": (n, b, o) => new k8s.core.v1.ServiceAccount(n, b, o),
  "v1/PersistentVolume": (n, b, o) => new k8s.core.v1.PersistentVolume(n, b, o),
  "v1/PersistentVolumeClaim": (n, b, o) => new k8s.core.v1.PersistentVolumeClaim(n, b, o),
  "v1/ResourceQuota": (n, b, o) => new k8s.core.v1.ResourceQuota(n, b, o),
  "v1/LimitRange": (n, b, o) => new k8s.core.v1.LimitRange(n, b, o),
  "apps/v1/StatefulSet": (n, b, o) => new k8s.apps.v1.StatefulSet(n, b, o),
  "apps/v1/Deployment": (n, b, o) => new k8s.apps.v1.Deployment(n, b, o),
  "apps/v1/DaemonSet": (n, b, o) => new k8s.apps.v1.DaemonSet(n, b, o),
  "networking.k8s.io/v1/NetworkPolicy": (n, b, o) => new k8s.networking.v1.NetworkPolicy(n, b, o),
  "rbac.authorization.k8s.io/v1/Role": (n, b, o) => new k8s.rbac.v1.Role(n, b, o),
  "rbac.authorization.k8s.io/v1/RoleBinding": (n, b, o) => new k8s.rbac.v1.RoleBinding(n, b as k8s.rbac.v1.RoleBindingArgs, o),
  "storage.k8s.io/v1/StorageClass": (n, b, o) => new k8s.storage.v1.StorageClass(n, b as k8s.storage.v1.StorageClassArgs, o),
};

/** Custom resources we render (no typed class): registered as `apiextensions.CustomResource`. */
const CUSTOM_KINDS = new Set(["InferenceService"]);

/** Registers one rendered object; a kind without a mapping is a programming error, not user input. */
export function createK8sResource(name: string, obj: K8sObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  const { apiVersion, kind, ...body } = obj as Body;
  const create = CLASSES[`${apiVersion}/${kind}`];
  if (create) return create(name, body, opts);
  if (CUSTOM_KINDS.has(kind)) return new k8s.apiextensions.CustomResource(name, { apiVersion, kind, ...body }, opts);
  throw new Error(`vk8s: no resource mapping for ${apiVersion} ${kind} "${obj.metadata.name}"`);
}
