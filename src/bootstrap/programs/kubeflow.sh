#!/bin/sh
# vk8s bootstrap step 08-kubeflow: Kubeflow from kubeflow/manifests at the matrix's ref,
# built with the matrix's kustomize and applied in a BOUNDED retry loop (CRDs must be
# established before their objects apply, so a few failures are normal, endless ones are
# not). The build goes to a file before the apply: POSIX sh has no pipefail, and a failed
# build piped into kubectl could apply half a Kubeflow and "succeed".
# Data: VK8S_KUSTOMIZE_VERSION, VK8S_KUSTOMIZE_KIND (archive|binary: URL with {arch};
# local: path), VK8S_KUSTOMIZE_SOURCE, VK8S_KUSTOMIZE_AMD64_ONLY (1: no arm64 build),
# VK8S_MANIFESTS_REF, VK8S_MANIFESTS_KIND (url|local), VK8S_MANIFESTS_SOURCE,
# VK8S_MANIFESTS_CACHE, VK8S_WELL_DEFINED_FILTER (1: drop kustomize's "well-defined"
# warning lines, Kubeflow 1.7), VK8S_SERVER_SIDE_APPLY (1: --server-side --force-conflicts,
# 1.10+), VK8S_KUBEFLOW_NAMESPACES, VK8S_RETRY_*, VK8S_WAIT_TIMEOUT.
# shellcheck source=lib.sh
. "${VK8S_STEP_DIR:?}/lib.sh"

phase 'Installing: installing kubeflow'
use_admin_kubeconfig
command -v timeout >/dev/null 2>&1 || fail "timeout (coreutils) is missing on the vNode"

# kustomize of the matrix's version.
mkdir -p "$work/bin" "$work/kubeflow"
kustomize="$work/bin/kustomize-$VK8S_KUSTOMIZE_VERSION"
if [ ! -x "$kustomize" ]; then
  case "$(uname -m)" in
    x86_64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) fail "unsupported CPU architecture $(uname -m)" ;;
  esac
  if [ "$VK8S_KUSTOMIZE_AMD64_ONLY" = 1 ] && [ "$arch" != amd64 ] && [ "$VK8S_KUSTOMIZE_KIND" != local ]; then
    fail "kustomize $VK8S_KUSTOMIZE_VERSION was published for amd64 only and this vNode is $arch (run the master on amd64, or choose a Kubeflow line built with kustomize 5)"
  fi
  url=$(printf '%s\n' "$VK8S_KUSTOMIZE_SOURCE" | sed "s/{arch}/$arch/g")
  case "$VK8S_KUSTOMIZE_KIND" in
    archive)
      download "$url" "$kustomize.tar.gz"
      rm -rf "$kustomize.d"
      mkdir -p "$kustomize.d"
      tar -xzf "$kustomize.tar.gz" -C "$kustomize.d" kustomize || fail "kustomize archive of $VK8S_KUSTOMIZE_VERSION has no kustomize binary"
      mv "$kustomize.d/kustomize" "$kustomize"
      rm -rf "$kustomize.d" "$kustomize.tar.gz" ;;
    binary) download "$url" "$kustomize" ;;
    local)
      [ -f "$VK8S_KUSTOMIZE_SOURCE" ] || fail "$VK8S_KUSTOMIZE_SOURCE is missing (copy kustomize $VK8S_KUSTOMIZE_VERSION onto the master vNode, or use another kustomizeSource)"
      cp "$VK8S_KUSTOMIZE_SOURCE" "$kustomize" ;;
    *) fail "unknown kustomize source kind $VK8S_KUSTOMIZE_KIND" ;;
  esac
  chmod +x "$kustomize"
fi
"$kustomize" version 2>&1 | grep -qF "$VK8S_KUSTOMIZE_VERSION" || fail "$kustomize is not kustomize $VK8S_KUSTOMIZE_VERSION"

# kubeflow/manifests at the ref: a local tree, or an archive with one top-level directory.
if [ "$VK8S_MANIFESTS_KIND" = local ]; then
  src=$VK8S_MANIFESTS_SOURCE
else
  src="$work/kubeflow/$VK8S_MANIFESTS_CACHE"
  if [ ! -f "$src/.vk8s-complete" ]; then
    rm -rf "$src" "$src.tmp"
    mkdir -p "$src.tmp"
    download "$VK8S_MANIFESTS_SOURCE" "$src.tar.gz"
    tar -xzf "$src.tar.gz" -C "$src.tmp" --strip-components=1 || fail "cannot extract the kubeflow/manifests archive of $VK8S_MANIFESTS_REF"
    touch "$src.tmp/.vk8s-complete"
    mv "$src.tmp" "$src"
    rm -f "$src.tar.gz"
  fi
fi
[ -d "$src/example" ] || fail "$src/example is missing (expected a kubeflow/manifests tree of $VK8S_MANIFESTS_REF)"

built="$work/kubeflow/kubeflow-$VK8S_MANIFESTS_REF.yaml"
rm -f "$built"
# One attempt: build (once), then apply; nothing runs past the total timeout.
build_and_apply() {
  if [ "$retry_remaining" -le 0 ]; then echo "no time left of the ${VK8S_RETRY_TIMEOUT}s timeout" >&2; return 1; fi
  if [ ! -s "$built" ]; then
    timeout "$retry_remaining" "$kustomize" build "$src/example" > "$built.raw" \
      || { echo "kustomize build failed or timed out (exit $?)" >&2; return 1; }
    if [ "$VK8S_WELL_DEFINED_FILTER" = 1 ]; then
      awk '!/well-defined/' "$built.raw" > "$built" || return 1
    else
      mv "$built.raw" "$built"
    fi
  fi
  if [ "$VK8S_SERVER_SIDE_APPLY" = 1 ]; then
    timeout "$retry_remaining" kubectl apply --server-side --force-conflicts -f "$built" > "$work/kubeflow/apply.log" \
      || { echo "kubectl apply failed or timed out (exit $?)" >&2; return 1; }
  else
    timeout "$retry_remaining" kubectl apply -f "$built" > "$work/kubeflow/apply.log" \
      || { echo "kubectl apply failed or timed out (exit $?)" >&2; return 1; }
  fi
}
retry_bounded "kubeflow apply" build_and_apply

for ns in $VK8S_KUBEFLOW_NAMESPACES; do
  if [ -n "$(kubectl get deployments -n "$ns" -o name 2>/dev/null)" ]; then
    log "waiting for the deployments in $ns (timeout ${VK8S_WAIT_TIMEOUT}s)"
    kubectl wait --for=condition=Available deployment --all -n "$ns" --timeout="${VK8S_WAIT_TIMEOUT}s" >&2
  fi
done
echo "kubeflow $VK8S_MANIFESTS_REF applied and available"
