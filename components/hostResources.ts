/**
 * Turns the pure render of the host objects (`src/render/host.ts`) into typed Kubernetes
 * resources. One typed class per kind, so previews show field-level diffs and a label
 * change is an in-place update.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { K8sObject } from "../src/render/types";

/** The Pulumi resource name of a host object: `<component>-<kind>-<object name>`. */
export function hostResourceName(component: string, obj: K8sObject): string {
  return `${component}-${obj.kind.toLowerCase()}-${obj.metadata.name}`;
}

type Body = Record<string, any>;

/** Registers one host object; unknown kinds are a programming error, not user input. */
export function createHostResource(
  name: string,
  obj: K8sObject,
  opts: pulumi.CustomResourceOptions,
): pulumi.CustomResource {
  const { apiVersion, kind, ...body } = obj as Body;
  switch (`${apiVersion}/${kind}`) {
    case "v1/Namespace":
      return new k8s.core.v1.Namespace(name, body, opts);
    case "v1/ConfigMap":
      return new k8s.core.v1.ConfigMap(name, body, opts);
    case "v1/Secret":
      return new k8s.core.v1.Secret(name, body, opts);
    case "v1/Service":
      return new k8s.core.v1.Service(name, body, opts);
    case "v1/PersistentVolumeClaim":
      return new k8s.core.v1.PersistentVolumeClaim(name, body, opts);
    case "v1/ResourceQuota":
      return new k8s.core.v1.ResourceQuota(name, body, opts);
    case "v1/LimitRange":
      return new k8s.core.v1.LimitRange(name, body, opts);
    case "apps/v1/StatefulSet":
      return new k8s.apps.v1.StatefulSet(name, body, opts);
    case "apps/v1/Deployment":
      return new k8s.apps.v1.Deployment(name, body, opts);
    case "networking.k8s.io/v1/NetworkPolicy":
      return new k8s.networking.v1.NetworkPolicy(name, body, opts);
    default:
      throw new Error(`vk8s: no resource mapping for ${apiVersion} ${kind} "${obj.metadata.name}"`);
  }
}
