/**
 * Names of what the components register, derived from the component's name (Pulumi's
 * guideline: every child's name starts with its parent's), and the keys by which the
 * registered objects are looked up.
 */
import type { K8sObject } from "../render/types";

/** The Pulumi resource name of a rendered object: `<prefix>-<kind, lower case>-<object name>`. */
export function objectResourceName(prefix: string, obj: Pick<K8sObject, "kind" | "metadata">): string {
  return `${prefix}-${obj.kind.toLowerCase()}-${obj.metadata.name}`;
}

/** The key of an object among the registered ones: `<kind>/<object name>`. */
export function objectKey(obj: Pick<K8sObject, "kind" | "metadata">): string {
  return keyOf(obj.kind, obj.metadata.name);
}

/** The key of the object of `kind` named `name`: `<kind>/<name>`. */
export function keyOf(kind: string, name: string): string {
  return `${kind}/${name}`;
}
