/**
 * Kubernetes name rules (apimachinery `validation`), each returning why a value breaks
 * them, or `undefined` when it is fine; and the one email rule of the Kubeflow login.
 * The only home of these patterns: `test/facts.test.ts` fails when one is written elsewhere.
 */
import { quote } from "./errors";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Longest DNS-1123 label (apimachinery `DNS1123LabelMaxLength`). */
export const DNS1123_LABEL_MAX = 63;
/** Longest DNS-1123 subdomain (apimachinery `DNS1123SubdomainMaxLength`). */
export const DNS1123_SUBDOMAIN_MAX = 253;

/** Whether `value` is a DNS-1123 label: at most 63 of `[a-z0-9-]`, alphanumeric at both ends. */
export function isDns1123Label(value: string): boolean {
  return value.length <= DNS1123_LABEL_MAX && DNS1123_LABEL.test(value);
}

/**
 * Whether `value` is a DNS-1123 subdomain: dot-separated DNS-1123 labels, at most 253
 * characters (apimachinery `IsDNS1123Subdomain`): the names of most objects (claims,
 * StorageClasses, Secrets) and of hosts.
 */
export function isDns1123Subdomain(value: string): boolean {
  return value.length <= DNS1123_SUBDOMAIN_MAX && DNS1123_SUBDOMAIN.test(value);
}

/** A DNS-1123 label: namespaces, node names, service port names. */
export function dns1123LabelError(value: string): string | undefined {
  if (value.length > DNS1123_LABEL_MAX) return `${quote(value)} is ${value.length} characters, over the ${DNS1123_LABEL_MAX} of a DNS-1123 label`;
  if (!DNS1123_LABEL.test(value)) {
    return `${quote(value)} is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit)`;
  }
  return undefined;
}

function subdomainError(value: string): string | undefined {
  if (value.length > DNS1123_SUBDOMAIN_MAX) return `prefix ${quote(value)} is over the ${DNS1123_SUBDOMAIN_MAX} characters of a DNS subdomain`;
  if (!DNS1123_SUBDOMAIN.test(value)) return `prefix ${quote(value)} is not a DNS-1123 subdomain`;
  return undefined;
}

/** A label key (or annotation key): `[prefix/]name`. */
export function labelKeyError(key: string): string | undefined {
  const slash = key.indexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined) {
    const e = subdomainError(prefix);
    if (e) return `label key ${quote(key)}: ${e}`;
  }
  if (name.length > 63 || !QUALIFIED_NAME_PART.test(name)) {
    return `label key ${quote(key)} is not valid (an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)`;
  }
  return undefined;
}

/** A label value: empty, or at most 63 letters, digits, '-', '_', '.', alphanumeric at both ends. */
export function labelValueError(value: string): string | undefined {
  if (value === "") return undefined;
  if (value.length > 63 || !QUALIFIED_NAME_PART.test(value)) {
    return `label value ${quote(value)} is not valid (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)`;
  }
  return undefined;
}

/** Resource names a container may request without a domain prefix. */
const STANDARD_RESOURCES = ["cpu", "memory", "ephemeral-storage"];

/** Container resource names: `cpu`, `memory`, `ephemeral-storage`, `hugepages-<size>`, or `<domain>/<name>`. */
export function resourceNameError(name: string): string | undefined {
  if (STANDARD_RESOURCES.includes(name) || /^hugepages-\d+(Ki|Mi|Gi)$/.test(name)) return undefined;
  if (name.includes("/")) return labelKeyError(name) ? `resource name ${quote(name)} is not a qualified name` : undefined;
  return `unknown resource ${quote(name)}`;
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

/*
 * Image references, by the grammar of distribution/reference (`reference.go`), which
 * containerd and the kubelet parse: `[domain[:port]/]path[/path...][:tag][@digest]`.
 */
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?`;
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const REPOSITORY = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const IMAGE_REFERENCE = new RegExp(`^${REPOSITORY}(?::${TAG})?(?:@${DIGEST})?$`);
const IMAGE_REPOSITORY = new RegExp(`^${REPOSITORY}$`);
const IMAGE_TAG = new RegExp(`^${TAG}$`);
/** distribution/reference: the repository name is at most 255 characters. */
const MAX_REPOSITORY = 255;

/**
 * An image reference such as `docker.io/panubo/sshd:1.9.0` or `repo@sha256:...`:
 * `[registry[:port]/]path[:tag][@digest]`, lower-case path, at most 255 characters before the tag.
 */
export function imageReferenceError(value: string): string | undefined {
  const repository = value.split("@")[0].replace(/:[^/]*$/, "");
  if (!IMAGE_REFERENCE.test(value) || repository.length > MAX_REPOSITORY) {
    return `${quote(value)} is not an image reference`;
  }
  return undefined;
}

/** Whether `value` is an image tag (`[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`), such as `3.6.16`. */
export function isImageTag(value: string): boolean {
  return IMAGE_TAG.test(value);
}

/** An image repository without tag or digest, such as `ghcr.io/vk8s/kink`. */
export function imageRepositoryError(value: string): string | undefined {
  if (!IMAGE_REPOSITORY.test(value) || value.length > MAX_REPOSITORY) {
    return `${quote(value)} is not an image repository`;
  }
  return undefined;
}

/** A DNS label of an email domain: letters (either case), digits and '-', alphanumeric at both ends, at most 63. */
const EMAIL_DOMAIN_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
/**
 * A plain email address: a local part of at most 64 of `[A-Za-z0-9._%+-]`, `@`, a domain of
 * two or more DNS labels. RFC 5322 allows more (`'`, `` ` ``, `$`...), but the email reaches
 * dex's config, a Profile's owner and the bootstrap programs, so vk8s accepts the common subset.
 */
const EMAIL = new RegExp(`^[A-Za-z0-9._%+-]{1,64}@${EMAIL_DOMAIN_LABEL}(?:\\.${EMAIL_DOMAIN_LABEL})+$`);
/** Longest email address (RFC 5321 path limit: 256 less the angle brackets). */
export const MAX_EMAIL_LENGTH = 254;

/** Whether `value` is a plain email address (see {@link EMAIL}); at most 254 characters. */
export function isPlainEmail(value: string): boolean {
  return value.length <= MAX_EMAIL_LENGTH && EMAIL.test(value);
}

/** One segment of an absolute directory: plain characters only. */
const PATH_SEGMENT = /^[A-Za-z0-9._-]+$/;

/**
 * Whether `value` is an absolute directory path vk8s may put into a volume mount, a
 * provisioner's config or a shell line: `/` then segments of `[A-Za-z0-9._-]` joined by
 * single `/`, none of them `.` or `..`, no trailing `/` (so `/` alone is refused). The one
 * rule of `options.localPathDir`, `settings.storageMountPath` and `options.userStorage.mountPath`.
 */
export function isAbsoluteDirectory(value: string): boolean {
  if (!value.startsWith("/")) return false;
  const segments = value.slice(1).split("/");
  return segments.every((s) => PATH_SEGMENT.test(s) && s !== "." && s !== "..");
}

/**
 * A bcrypt hash as dex takes it (`staticPasswords[].hash`, `hashFromEnv`): `$2a$`, `$2b$` or
 * `$2y$`, a two-digit cost, `$`, then 53 characters of bcrypt's base64 (22 of salt, 31 of
 * hash). Written in the syntax that JavaScript and POSIX `grep -E` read alike (`[$]`,
 * `[0-9]`), unanchored: programs/dex-login.sh and policy/rules.ts hold copies of this text,
 * which test/facts.test.ts keeps equal.
 */
export const BCRYPT_HASH_PATTERN = "[$]2[aby][$][0-9]{2}[$][./A-Za-z0-9]{53}";
const BCRYPT_HASH = new RegExp(`^${BCRYPT_HASH_PATTERN}$`);

/** Whether `value` is exactly one bcrypt hash ({@link BCRYPT_HASH_PATTERN}). */
export function isBcryptHash(value: string): boolean {
  return BCRYPT_HASH.test(value);
}
