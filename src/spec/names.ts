/**
 * Kubernetes name rules (apimachinery `validation`), each returning why a value breaks
 * them, or `undefined` when it is fine.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** A DNS-1123 label: namespaces, node names, service port names. */
export function dns1123LabelError(value: string): string | undefined {
  if (value.length > 63) return `${JSON.stringify(value)} is ${value.length} characters, over the 63 of a DNS-1123 label`;
  if (!DNS1123_LABEL.test(value)) {
    return `${JSON.stringify(value)} is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)`;
  }
  return undefined;
}

function subdomainError(value: string): string | undefined {
  if (value.length > 253) return `prefix ${JSON.stringify(value)} is over the 253 characters of a DNS subdomain`;
  if (!DNS1123_SUBDOMAIN.test(value)) return `prefix ${JSON.stringify(value)} is not a DNS-1123 subdomain`;
  return undefined;
}

/** A label key (or annotation key): `[prefix/]name`. */
export function labelKeyError(key: string): string | undefined {
  const slash = key.indexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined) {
    const e = subdomainError(prefix);
    if (e) return `label key ${JSON.stringify(key)}: ${e}`;
  }
  if (name.length > 63 || !QUALIFIED_NAME_PART.test(name)) {
    return `label key ${JSON.stringify(key)} is not valid (an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)`;
  }
  return undefined;
}

/** A label value: empty, or at most 63 letters, digits, '-', '_', '.', alphanumeric at both ends. */
export function labelValueError(value: string): string | undefined {
  if (value === "") return undefined;
  if (value.length > 63 || !QUALIFIED_NAME_PART.test(value)) {
    return `label value ${JSON.stringify(value)} is not valid (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)`;
  }
  return undefined;
}

/** Resource names a container may request without a domain prefix. */
const STANDARD_RESOURCES = ["cpu", "memory", "ephemeral-storage"];

/** Container resource names: `cpu`, `memory`, `ephemeral-storage`, `hugepages-<size>`, or `<domain>/<name>`. */
export function resourceNameError(name: string): string | undefined {
  if (STANDARD_RESOURCES.includes(name) || /^hugepages-\d+(Ki|Mi|Gi)$/.test(name)) return undefined;
  if (name.includes("/")) return labelKeyError(name) ? `resource name ${JSON.stringify(name)} is not a qualified name` : undefined;
  return `unknown resource ${JSON.stringify(name)}`;
}

/**
 * Extended resources (`nvidia.com/gpu`): domain-prefixed outside `kubernetes.io`. Kubernetes
 * cannot overcommit them: whole numbers only, and request = limit.
 */
export function isExtendedResource(name: string): boolean {
  const slash = name.indexOf("/");
  if (slash < 0) return false;
  const prefix = name.slice(0, slash);
  return prefix !== "kubernetes.io" && !prefix.endsWith(".kubernetes.io");
}
