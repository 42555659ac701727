/**
 * Kubeflow from kubeflow/manifests at the matrix's ref, built with the matrix's kustomize
 * and applied in a BOUNDED retry loop (program kubeflow.sh; upstream's `while ! ...; do
 * sleep 10; done` retries forever).
 *
 * Per-version differences (reference, section 4): 1.7 pipes the build through
 * `awk '!/well-defined/'`; 1.10+ applies with `--server-side --force-conflicts`.
 */
import type { KubeflowRow } from "../../matrix/types";
import { AMD64_ONLY_KUSTOMIZE } from "../../matrix/resolve";
import { digest } from "../password";
import { atLeast } from "../shell";
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

export function kubeflowRun(ctx: StepContext): StepProgram {
  const { attempts, backoffSeconds, maxBackoffSeconds, timeoutSeconds } = ctx.options.apply;
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
    },
    files: [],
  };
}
