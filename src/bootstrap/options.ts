/**
 * Bootstrap options: their defaults (defined in `src/cluster/defaults.ts`, typed here) and
 * their validation (every problem at once, as `Problem`s).
 */
import { z } from "zod";
import { Vk8sValidationError, type Problem } from "../core/errors";
import { BOOTSTRAP_DEFAULTS } from "../cluster/defaults";
import { imageReferenceError, imageRepositoryError, isAbsoluteDirectory, isBcryptHash, isImageTag } from "../core/names";
import { ADDON_VERSIONS } from "../matrix/table";
import { CNIS, type BootstrapOptions, type BootstrapOptionsInput, type ManifestSource } from "./types";

/**
 * Upper bounds of the numeric options. The scripts do shell arithmetic on them
 * (`$(( ... ))`, 64-bit signed), and a number such as 1e21 is written `1e+21`: a bound
 * keeps every value a plain integer far from overflow. A day of waiting, a week of applying.
 */
export const BOOTSTRAP_BOUNDS = {
  attempts: 1000,
  backoffSeconds: 86_400,
  maxBackoffSeconds: 86_400,
  timeoutSeconds: 604_800,
  waitTimeoutSeconds: 86_400,
} as const;

// Types, known keys and upper bounds only: the lower bounds, whole numbers and allowed
// values keep their own messages in `checkBootstrapOptions`.
const upTo = (max: number) => z.number().max(max);
const source = z.object({ kind: z.string(), url: z.string().optional(), path: z.string().optional() }).strict();

/** The shape of `BootstrapOptionsInput`: strict (a misspelt option is an error), numbers bounded above. */
export const bootstrapOptionsSchema = z.object({
  kubeflowSource: source.optional(),
  kustomizeSource: source.optional(),
  calicoSource: source.optional(),
  devicePluginSource: source.optional(),
  apply: z.object({
    attempts: upTo(BOOTSTRAP_BOUNDS.attempts).optional(),
    backoffSeconds: upTo(BOOTSTRAP_BOUNDS.backoffSeconds).optional(),
    maxBackoffSeconds: upTo(BOOTSTRAP_BOUNDS.maxBackoffSeconds).optional(),
    timeoutSeconds: upTo(BOOTSTRAP_BOUNDS.timeoutSeconds).optional(),
  }).strict().optional(),
  waitTimeoutSeconds: upTo(BOOTSTRAP_BOUNDS.waitTimeoutSeconds).optional(),
  exposure: z.string().optional(),
  nodeInterface: z.string().optional(),
  kubeadmIgnorePreflightErrors: z.array(z.string()).optional(),
  apiServerExtraSans: z.array(z.string()).optional(),
  dexPasswordHash: z.string().optional(),
  kubeadmImageRepository: z.string().optional(),
  kubeadmEtcdImageTag: z.string().optional(),
  imageArchives: z.array(source).optional(),
  cni: z.string().optional(),
  flannelImage: z.string().optional(),
  defaultStorageClass: z.string().optional(),
  localPathSource: source.optional(),
  localPathProvisionerImage: z.string().optional(),
  localPathHelperImage: z.string().optional(),
  localPathDir: z.string().optional(),
}).strict();

function shapeProblems(input: unknown): Problem[] {
  const parsed = bootstrapOptionsSchema.safeParse(input);
  if (parsed.success) return [];
  return parsed.error.issues.flatMap((issue): Problem | Problem[] => {
    const at = ["options", ...issue.path.map(String)].join(".");
    if (issue.code === "unrecognized_keys") return issue.keys.map((key) => ({ path: `${at}.${key}`, message: "is not a bootstrap option", fix: "see BootstrapOptions in src/bootstrap/types.ts" }));
    if (issue.code === "too_big" || issue.code === "too_small") {
      const bound = issue.code === "too_big" ? `at most ${String(issue.maximum)}` : `at least ${String(issue.minimum)}`;
      return { path: at, message: "is out of range", fix: `use a whole number of ${bound}` };
    }
    if (issue.code === "invalid_type" && issue.expected === "number") {
      return { path: at, message: "is not a number", fix: "write a whole number, unquoted" };
    }
    if (at === "options.dexPasswordHash") return { path: at, message: "is not a string", fix: "pass the result of hashDexPassword" };
    return { path: at, message: issue.message.replace(/\(|\)/g, ""), fix: "see BootstrapOptions in src/bootstrap/types.ts" };
  });
}


function checkWhole(problems: Problem[], path: string, value: number, min: number, fix: string): void {
  if (!Number.isInteger(value) || value < min) {
    problems.push({ path, message: `must be a whole number >= ${min}, got ${value}`, fix });
  }
}

function checkSource(problems: Problem[], path: string, source: ManifestSource): void {
  switch (source.kind) {
    case "upstream":
      return;
    case "mirror":
      if (!/^https?:\/\/[^\s'"]+$/.test(source.url)) {
        problems.push({ path: `${path}.url`, message: `${JSON.stringify(source.url)} is not an http(s) URL`, fix: "give the full URL of the mirrored file" });
      }
      return;
    case "local":
      if (!/^\/[^\s'"]*$/.test(source.path)) {
        problems.push({ path: `${path}.path`, message: `${JSON.stringify(source.path)} is not an absolute path`, fix: "give the directory on the master vNode, e.g. /opt/vk8s/bundle" });
      }
      return;
    default:
      problems.push({ path: `${path}.kind`, message: `${JSON.stringify((source as { kind: unknown }).kind)} is not a source kind`, fix: "use upstream, mirror or local" });
  }
}

/** Defaults spread under the input, then checked; throws `Vk8sValidationError` (`invalid bootstrap options:`) listing every problem. */
export function resolveBootstrapOptions(input: BootstrapOptionsInput = {}): BootstrapOptions {
  const { options, problems } = checkBootstrapOptions(input);
  if (problems.length > 0) throw new Vk8sValidationError({ kind: "input", name: "bootstrap options" }, problems);
  return options;
}

/** Defaults spread under the input, and every problem found (paths `options.<field>`; `formatProblem` prints each). */
export function checkBootstrapOptions(input: BootstrapOptionsInput = {}): { options: BootstrapOptions; problems: Problem[] } {
  const shape = shapeProblems(input);
  if (shape.length > 0) return { options: BOOTSTRAP_DEFAULTS, problems: shape };
  const options: BootstrapOptions = {
    ...BOOTSTRAP_DEFAULTS,
    ...stripUndefined(input),
    apply: { ...BOOTSTRAP_DEFAULTS.apply, ...stripUndefined(input.apply ?? {}) },
  };
  const problems: Problem[] = [];
  const a = options.apply;
  checkWhole(problems, "options.apply.attempts", a.attempts, 1, "use at least 1");
  checkWhole(problems, "options.apply.backoffSeconds", a.backoffSeconds, 0, "use 0 or more seconds");
  checkWhole(problems, "options.apply.maxBackoffSeconds", a.maxBackoffSeconds, 0, "use 0 or more seconds");
  checkWhole(problems, "options.apply.timeoutSeconds", a.timeoutSeconds, 1, "use at least 1 second");
  if (a.maxBackoffSeconds < a.backoffSeconds) {
    problems.push({ path: "options.apply.maxBackoffSeconds", message: `${a.maxBackoffSeconds} is below backoffSeconds ${a.backoffSeconds}`, fix: "raise the cap or lower the backoff" });
  }
  checkWhole(problems, "options.waitTimeoutSeconds", options.waitTimeoutSeconds, 1, "use at least 1 second");
  if (options.exposure !== "http-nodeport" && options.exposure !== "tls") {
    problems.push({ path: "options.exposure", message: `${JSON.stringify(options.exposure)} is not supported`, fix: "use http-nodeport or tls" });
  }
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(options.nodeInterface)) {
    problems.push({ path: "options.nodeInterface", message: `${JSON.stringify(options.nodeInterface)} is not an interface name`, fix: "use the vNode interface between vNodes, e.g. eth0" });
  }
  for (const [i, check] of options.kubeadmIgnorePreflightErrors.entries()) {
    if (!/^[A-Za-z0-9_.-]+$/.test(check)) {
      problems.push({ path: `options.kubeadmIgnorePreflightErrors[${i}]`, message: `${JSON.stringify(check)} is not a kubeadm preflight check name`, fix: "e.g. Swap" });
    }
  }
  for (const [i, san] of options.apiServerExtraSans.entries()) {
    if (!/^[A-Za-z0-9*][A-Za-z0-9.:*-]*$/.test(san)) {
      problems.push({ path: `options.apiServerExtraSans[${i}]`, message: `${JSON.stringify(san)} is not a DNS name or IP address`, fix: "e.g. team-a-apiserver.vk8s-team-a.svc" });
    }
  }
  checkSource(problems, "options.kubeflowSource", options.kubeflowSource);
  checkSource(problems, "options.kustomizeSource", options.kustomizeSource);
  checkSource(problems, "options.calicoSource", options.calicoSource);
  checkSource(problems, "options.devicePluginSource", options.devicePluginSource);
  checkSource(problems, "options.localPathSource", options.localPathSource);
  if (options.defaultStorageClass !== "local-path" && options.defaultStorageClass !== "none") {
    problems.push({ path: "options.defaultStorageClass", message: `${JSON.stringify(options.defaultStorageClass)} is not supported`, fix: "use local-path or none" });
  }
  for (const field of ["localPathProvisionerImage", "localPathHelperImage"] as const) {
    if (imageReferenceError(options[field])) {
      problems.push({ path: `options.${field}`, message: `${JSON.stringify(options[field])} is not an image reference`, fix: `give registry/path:tag, e.g. registry.example.com/rancher/local-path-provisioner:v${ADDON_VERSIONS.localPath}` });
    }
  }
  if (!isAbsoluteDirectory(options.localPathDir)) {
    problems.push({ path: "options.localPathDir", message: `${JSON.stringify(options.localPathDir)} is not an absolute directory path`, fix: "e.g. /opt/local-path-provisioner" });
  }
  if (options.kubeflowSource.kind !== "upstream" && options.kustomizeSource.kind === "upstream") {
    problems.push({ path: "options.kustomizeSource", message: `downloads kustomize from upstream while the Kubeflow manifests come from a ${options.kubeflowSource.kind} source`, fix: "set kustomizeSource to a mirror URL or a local path too" });
  }
  if (options.kubeadmImageRepository !== undefined && imageRepositoryError(options.kubeadmImageRepository)) {
    problems.push({ path: "options.kubeadmImageRepository", message: `${JSON.stringify(options.kubeadmImageRepository)} is not an image repository`, fix: "give host[:port]/path without a scheme or tag, e.g. registry.example.com/k8s" });
  }
  if (options.kubeadmEtcdImageTag !== undefined && !isImageTag(options.kubeadmEtcdImageTag)) {
    problems.push({ path: "options.kubeadmEtcdImageTag", message: `${JSON.stringify(options.kubeadmEtcdImageTag)} is not an image tag`, fix: "give the tag of the site's etcd image, e.g. 3.6.16" });
  }
  if (!(CNIS as readonly string[]).includes(options.cni)) {
    problems.push({ path: "options.cni", message: `${JSON.stringify(options.cni)} is not a CNI vk8s installs`, fix: `use ${CNIS.join(" or ")}` });
  }
  if (imageReferenceError(options.flannelImage)) {
    problems.push({ path: "options.flannelImage", message: `${JSON.stringify(options.flannelImage)} is not an image reference`, fix: `give registry/path:tag, e.g. ${BOOTSTRAP_DEFAULTS.flannelImage}` });
  }
  if (!Array.isArray(options.imageArchives)) {
    problems.push({ path: "options.imageArchives", message: "is not a list", fix: "give a list of { kind: mirror, url } or { kind: local, path }" });
  } else {
    for (const [i, archive] of options.imageArchives.entries()) {
      const path = `options.imageArchives[${i}]`;
      if (archive.kind === "local" && !/^\/[^\s'"]*[^/\s'"]$/.test(archive.path)) {
        problems.push({ path: `${path}.path`, message: `${JSON.stringify(archive.path)} is not an absolute file path`, fix: "give the archive's path on every vNode, e.g. /opt/vk8s/images/k8s-{version}.tar" });
      } else if (archive.kind === "mirror") {
        checkSource(problems, path, archive);
      } else if (archive.kind !== "local") {
        problems.push({ path: `${path}.kind`, message: `${JSON.stringify((archive as { kind: unknown }).kind)} is not an image archive source`, fix: "use mirror or local" });
      }
    }
  }
  if (options.dexPasswordHash !== undefined && !isBcryptHash(options.dexPasswordHash)) {
    problems.push({ path: "options.dexPasswordHash", message: "is not a bcrypt hash", fix: "pass the result of hashDexPassword, never the password" });
  }
  return { options, problems };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
