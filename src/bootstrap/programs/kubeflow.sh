#!/bin/sh
# vk8s bootstrap program: Kubeflow from kubeflow/manifests at the matrix's ref,
# built with the matrix's kustomize and applied in a BOUNDED retry loop (CRDs must be
# established before their objects apply, so a few failures are normal, endless ones are
# not). The build goes to a file before the apply: POSIX sh has no pipefail, and a failed
# build piped into kubectl could apply half a Kubeflow and "succeed".
#
# Before anything is downloaded:
#   - the host kernel's inotify limits (shared by every vNode on the host node) must reach
#     what the line needs (VK8S_INOTIFY_*; its README's prerequisite), else it refuses with
#     the values found, the values needed and the sysctl to run on the host;
#   - a different Kubeflow line recorded as installed (ConfigMap kube-system/vk8s-kubeflow,
#     written after every install) is refused (VK8S_VERSION_CHANGE=refuse) or its objects
#     are deleted first with its own built manifest (reinstall); a new patch of the same
#     line is applied in place;
#   - the default StorageClass must exist (the default StorageClass step), when vk8s installs it.
# What is built: a vk8s kustomization (under $work/kubeflow/build-<ref>) whose resources
# are the entries of the tree's own example/kustomization.yaml, classified by the globs of
# kubeflow/components.patterns and kept when their component is installed
# (VK8S_KUBEFLOW_COMPONENTS; empty = all); the user-namespace entry is replaced by a copy
# of that folder whose params.env names the login user (`user=`) and the Profile
# (`profile-name=`): the manifests' own parameters. The example user's Profile is removed
# when an earlier install left it. When the wait times out, the error names the Pending
# claims and pods.
# Data: VK8S_KUSTOMIZE_VERSION, VK8S_KUSTOMIZE_KIND (archive|binary: URL with {arch};
# local: path), VK8S_KUSTOMIZE_SOURCE, VK8S_KUSTOMIZE_AMD64_ONLY (1: no arm64 build),
# VK8S_MANIFESTS_REF, VK8S_MANIFESTS_KIND (url|local), VK8S_MANIFESTS_SOURCE,
# VK8S_MANIFESTS_CACHE, VK8S_WELL_DEFINED_FILTER (1: drop kustomize's "well-defined"
# warning lines, Kubeflow 1.7), VK8S_SERVER_SIDE_APPLY (1: --server-side --force-conflicts,
# 1.10+), VK8S_KUBEFLOW_NAMESPACES, VK8S_KUBEFLOW_LINE, VK8S_KUBEFLOW_COMPONENTS,
# VK8S_PROFILE_NAME, VK8S_PROFILE_USER, VK8S_EXAMPLE_PROFILE, VK8S_EXAMPLE_USER,
# VK8S_VERSION_CHANGE (refuse|reinstall), VK8S_INOTIFY_INSTANCES and VK8S_INOTIFY_WATCHES
# (empty: no need), VK8S_PROC_SYS (/proc/sys; tests), VK8S_DEFAULT_STORAGE_CLASS (empty:
# not checked), VK8S_RETRY_*, VK8S_WAIT_TIMEOUT; file kubeflow/components.patterns
# (`<component> <glob>` lines, first match wins).
# shellcheck source=lib.sh
. "${VK8S_STEP_DIR:?}/lib.sh"

phase 'Installing: installing kubeflow'
use_admin_kubeconfig
command -v timeout >/dev/null 2>&1 || fail "timeout (coreutils) is missing on the vNode"
patterns=$(data kubeflow/components.patterns)

# The host's inotify limits: /proc/sys/fs/inotify is the host kernel's, not the vNode's.
if [ -n "$VK8S_INOTIFY_INSTANCES" ]; then
  proc_sys=${VK8S_PROC_SYS:-/proc/sys}
  instances=$(cat "$proc_sys/fs/inotify/max_user_instances" 2>/dev/null || echo unknown)
  watches=$(cat "$proc_sys/fs/inotify/max_user_watches" 2>/dev/null || echo unknown)
  short=''
  case "$instances" in *[!0-9]* | '') short=yes ;; *) [ "$instances" -ge "$VK8S_INOTIFY_INSTANCES" ] || short=yes ;; esac
  case "$watches" in *[!0-9]* | '') short=yes ;; *) [ "$watches" -ge "$VK8S_INOTIFY_WATCHES" ] || short=yes ;; esac
  if [ -n "$short" ]; then
    fail "the host node's inotify limits are fs.inotify.max_user_instances=$instances and fs.inotify.max_user_watches=$watches; Kubeflow $VK8S_KUBEFLOW_LINE needs at least $VK8S_INOTIFY_INSTANCES and $VK8S_INOTIFY_WATCHES (its pods fail with \"too many open files\" otherwise): on the host node run \`sysctl -w fs.inotify.max_user_instances=$VK8S_INOTIFY_INSTANCES fs.inotify.max_user_watches=$VK8S_INOTIFY_WATCHES\` (and persist it in /etc/sysctl.d), or enable Vk8sPlatform's settings.hostPreparation"
  fi
fi

# What is installed: the record of the last install, else (installs before the record) a
# built manifest of another ref left in $work/kubeflow.
line_of() { printf '%s\n' "$1" | sed 's/^v//' | cut -d. -f1,2; }
record=$(kubectl get configmap vk8s-kubeflow -n kube-system --ignore-not-found --no-headers \
  -o 'custom-columns=LINE:.data.line,REF:.data.ref,MANIFEST:.data.manifest' 2>/dev/null || true)
installed_line='' installed_ref='' installed_manifest=''
if [ -n "$record" ]; then
  read -r installed_line installed_ref installed_manifest <<EOF_RECORD
$record
EOF_RECORD
else
  for old in "$work"/kubeflow/kubeflow-v*.yaml; do
    [ -f "$old" ] || continue
    ref=${old##*/kubeflow-}
    ref=${ref%.yaml}
    [ "$ref" != "$VK8S_MANIFESTS_REF" ] || continue
    installed_ref=$ref installed_line=$(line_of "$ref") installed_manifest=$old
  done
fi
if [ -n "$installed_line" ] && [ "$installed_line" != "$VK8S_KUBEFLOW_LINE" ]; then
  if [ "$VK8S_VERSION_CHANGE" != reinstall ]; then
    fail "Kubeflow $installed_ref (line $installed_line) is installed and this update asks for $VK8S_MANIFESTS_REF (line $VK8S_KUBEFLOW_LINE); upstream does not upgrade across lines in place, so nothing was changed (set kubeflow.versionChange: reinstall to delete $installed_ref's objects, its users' notebooks and pipeline data included, and install $VK8S_MANIFESTS_REF; or keep kubeflow.version at $installed_line)"
  fi
  [ -f "$installed_manifest" ] || fail "Kubeflow $installed_ref is installed but its built manifest ($installed_manifest) is not on this vNode, so its objects cannot be deleted exactly (delete them by hand, then delete ConfigMap kube-system/vk8s-kubeflow and re-run)"
  log "versionChange=reinstall: deleting the objects of Kubeflow $installed_ref ($installed_manifest)"
  timeout "$VK8S_RETRY_TIMEOUT" kubectl delete -f "$installed_manifest" --ignore-not-found --wait=true >&2 \
    || fail "deleting the objects of Kubeflow $installed_ref failed or timed out after ${VK8S_RETRY_TIMEOUT}s (see above; re-run to continue)"
  kubectl delete configmap vk8s-kubeflow -n kube-system --ignore-not-found >&2
  log "Kubeflow $installed_ref removed"
elif [ -n "$installed_ref" ] && [ "$installed_ref" != "$VK8S_MANIFESTS_REF" ]; then
  log "Kubeflow $installed_ref is installed: $VK8S_MANIFESTS_REF is the same line $VK8S_KUBEFLOW_LINE, applied in place"
fi

if [ -n "$VK8S_DEFAULT_STORAGE_CLASS" ]; then
  default_class=$(kubectl get storageclass --no-headers -o 'custom-columns=NAME:.metadata.name,DEFAULT:.metadata.annotations.storageclass\.kubernetes\.io/is-default-class' \
    | awk '$2 == "true" { print $1 }')
  [ "$default_class" = "$VK8S_DEFAULT_STORAGE_CLASS" ] \
    || fail "the default StorageClass is '${default_class}', not $VK8S_DEFAULT_STORAGE_CLASS: Kubeflow's claims would stay Pending (re-run step 07-storage)"
fi

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
[ -f "$src/example/kustomization.yaml" ] || fail "$src/example/kustomization.yaml is missing (expected a kubeflow/manifests tree of $VK8S_MANIFESTS_REF)"

# The vk8s kustomization: the example's own entries, selected, with the user's namespace.
build="$work/kubeflow/build-$VK8S_MANIFESTS_REF"
rm -rf "$build"
mkdir -p "$build"
ln -s "$src" "$build/manifests"
classify() {
  while read -r comp glob; do
    [ -n "$comp" ] || continue
    # shellcheck disable=SC2254 # the glob is the pattern
    case "$1" in $glob) echo "$comp"; return 0 ;; esac
  done < "$patterns"
}
awk '
  /^resources:/ { inres = 1; next }
  /^[^ #-]/ { inres = 0 }
  inres && /^[ ]*-[ ]/ { sub(/^[ ]*-[ ]+/, ""); sub(/[ ]+#.*$/, ""); gsub(/["\047]/, ""); if ($0 != "") print }
' "$src/example/kustomization.yaml" > "$build/example.list"
{
  echo "# vk8s: the resources of $VK8S_MANIFESTS_REF example/kustomization.yaml, selected; rendered on the node, do not edit"
  echo "apiVersion: kustomize.config.k8s.io/v1beta1"
  echo "kind: Kustomization"
  echo "resources:"
} > "$build/kustomization.yaml"
found=' ' user_namespace=''
while read -r entry; do
  case "$entry" in ../*) path=${entry#../} ;; *) path="example/$entry" ;; esac
  comp=$(classify "$path")
  if [ "$comp" = user-namespace ]; then
    [ -f "$src/$path/params.env" ] || fail "$src/$path/params.env is missing (expected the user namespace of $VK8S_MANIFESTS_REF)"
    cp -R "$src/$path/." "$build/user-namespace"
    awk -v user="$VK8S_PROFILE_USER" -v profile="$VK8S_PROFILE_NAME" '
      /^user=/ { print "user=" user; u++; next }
      /^profile-name=/ { print "profile-name=" profile; p++; next }
      { print }
      END { if (u != 1 || p != 1) exit 3 }
    ' "$src/$path/params.env" > "$build/user-namespace/params.env" \
      || fail "$src/$path/params.env has no single user= and profile-name= (is this the user namespace of $VK8S_MANIFESTS_REF?)"
    echo "- user-namespace" >> "$build/kustomization.yaml"
    user_namespace=$path
    continue
  fi
  keep=''
  if [ -z "$VK8S_KUBEFLOW_COMPONENTS" ]; then keep=yes
  elif [ -n "$comp" ]; then
    case " $VK8S_KUBEFLOW_COMPONENTS " in *" $comp "*) keep=yes ;; esac
  else
    case "$path" in common/*) keep=yes ;; esac
  fi
  if [ -n "$keep" ]; then
    echo "- manifests/$path" >> "$build/kustomization.yaml"
    [ -z "$comp" ] || found="$found$comp "
  else
    log "leaving out $path (component ${comp:-unknown} not chosen)"
  fi
done < "$build/example.list"
# The example's own image overrides and sort order carry over (an air-gapped site retags its
# images there); fields with paths relative to example/ do not apply to this build.
awk '
  /^[A-Za-z]/ { keep = ($0 ~ /^(images|sortOptions):/) }
  keep { print }
' "$src/example/kustomization.yaml" >> "$build/kustomization.yaml"
[ -n "$user_namespace" ] || fail "$src/example/kustomization.yaml names no common/user-namespace folder (expected the example of $VK8S_MANIFESTS_REF)"
missing=''
for comp in $VK8S_KUBEFLOW_COMPONENTS; do
  case "$found" in *" $comp "*) ;; *) [ "$comp" = user-namespace ] || missing="$missing $comp" ;; esac
done
[ -z "$missing" ] || fail "no folder of $VK8S_MANIFESTS_REF example/kustomization.yaml matches component(s)$missing (see kubeflow/components.patterns; is this the manifests tree of $VK8S_MANIFESTS_REF?)"
log "building $(grep -c '^- ' "$build/kustomization.yaml") folders of the example (Profile $VK8S_PROFILE_NAME owned by $VK8S_PROFILE_USER)"

built="$work/kubeflow/kubeflow-$VK8S_MANIFESTS_REF.yaml"
rm -f "$built"
# One attempt: build (once), then apply; nothing runs past the total timeout.
build_and_apply() {
  if [ "$retry_remaining" -le 0 ]; then echo "no time left of the ${VK8S_RETRY_TIMEOUT}s timeout" >&2; return 1; fi
  if [ ! -s "$built" ]; then
    timeout "$retry_remaining" "$kustomize" build "$build" > "$built.raw" \
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

# pending_report: the Pending claims and pods of the whole cluster, one line.
pending_report() {
  claims=$(kubectl get pvc -A --no-headers -o 'custom-columns=NS:.metadata.namespace,NAME:.metadata.name,PHASE:.status.phase,CLASS:.spec.storageClassName' 2>/dev/null \
    | awk '$3 == "Pending" { printf "%s%s/%s (class %s)", sep, $1, $2, $4; sep = ", " }')
  pods=$(kubectl get pods -A --no-headers -o 'custom-columns=NS:.metadata.namespace,NAME:.metadata.name,PHASE:.status.phase' 2>/dev/null \
    | awk '$3 == "Pending" { printf "%s%s/%s", sep, $1, $2; sep = ", " }')
  printf 'Pending claims: %s; Pending pods: %s' "${claims:-none}" "${pods:-none}"
}
for ns in $VK8S_KUBEFLOW_NAMESPACES; do
  if [ -n "$(kubectl get deployments -n "$ns" -o name 2>/dev/null)" ]; then
    log "waiting for the deployments in $ns (timeout ${VK8S_WAIT_TIMEOUT}s)"
    kubectl wait --for=condition=Available deployment --all -n "$ns" --timeout="${VK8S_WAIT_TIMEOUT}s" >&2 \
      || fail "the deployments in $ns are not Available after ${VK8S_WAIT_TIMEOUT}s. $(pending_report) (a claim stays Pending without a default StorageClass that can provision it; run kubectl describe on them inside the virtual cluster)"
  fi
done

# The example user's Profile, left by an install before vk8s set the user's own.
if [ "$VK8S_EXAMPLE_PROFILE" != "$VK8S_PROFILE_NAME" ]; then
  owner=$(kubectl get profile "$VK8S_EXAMPLE_PROFILE" --ignore-not-found --no-headers -o 'custom-columns=OWNER:.spec.owner.name' 2>/dev/null || true)
  if [ "$owner" = "$VK8S_EXAMPLE_USER" ]; then
    kubectl delete profile "$VK8S_EXAMPLE_PROFILE" --ignore-not-found >&2
    log "removed the example Profile $VK8S_EXAMPLE_PROFILE of $VK8S_EXAMPLE_USER (who cannot log in)"
  fi
fi

# The record a later version change reads.
cat > "$work/kubeflow/vk8s-kubeflow.yaml" <<EOF_RECORD
apiVersion: v1
kind: ConfigMap
metadata:
  name: vk8s-kubeflow
  namespace: kube-system
data:
  line: "$VK8S_KUBEFLOW_LINE"
  ref: "$VK8S_MANIFESTS_REF"
  manifest: "$built"
  components: "${VK8S_KUBEFLOW_COMPONENTS:-all}"
EOF_RECORD
kubectl apply -f "$work/kubeflow/vk8s-kubeflow.yaml" >&2
echo "kubeflow $VK8S_MANIFESTS_REF applied and available (components: ${VK8S_KUBEFLOW_COMPONENTS:-all}; Profile $VK8S_PROFILE_NAME of $VK8S_PROFILE_USER)"
