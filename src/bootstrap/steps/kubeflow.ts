/**
 * Kubeflow from kubeflow/manifests at the matrix's ref, built with the matrix's kustomize
 * and applied in a BOUNDED retry loop (upstream's `while ! ...; do sleep 10; done` retries
 * forever: CRDs must be established before their objects apply, so a few failures are
 * normal, endless ones are not).
 *
 * Per-version differences (reference, section 4): 1.7 pipes the build through
 * `awk '!/well-defined/'`; 1.10+ applies with `--server-side --force-conflicts`.
 * The build goes to a file before the apply: POSIX sh has no `pipefail`, and a failed
 * build piped straight into `kubectl apply` could apply half a Kubeflow and "succeed".
 */
import type { KubeflowRow } from "../../matrix/types";
import { digest } from "../password";
import { USE_ADMIN_KUBECONFIG, atLeast, header, phaseMarker, script, shq } from "../shell";
import { download, upstreamKubeflowArchiveUrl, upstreamKustomize, withVersion } from "../sources";
import type { StepContext } from "./context";

/** Namespaces whose deployments must be Available before Kubeflow counts as installed. */
export function kubeflowNamespaces(row: KubeflowRow): string[] {
  const namespaces = ["cert-manager", "istio-system", "auth", "knative-serving", "kubeflow"];
  return atLeast(row.kubeflow, "1.9") ? [...namespaces, "oauth2-proxy"] : namespaces;
}

function installKustomize(ctx: StepContext): string {
  const v = ctx.kustomizeVersion;
  const source = ctx.options.kustomizeSource;
  let fetch: string;
  switch (source.kind) {
    case "upstream": {
      const release = upstreamKustomize(v);
      fetch = release.archive
        ? [
            download(release.url, "$kustomize.tar.gz", true),
            `mkdir -p "$kustomize.d"`,
            `tar -xzf "$kustomize.tar.gz" -C "$kustomize.d" kustomize || fail "kustomize archive of ${v} has no kustomize binary"`,
            `mv "$kustomize.d/kustomize" "$kustomize"`,
            `rm -rf "$kustomize.d" "$kustomize.tar.gz"`,
          ].join("\n")
        : download(release.url, "$kustomize", true);
      break;
    }
    case "mirror":
      fetch = download(withVersion(source.url, v), "$kustomize");
      break;
    case "local": {
      const path = withVersion(source.path, v);
      fetch = [
        `[ -f ${shq(path)} ] || fail ${shq(`${path} is missing (copy kustomize ${v} onto the master vNode, or use another kustomizeSource)`)}`,
        `cp ${shq(path)} "$kustomize"`,
      ].join("\n");
      break;
    }
  }
  // The upstream release is per architecture; a mirror or local copy is the binary for this vNode.
  const arch = source.kind === "upstream"
    ? [
        `case "$(uname -m)" in`,
        "  x86_64) arch=amd64 ;;",
        "  aarch64 | arm64) arch=arm64 ;;",
        `  *) fail "unsupported CPU architecture $(uname -m)" ;;`,
        "esac",
      ]
    : [];
  return [
    `# kustomize ${v}, as kubeflow/manifests ${ctx.row.manifestsRef} wants.`,
    ...arch,
    `mkdir -p "$work/bin" "$work/kubeflow"`,
    `kustomize="$work/bin/kustomize-${v}"`,
    `if [ ! -x "$kustomize" ]; then`,
    ...fetch.split("\n").map((l) => `  ${l}`),
    `  chmod +x "$kustomize"`,
    "fi",
    `"$kustomize" version 2>&1 | grep -qF ${shq(v)} || fail "$kustomize is not kustomize ${v}"`,
  ].join("\n");
}

function fetchManifests(ctx: StepContext): string {
  const ref = ctx.row.manifestsRef;
  const source = ctx.options.kubeflowSource;
  if (source.kind === "local") {
    return `src=${shq(withVersion(source.path, ref).replace(/\/+$/, ""))}`;
  }
  const url = source.kind === "mirror" ? withVersion(source.url, ref) : upstreamKubeflowArchiveUrl(ref);
  return [
    `# kubeflow/manifests ${ref} from ${url}`,
    `src="$work/kubeflow/manifests-${ref}-${digest(url).slice(0, 12)}"`,
    `if [ ! -f "$src/.vk8s-complete" ]; then`,
    `  rm -rf "$src" "$src.tmp"`,
    `  mkdir -p "$src.tmp"`,
    ...download(url, "$src.tar.gz").split("\n").map((l) => `  ${l}`),
    `  tar -xzf "$src.tar.gz" -C "$src.tmp" --strip-components=1 || fail "cannot extract the kubeflow/manifests archive of ${ref}"`,
    `  touch "$src.tmp/.vk8s-complete"`,
    `  mv "$src.tmp" "$src"`,
    `  rm -f "$src.tar.gz"`,
    "fi",
  ].join("\n");
}

function buildAndApply(ctx: StepContext): string {
  const { attempts, backoffSeconds, maxBackoffSeconds, timeoutSeconds } = ctx.options.apply;
  const filter = ctx.row.wellDefinedFilter
    ? [`    # Kubeflow ${ctx.row.kubeflow}: drop kustomize's "well-defined" warning lines from the build output.`,
       `    awk '!/well-defined/' "$built.raw" > "$built" || return 1`]
    : [`    mv "$built.raw" "$built"`];
  const apply = ctx.row.serverSideApply ? "kubectl apply --server-side --force-conflicts" : "kubectl apply";
  return [
    `[ -d "$src/example" ] || fail "$src/example is missing (expected a kubeflow/manifests tree of ${ctx.row.manifestsRef})"`,
    `attempts=${attempts}`,
    `backoff=${backoffSeconds}`,
    `max_backoff=${maxBackoffSeconds}`,
    `timeout_s=${timeoutSeconds}`,
    `built="$work/kubeflow/kubeflow-${ctx.row.manifestsRef}.yaml"`,
    `errors="$work/kubeflow/apply.err"`,
    `rm -f "$built"`,
    "start=$(date +%s)",
    "# One attempt: build (once), then apply; nothing runs past the total timeout.",
    "build_and_apply() {",
    "  remaining=$(( timeout_s - ($(date +%s) - start) ))",
    `  if [ "$remaining" -le 0 ]; then echo "no time left of the \${timeout_s}s timeout" >&2; return 1; fi`,
    `  if [ ! -s "$built" ]; then`,
    `    timeout "$remaining" "$kustomize" build "$src/example" > "$built.raw" \\`,
    `      || { echo "kustomize build failed or timed out (exit $?)" >&2; return 1; }`,
    ...filter,
    "  fi",
    `  timeout "$remaining" ${apply} -f "$built" > "$work/kubeflow/apply.log" \\`,
    `    || { echo "kubectl apply failed or timed out (exit $?)" >&2; return 1; }`,
    "}",
    "attempt=1",
    "delay=$backoff",
    "while :; do",
    `  echo "kubeflow apply: attempt $attempt/$attempts"`,
    `  if build_and_apply 2> "$errors"; then`,
    `    echo "kubeflow apply: attempt $attempt/$attempts succeeded"`,
    "    break",
    "  fi",
    "  elapsed=$(( $(date +%s) - start ))",
    `  if [ "$attempt" -ge "$attempts" ]; then`,
    `    log "kubeflow apply: attempt $attempt/$attempts failed, no attempts left after \${elapsed}s; last error:"`,
    `    tail -n 20 "$errors" >&2`,
    "    exit 1",
    "  fi",
    `  if [ $(( elapsed + delay )) -ge "$timeout_s" ]; then`,
    `    log "kubeflow apply: attempt $attempt/$attempts failed, and the \${timeout_s}s timeout leaves no time for another after \${elapsed}s; last error:"`,
    `    tail -n 20 "$errors" >&2`,
    "    exit 1",
    "  fi",
    `  log "kubeflow apply: attempt $attempt/$attempts failed: $(tail -n 2 "$errors" | tr '\\n' ' ')retrying in \${delay}s"`,
    `  sleep "$delay"`,
    "  delay=$(( delay * 2 ))",
    `  if [ "$delay" -gt "$max_backoff" ]; then delay=$max_backoff; fi`,
    "  attempt=$(( attempt + 1 ))",
    "done",
  ].join("\n");
}

function waitAvailable(ctx: StepContext): string {
  const t = ctx.options.waitTimeoutSeconds;
  return [
    `for ns in ${kubeflowNamespaces(ctx.row).join(" ")}; do`,
    `  if [ -n "$(kubectl get deployments -n "$ns" -o name 2>/dev/null)" ]; then`,
    `    log "waiting for the deployments in $ns (timeout ${t}s)"`,
    `    kubectl wait --for=condition=Available deployment --all -n "$ns" --timeout=${t}s >&2`,
    "  fi",
    "done",
    `echo "kubeflow ${ctx.row.manifestsRef} applied and available"`,
  ].join("\n");
}

export function kubeflowScript(ctx: StepContext, id: string): string {
  return script(
    header({ id, title: `Kubeflow ${ctx.cluster.kubeflow.version} (kubeflow/manifests ${ctx.row.manifestsRef})`, node: ctx.cluster.master.name }),
    phaseMarker("Installing: installing kubeflow"),
    USE_ADMIN_KUBECONFIG,
    `command -v timeout >/dev/null 2>&1 || fail "timeout (coreutils) is missing on the vNode"`,
    installKustomize(ctx),
    fetchManifests(ctx),
    buildAndApply(ctx),
    waitAvailable(ctx),
  );
}
