/**
 * Kubeflow from kubeflow/manifests at the matrix's ref, built with the matrix's kustomize
 * and applied in a BOUNDED retry loop (program kubeflow.sh; upstream's `while ! ...; do
 * sleep 10; done` retries forever).
 *
 * Per-version differences (reference, section 4): 1.7 pipes the build through
 * `awk '!/well-defined/'`; 1.10+ applies with `--server-side --force-conflicts`.
 *
 * What is built is the tree's own `example/kustomization.yaml` entries, selected by
 * component (`src/matrix/components.ts`), with `common/user-namespace` replaced by a copy
 * whose `params.env` (`user=`, `profile-name=`: the parameters upstream documents for
 * changing the example user) names the login user and `profileName(email)`. Also: the
 * host inotify check (`inotifyNeeds`), the version-change policy and the default
 * StorageClass check, all before anything is downloaded.
 */
import { UPSTREAM_DEFAULT_LOGIN } from "../../cluster/rules/kubeflow";
import type { KubeflowRow } from "../../matrix/types";
import { AMD64_ONLY_KUSTOMIZE } from "../../matrix/table";
import { inotifyNeeds, KUBEFLOW_COMPONENTS } from "../../matrix/components";
import { LOCAL_PATH_STORAGE_CLASS } from "./storage";
import { digest } from "../password";
import { atLeast } from "../../core/version";
import { upstreamKubeflowArchiveUrl, upstreamKustomize, withVersion } from "../sources";
import type { StepProgram } from "../types";
import type { StepContext } from "./context";

/** Namespaces whose deployments must be Available before Kubeflow counts as installed. */
export function kubeflowNamespaces(row: KubeflowRow): string[] {
  const namespaces = ["cert-manager", "istio-system", "auth", "knative-serving", "kubeflow"];
  return atLeast(row.kubeflow, "1.9") ? [...namespaces, "oauth2-proxy"] : namespaces;
}

function kustomizeEnv(ctx: StepContext): Record<string, string> {
  const v = ctx.kustomizeVersion;
  const source = ctx.options.kustomizeSource;
  const upstream = upstreamKustomize(v);
  const [kind, location] =
    source.kind === "upstream" ? [upstream.archive ? "archive" : "binary", upstream.url]
      : source.kind === "mirror" ? ["binary", withVersion(source.url, v)]
        : ["local", withVersion(source.path, v)];
  return {
    VK8S_KUSTOMIZE_VERSION: v,
    VK8S_KUSTOMIZE_KIND: kind,
    VK8S_KUSTOMIZE_SOURCE: location,
    VK8S_KUSTOMIZE_AMD64_ONLY: v === AMD64_ONLY_KUSTOMIZE ? "1" : "0",
  };
}

function manifestsEnv(ctx: StepContext): Record<string, string> {
  const ref = ctx.row.manifestsRef;
  const source = ctx.options.kubeflowSource;
  if (source.kind === "local") {
    return { VK8S_MANIFESTS_KIND: "local", VK8S_MANIFESTS_SOURCE: withVersion(source.path, ref).replace(/\/+$/, ""), VK8S_MANIFESTS_CACHE: "" };
  }
  const url = source.kind === "mirror" ? withVersion(source.url, ref) : upstreamKubeflowArchiveUrl(ref);
  return { VK8S_MANIFESTS_KIND: "url", VK8S_MANIFESTS_SOURCE: url, VK8S_MANIFESTS_CACHE: `manifests-${ref}-${digest(url).slice(0, 12)}` };
}

/** The Profile and login of the upstream example (`common/user-namespace/base/params.env`), removed when an earlier install left it. */
export const EXAMPLE_PROFILE = { name: "kubeflow-user-example-com", user: UPSTREAM_DEFAULT_LOGIN.email } as const;

/**
 * The user's Profile (and namespace) name, the way the example names its user's:
 * `kubeflow-` + the email in lower case with every run of other characters than a-z and
 * 0-9 turned into `-` (`user@example.com` -> `kubeflow-user-example-com`, the example's
 * `profile-name`). Over 63 characters (a namespace name's limit), it is cut and ends with
 * 8 hex digits of the email's sha256, so two long emails never share a namespace.
 */
export function profileName(email: string): string {
  const name = `kubeflow-${email.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "")}`;
  if (name.length <= 63) return name;
  return `${name.slice(0, 54).replace(/-+$/, "")}-${digest(email).slice(0, 8)}`;
}

/** `kubeflow/components.patterns`: `<component> <glob>` per line, in the table's match order. */
export function componentPatterns(): string {
  return KUBEFLOW_COMPONENTS.flatMap((c) => c.patterns.map((p) => `${c.name} ${p}`)).join("\n") + "\n";
}

export function kubeflowRun(ctx: StepContext): StepProgram {
  const { attempts, backoffSeconds, maxBackoffSeconds, timeoutSeconds } = ctx.options.apply;
  const kubeflow = ctx.cluster.kubeflow;
  const inotify = inotifyNeeds(ctx.row.kubeflow);
  return {
    program: "kubeflow.sh",
    env: {
      ...kustomizeEnv(ctx),
      ...manifestsEnv(ctx),
      VK8S_MANIFESTS_REF: ctx.row.manifestsRef,
      VK8S_WELL_DEFINED_FILTER: ctx.row.wellDefinedFilter ? "1" : "0",
      VK8S_SERVER_SIDE_APPLY: ctx.row.serverSideApply ? "1" : "0",
      VK8S_KUBEFLOW_NAMESPACES: kubeflowNamespaces(ctx.row).join(" "),
      VK8S_RETRY_ATTEMPTS: String(attempts),
      VK8S_RETRY_BACKOFF: String(backoffSeconds),
      VK8S_RETRY_MAX_BACKOFF: String(maxBackoffSeconds),
      VK8S_RETRY_TIMEOUT: String(timeoutSeconds),
      VK8S_WAIT_TIMEOUT: String(ctx.options.waitTimeoutSeconds),
      VK8S_KUBEFLOW_LINE: ctx.row.kubeflow,
      VK8S_KUBEFLOW_COMPONENTS: (kubeflow.components ?? []).join(" "),
      VK8S_PROFILE_NAME: profileName(kubeflow.email),
      VK8S_PROFILE_USER: kubeflow.email,
      VK8S_EXAMPLE_PROFILE: EXAMPLE_PROFILE.name,
      VK8S_EXAMPLE_USER: EXAMPLE_PROFILE.user,
      VK8S_VERSION_CHANGE: kubeflow.versionChange ?? "refuse",
      VK8S_INOTIFY_INSTANCES: inotify ? String(inotify.maxUserInstances) : "",
      VK8S_INOTIFY_WATCHES: inotify ? String(inotify.maxUserWatches) : "",
      VK8S_DEFAULT_STORAGE_CLASS: ctx.options.defaultStorageClass === "local-path" ? LOCAL_PATH_STORAGE_CLASS : "",
    },
    files: [{ path: "kubeflow/components.patterns", content: componentPatterns() }],
  };
}
