/**
 * The one way the components register a list of rendered objects (`Vk8sCluster`'s host
 * objects, `Vk8sPlatform`'s, `FederatedLearning`'s): typed resources named
 * `<prefix>-<kind>-<name>`, children of `parent`, the Namespace first and every other
 * object after it depending on it.
 */
import * as pulumi from "@pulumi/pulumi";
import { SKIP_AWAIT_ANNOTATION } from "../src/core/labels";
import type { K8sObject } from "../src/render/types";
import { objectKey, objectResourceName } from "../src/plan/names";
import { createK8sResource } from "./k8sResources";

export interface RegisterObjectsOptions {
  parent: pulumi.Resource;
  /** The Kubernetes provider (e.g. of a virtual cluster). @default the parent's */
  provider?: pulumi.ProviderResource;
  /** Kinds registered with the `pulumi.com/skipAwait: "true"` annotation. @default none */
  skipAwaitKinds?: ReadonlySet<string>;
  /**
   * The body to register for an object (its index in `objects` given), e.g. with Outputs
   * in place of the fields that resolve late. @default the object itself
   */
  bodyOf?: (obj: K8sObject, index: number) => Record<string, unknown>;
  /** The Namespace's name as released (e.g. once a validation gate passed). @default its rendered name */
  namespaceName?: pulumi.Input<string>;
}

/** Registers `objects`; returns the resources by `objectKey` (`<kind>/<name>`). */
export function registerObjects(prefix: string, objects: K8sObject[], options: RegisterObjectsOptions): Map<string, pulumi.CustomResource> {
  const resources = new Map<string, pulumi.CustomResource>();
  const ordered = objects.map((obj, index) => ({ obj, index }))
    .sort((a, b) => Number(b.obj.kind === "Namespace") - Number(a.obj.kind === "Namespace"));
  let namespace: pulumi.CustomResource | undefined;
  for (const { obj, index } of ordered) {
    const body = options.bodyOf ? options.bodyOf(obj, index) : (obj as unknown as Record<string, unknown>);
    const skipAwait = options.skipAwaitKinds?.has(obj.kind) ?? false;
    const released = obj.kind === "Namespace" ? options.namespaceName : undefined;
    const metadata = skipAwait || released !== undefined
      ? pulumi.all([body.metadata as pulumi.Input<K8sObject["metadata"]>, released]).apply(([m, name]) => ({
        ...m,
        ...(name === undefined ? {} : { name }),
        ...(skipAwait ? { annotations: { ...m.annotations, [SKIP_AWAIT_ANNOTATION]: "true" } } : {}),
      }))
      : body.metadata;
    const res = createK8sResource(objectResourceName(prefix, obj), { ...body, metadata } as unknown as K8sObject, {
      parent: options.parent,
      ...(options.provider ? { provider: options.provider } : {}),
      dependsOn: namespace ? [namespace] : [],
    });
    if (obj.kind === "Namespace") namespace = res;
    resources.set(objectKey(obj), res);
  }
  return resources;
}
