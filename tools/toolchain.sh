#!/usr/bin/env bash
# Builds the e2e toolchain (Pulumi CLI, YAML language host, Kubernetes and command provider
# plugins, etcd, kube-apiserver, kube-controller-manager, kubectl, kustomize) from the Go module proxy,
# at the pinned versions below, into a cache outside the repo keyed by version:
#
#   $VK8S_TOOLCHAIN_DIR/<tool>-<version>/bin/...   one folder per tool and version
#   $VK8S_TOOLCHAIN_DIR/src/<tool>-<version>/      throwaway Go modules used for the build
#   $VK8S_TOOLCHAIN_DIR/logs/<tool>-<version>.log  full build log of the last build
#   $VK8S_TOOLCHAIN_DIR/pulumi-home/plugins/       Pulumi plugin cache (unless PULUMI_HOME is set)
#   $VK8S_TOOLCHAIN_DIR/env.sh                     `source` it: PATH, PULUMI_HOME, PULUMI_* flags
#
# Usage: tools/toolchain.sh [--force] [tool...]
#   tool     one or more of: pulumi pulumi-language-nodejs pulumi-language-yaml kubernetes-provider
#            command-provider etcd kubernetes kustomize coredns cri-tools flannel (default: all)
#   --force  rebuild even when a cached build exists (default: reuse the cache)
# Environment:
#   VK8S_TOOLCHAIN_DIR  cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/vk8s/toolchain)
#   PULUMI_HOME         Pulumi home holding the plugin cache (default: $VK8S_TOOLCHAIN_DIR/pulumi-home)
#
# A tool already on PATH at a compatible version (outside the cache) is not built.
# Builds run one at a time under `nice -n 10` (2-core machines), CGO_ENABLED=0.
# Plugins are installed into $PULUMI_HOME/plugins/resource-<name>-v<version>/ (no .partial
# marker), so `pulumi plugin ls` lists them and nothing is downloaded when
# PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true (set by env.sh).
# Pieces the module proxy does not serve are reported as `unavailable` with the proxy's answer.
# Two of them have vk8s stand-ins, built instead and named in env.sh: the Node.js language host
# (tools/standins/langhost-nodejs; VK8S_PULUMI_LANGUAGE_HOST) and the command provider
# (tools/standins/command-provider; VK8S_COMMAND_PROVIDER). Node.js dynamic providers get the
# pulumi-resource-pulumi-nodejs script next to the cached `pulumi`. Whatever is still missing is
# listed in VK8S_TOOLCHAIN_MISSING. Exit 1 if any piece failed to build.
set -euo pipefail

# ---- pinned versions --------------------------------------------------------------------
PULUMI_VERSION=3.274.1
# The Node.js language host is a separate module (sdk/nodejs/cmd/pulumi-language-nodejs/v3)
# published only as a pseudo-version of the v3.274.1 commit; leave empty while unknown.
PULUMI_LANGUAGE_NODEJS_MODULE_VERSION=""
KUBERNETES_PROVIDER_VERSION=4.25.0
KUBERNETES_PROVIDER_MODULE_VERSION=v4.0.0-20260115033456-f47bc2d6f199 # = release 4.25.0
KUBERNETES_PROVIDER_SDK_VERSION=v4.25.0 # replaces the provider's `../sdk` path
COMMAND_PROVIDER_VERSION=1.2.1
# github.com/pulumi/pulumi-command/provider at tag v1.2.1's commit (f0839b236d7b, per the
# Origin of github.com/pulumi/pulumi-command/sdk@v1.2.1); only its pseudo-version can exist, and
# the proxy refuses it (403 "This module version is not available"): the stand-in is built.
COMMAND_PROVIDER_MODULE_VERSION=v0.0.0-20260304002345-f0839b236d7b
# The YAML language host (Pulumi YAML programs, e.g. ones using vk8s's plugin package): its own
# module, released separately from the CLI; v1.25.0 is the newest the proxy serves (`go list -m
# -versions github.com/pulumi/pulumi-yaml`). Its go.mod requires pulumi pkg/v3 and sdk/v3 v3.206.0.
PULUMI_YAML_VERSION=1.25.0
ETCD_VERSION=3.6.16
# One Kubernetes version for the host and the vNodes: 1.34 is the newest minor whose kubelet still
# runs on cgroup v1 without failCgroupV1 (this machine's hierarchy), and the oldest the proxy serves.
KUBERNETES_VERSION=1.34.4
KUBERNETES_BUILD_DATE=2026-02-10T19:32:20Z # release time from the module proxy (deterministic)
KUSTOMIZE_VERSION=5.8.1                    # the kustomize of Kubeflow 26.03 (its KinD test script); 5.8.3 needs Go 1.27
# The host control plane (apiserver, controller-manager, scheduler), the host node (kubelet,
# kube-proxy) and the vNodes' kubeadm/kubelet/kubectl and control-plane images use these.
KUBERNETES_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kubeadm kube-proxy)

# CoreDNS: the host node's cluster DNS (vNodes find each other by their headless-service names)
# and the vNodes' kubeadm DNS addon image: the version kubeadm 1.34 pins (served by the proxy,
# though its version list starts at 1.14.3).
COREDNS_VERSION=1.12.1
# crictl: the vNodes' CRI client (kink image) and the host node's clean-up; follows the Kubernetes minor.
CRI_TOOLS_VERSION=1.34.0
# flannel: the vNodes' CNI where calico cannot be had (calico does not build from the proxy: its
# go.mod replaces github.com/projectcalico/api with a nested path the module zip lacks, and the
# proxy refuses that module). Built from its module with the tencentvpc backend left out: the proxy
# refuses github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc (404), which only that
# backend imports.
FLANNEL_VERSION=0.28.10

ALL_TOOLS=(pulumi pulumi-language-nodejs pulumi-language-yaml kubernetes-provider command-provider etcd kubernetes kustomize coredns cri-tools flannel)

# ---- settings ---------------------------------------------------------------------------
TC_ROOT="${VK8S_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vk8s/toolchain}"
TC_PULUMI_HOME="${PULUMI_HOME:-$TC_ROOT/pulumi-home}"
export GOFLAGS="-mod=mod -buildvcs=false" GOWORK=off CGO_ENABLED=0
export PATH="/usr/local/go/bin:$PATH"

force=0
tools=()
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h | --help) sed -n '2,30p' "$0"; exit 0 ;;
    *)
      if [[ " ${ALL_TOOLS[*]} " != *" $arg "* ]]; then
        echo "toolchain: unknown tool '$arg' (expected one of: ${ALL_TOOLS[*]})" >&2
        exit 2
      fi
      tools+=("$arg") ;;
  esac
done
[ ${#tools[@]} -gt 0 ] || tools=("${ALL_TOOLS[@]}")

mkdir -p "$TC_ROOT/logs" "$TC_ROOT/src" "$TC_PULUMI_HOME/plugins"
TC_TOOLS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=SCRIPTDIR/lib.sh
source "$TC_TOOLS/lib.sh"
# shellcheck source=SCRIPTDIR/heartbeat.sh
source "$TC_TOOLS/heartbeat.sh"

# ---- tools ------------------------------------------------------------------------------
# Each tc_<tool> prints one status line. Builds go to <dir>.tmp and are renamed into place only
# when complete (a .complete file marks them); env.sh lists the complete folders.

tc_pulumi() {
  local dir="$TC_ROOT/pulumi-v$PULUMI_VERSION"
  if tc_on_path pulumi "$(pulumi version 2>/dev/null)" "v$PULUMI_VERSION"; then return; fi
  tc_cached "$dir" pulumi && { tc_use "pulumi v$PULUMI_VERSION" "$dir"; return; }
  # pkg/v3's go.mod replaces the clipboard module: the throwaway module must do the same.
  tc_module "pulumi-v$PULUMI_VERSION" \
    "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" \
    "github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e" \
    -- github.com/pulumi/pulumi/pkg/v3/cmd/pulumi || return 0
  tc_build "pulumi v$PULUMI_VERSION" "$dir" "$TC_ROOT/src/pulumi-v$PULUMI_VERSION" \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    pulumi=github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
}

tc_pulumi_language_nodejs() {
  # The real host is installed next to `pulumi` (a bundled plugin is looked up on PATH, then
  # there). Its module is only published as a pseudo-version of the v$PULUMI_VERSION commit; when
  # that is unknown or not served, build vk8s's stand-in (tools/standins/langhost-nodejs).
  local dir="$TC_ROOT/pulumi-v$PULUMI_VERSION"
  local mod=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
  if tc_on_path pulumi-language-nodejs "$(pulumi-language-nodejs -version 2>/dev/null)" "$PULUMI_VERSION"; then return; fi
  if [ "$(cat "$dir/language-host" 2>/dev/null)" = pulumi ] && [ -x "$dir/bin/pulumi-language-nodejs" ] &&
    [ "$force" = 0 ]; then
    echo "pulumi-language-nodejs v$PULUMI_VERSION: cached"; return
  fi
  if [ -z "$PULUMI_LANGUAGE_NODEJS_MODULE_VERSION" ]; then
    if tc_cached "$(tc_language_nodejs_standin_dir)" pulumi-language-nodejs; then
      TC_MISSING+=(pulumi-language-nodejs)
      echo -n "pulumi-language-nodejs: real host not served by the proxy; "
      tc_language_nodejs_standin
      return
    fi
    tc_unavailable pulumi-language-nodejs "$(tc_proxy_answer "$mod")" \
      "$mod is only published as a pseudo-version of the v$PULUMI_VERSION commit, which the proxy does not list"
    tc_language_nodejs_standin
    return
  fi
  tc_module_available pulumi-language-nodejs "$mod" "$PULUMI_LANGUAGE_NODEJS_MODULE_VERSION" || { tc_language_nodejs_standin; return; }
  [ -x "$dir/bin/pulumi" ] || { tc_failed pulumi-language-nodejs "needs pulumi v$PULUMI_VERSION built first"; return; }
  local side="$TC_ROOT/pulumi-language-nodejs-v$PULUMI_VERSION"
  tc_module "pulumi-language-nodejs-v$PULUMI_VERSION" \
    "$mod@$PULUMI_LANGUAGE_NODEJS_MODULE_VERSION" "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" \
    "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION" \
    "github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e" \
    -- "$mod" || return 0
  # Built into a side folder, then linked into the (already complete) pulumi folder.
  tc_build "pulumi-language-nodejs v$PULUMI_VERSION" "$side" "$TC_ROOT/src/pulumi-language-nodejs-v$PULUMI_VERSION" \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    "pulumi-language-nodejs=$mod" || return 0
  tc_place_language_host "$side/bin/pulumi-language-nodejs" pulumi
}

tc_pulumi_language_yaml() {
  # Built as released: the throwaway module requires only pulumi-yaml, whose go.mod has no replace
  # lines, so MVS picks the versions of its release (pulumi pkg/v3 and sdk/v3 v3.206.0; the host
  # speaks the versioned plugin protocol to the newer CLI). Raising them to v$PULUMI_VERSION, as
  # the Node.js host does, does not compile: pkg/v3's schema.NewPluginLoader and
  # plugin.NewContextWithRoot changed signatures. Cached in its own folder (key: its version), put
  # on PATH by env.sh (the CLI finds language hosts there and warns that it uses one from $PATH).
  # A pulumi-language-yaml already on PATH is not taken instead: it has no version flag to check.
  local v=$PULUMI_YAML_VERSION dir="$TC_ROOT/pulumi-language-yaml-v$PULUMI_YAML_VERSION"
  local mod=github.com/pulumi/pulumi-yaml
  tc_cached "$dir" pulumi-language-yaml && { tc_use "pulumi-language-yaml v$v"; return; }
  tc_module_available "pulumi-language-yaml v$v" "$mod" "v$v" || return 0
  tc_module "pulumi-language-yaml-v$v" "$mod@v$v" -- "$mod/cmd/pulumi-language-yaml" || return 0
  tc_build "pulumi-language-yaml v$v" "$dir" "$TC_ROOT/src/pulumi-language-yaml-v$v" \
    "-X $mod/pkg/version.Version=v$v" "pulumi-language-yaml=$mod/cmd/pulumi-language-yaml"
}

# tc_place_language_host BINARY KIND: puts the language host next to the cached `pulumi`, where
# the CLI looks for bundled plugins (on PATH elsewhere it warns "using ... from $PATH"), and
# records KIND (pulumi | vk8s-stand-in) in <pulumi dir>/language-host.
tc_place_language_host() {
  local dir="$TC_ROOT/pulumi-v$PULUMI_VERSION"
  [ -f "$dir/.complete" ] || return 0
  if [ ! "$dir/bin/pulumi-language-nodejs" -ef "$1" ]; then
    rm -f "$dir/bin/pulumi-language-nodejs"
    ln "$1" "$dir/bin/pulumi-language-nodejs" 2>/dev/null || cp "$1" "$dir/bin/pulumi-language-nodejs"
  fi
  echo "$2" >"$dir/language-host"
}

# ---- vk8s stand-ins ----------------------------------------------------------------------
# Each stand-in is a Go module in tools/standins/<name>/ with a committed go.mod and go.sum (its
# tests run in place: tools/standins/gotest.sh). The build copies the module's non-test sources,
# go.mod and go.sum into $TC_ROOT/src/<folder>/ and builds with -mod=readonly: nothing is
# resolved at build time. Cache key: the folder is named by a hash of the non-test Go sources
# (content, not paths), and a cached build is reused only while the go.mod and go.sum it was built
# from (the copies in $TC_ROOT/src/<folder>/) equal the committed ones, so a changed module rebuilds.

# tc_standin_hash NAME: 12 hex digits over tools/standins/NAME's non-test Go sources: one file's
# sha256, or the sha256 of the `sha256sum ./file.go` lines of several (sorted by name).
tc_standin_hash() {
  local files
  mapfile -t files < <(cd "$TC_TOOLS/standins/$1" && find . -maxdepth 1 -name '*.go' ! -name '*_test.go' | LC_ALL=C sort)
  if [ ${#files[@]} -eq 1 ]; then
    (cd "$TC_TOOLS/standins/$1" && sha256sum "${files[0]}" | cut -c1-12)
  else
    (cd "$TC_TOOLS/standins/$1" && sha256sum "${files[@]}" | sha256sum | cut -c1-12)
  fi
}

# tc_standin_current NAME DIR: DIR's build came from the committed go.mod and go.sum of NAME.
tc_standin_current() {
  local src f
  src="$TC_ROOT/src/$(basename "$2")"
  for f in go.mod go.sum; do cmp -s "$TC_TOOLS/standins/$1/$f" "$src/$f" || return 1; done
}

# tc_standin LABEL NAME DIR BINARY VERSION PREFIX: reuse DIR when complete and built from the
# committed module, else build stand-in NAME stamped with VERSION, and drop the builds of older
# sources (folders PREFIX-*). Returns non-zero when the build failed (already reported).
tc_standin() {
  local label=$1 name=$2 dir=$3 binary=$4 version=$5 prefix=$6 src old
  if tc_cached "$dir" "$binary" && tc_standin_current "$name" "$dir"; then
    tc_use "$label"
    return 0
  fi
  src="$TC_ROOT/src/$(basename "$dir")"
  tc_log_start "$(basename "$dir")"
  tc_step "$label" tc_prepare_standin "$name" "$src" || return 1
  GOFLAGS="-mod=readonly -buildvcs=false" tc_build "$label" "$dir" "$src" "-X main.version=$version" "$binary=." || return 1
  for old in "$TC_ROOT/$prefix"-* "$TC_ROOT/src/$prefix"-*; do
    case "$old" in "$dir" | "$src") ;; *) rm -rf "$old" ;; esac
  done
}

# tc_prepare_standin NAME SRC: SRC holds the committed module of stand-in NAME without its tests.
tc_prepare_standin() {
  local mod="$TC_TOOLS/standins/$1"
  if [ ! -f "$mod/go.mod" ] || [ ! -f "$mod/go.sum" ]; then
    echo "$mod has no committed go.mod and go.sum: run 'go mod tidy' there and commit both"
    return 1
  fi
  # The stand-ins speak the plugin protocol of the pinned CLI: their go.mod pins the same SDK.
  grep -q "^[[:space:]]*github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION\$" "$mod/go.mod" || {
    echo "$mod/go.mod does not require github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION (PULUMI_VERSION):" \
      "run 'go get github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION && go mod tidy' there and commit go.mod and go.sum"
    return 1
  }
  rm -rf "$2" && mkdir -p "$2"
  find "$mod" -maxdepth 1 -name '*.go' ! -name '*_test.go' -exec cp {} "$2/" \;
  cp "$mod/go.mod" "$mod/go.sum" "$2/"
}

# The language host stand-in's cache folder: the Pulumi version and the hash of its sources.
tc_language_nodejs_standin_dir() {
  echo "$TC_ROOT/pulumi-language-nodejs-standin-v$PULUMI_VERSION-$(tc_standin_hash langhost-nodejs)"
}

tc_language_nodejs_standin() {
  local dir
  dir=$(tc_language_nodejs_standin_dir)
  tc_standin "pulumi-language-nodejs stand-in (vk8s)" langhost-nodejs "$dir" pulumi-language-nodejs \
    "$PULUMI_VERSION" pulumi-language-nodejs-standin || return 0
  tc_place_language_host "$dir/bin/pulumi-language-nodejs" vk8s-stand-in
}

tc_kubernetes_provider() {
  local v=$KUBERNETES_PROVIDER_VERSION dir="$TC_ROOT/pulumi-resource-kubernetes-$KUBERNETES_PROVIDER_VERSION"
  local mod=github.com/pulumi/pulumi-kubernetes/provider/v4
  if ! tc_cached "$dir" pulumi-resource-kubernetes && tc_plugin_installed kubernetes "$v"; then
    echo "pulumi-resource-kubernetes $v: already installed in $TC_PULUMI_HOME/plugins, not built"; return
  fi
  if ! tc_cached "$dir" pulumi-resource-kubernetes; then
    tc_module_available "pulumi-resource-kubernetes $v" "$mod" "$KUBERNETES_PROVIDER_MODULE_VERSION" || return 0
    local src="$TC_ROOT/src/pulumi-resource-kubernetes-$v"
    # The main package embeds schema-embed.json and terraform-mapping-embed.json, which its
    # generate.go derives from the committed schema.json and terraform-mapping.json; they are not
    # in the module zip, so generate them in a writable copy of the module.
    tc_log_start "pulumi-resource-kubernetes-$v"
    if ! tc_step "pulumi-resource-kubernetes $v" tc_prepare_kubernetes_provider "$src" "$mod"; then return 0; fi
    tc_build "pulumi-resource-kubernetes $v" "$dir" "$src" \
      "-X $mod/pkg/version.Version=$v" \
      "pulumi-resource-kubernetes=./cmd/pulumi-resource-kubernetes" || return 0
  else
    tc_use "pulumi-resource-kubernetes $v" "$dir" nopath
  fi
  tc_install_plugin kubernetes "$v" "$dir/bin/pulumi-resource-kubernetes"
}

tc_prepare_kubernetes_provider() {
  local src="$1" mod="$2" zipdir
  zipdir=$(go mod download -json "$mod@$KUBERNETES_PROVIDER_MODULE_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -n "$zipdir" ] || { echo "go mod download gave no Dir"; return 1; }
  rm -rf "$src" && mkdir -p "$(dirname "$src")" && cp -R "$zipdir" "$src" && chmod -R u+w "$src"
  (cd "$src" &&
    go mod edit -replace "github.com/pulumi/pulumi-kubernetes/sdk/v4=github.com/pulumi/pulumi-kubernetes/sdk/v4@$KUBERNETES_PROVIDER_SDK_VERSION" &&
    cd cmd/pulumi-resource-kubernetes && VERSION="$KUBERNETES_PROVIDER_VERSION" nice -n 10 go run generate.go &&
    ls -l schema-embed.json terraform-mapping-embed.json)
}

tc_command_provider() {
  local v=$COMMAND_PROVIDER_VERSION dir="$TC_ROOT/pulumi-resource-command-$COMMAND_PROVIDER_VERSION"
  local mod=github.com/pulumi/pulumi-command/provider
  local installed="$TC_PULUMI_HOME/plugins/resource-command-v$v/pulumi-resource-command"
  if tc_cached "$dir" pulumi-resource-command; then
    tc_use "pulumi-resource-command $v"
    tc_install_plugin command "$v" "$dir/bin/pulumi-resource-command"
    return
  fi
  if tc_plugin_installed command "$v" && ! tc_is_command_standin "$installed"; then
    echo "pulumi-resource-command $v: already installed in $TC_PULUMI_HOME/plugins, not built"; return
  fi
  # The proxy refuses the real provider's module (403 "This module version is not available"):
  # build vk8s's stand-in (tools/standins/command-provider). With the stand-in cached, the
  # proxy is not asked again (--force asks).
  if tc_cached "$(tc_command_standin_dir)" pulumi-resource-command; then
    TC_MISSING+=(pulumi-resource-command)
    echo -n "pulumi-resource-command $v: real provider not served by the proxy; "
    tc_command_standin
    return
  fi
  tc_module_available "pulumi-resource-command $v" "$mod" "$COMMAND_PROVIDER_MODULE_VERSION" || { tc_command_standin; return; }
  tc_module "pulumi-resource-command-$v" "$mod@$COMMAND_PROVIDER_MODULE_VERSION" \
    -- "$mod/cmd/pulumi-resource-command" || return 0
  tc_build "pulumi-resource-command $v" "$dir" "$TC_ROOT/src/pulumi-resource-command-$v" \
    "-X $mod/pkg/version.Version=$v" \
    "pulumi-resource-command=$mod/cmd/pulumi-resource-command" || return 0
  tc_install_plugin command "$v" "$dir/bin/pulumi-resource-command"
}

# The command provider stand-in's cache folder: its version and the hash of its sources.
tc_command_standin_dir() {
  echo "$TC_ROOT/pulumi-resource-command-standin-v$COMMAND_PROVIDER_VERSION-$(tc_standin_hash command-provider)"
}

tc_command_standin() {
  local v=$COMMAND_PROVIDER_VERSION dir
  dir=$(tc_command_standin_dir)
  tc_standin "pulumi-resource-command $v stand-in (vk8s)" command-provider "$dir" pulumi-resource-command \
    "$v" pulumi-resource-command-standin || return 0
  tc_install_plugin command "$v" "$dir/bin/pulumi-resource-command"
}

tc_etcd() {
  local dir="$TC_ROOT/etcd-v$ETCD_VERSION"
  if tc_on_path etcd "$(etcd --version 2>/dev/null | head -1)" "etcd Version: ${ETCD_VERSION%.*}."; then return; fi
  tc_cached "$dir" etcd && { tc_use "etcd v$ETCD_VERSION" "$dir"; return; }
  # etcd's main package is the root of go.etcd.io/etcd/server/v3, whose go.mod replaces its
  # sibling modules with local paths: the throwaway module's MVS picks the published ones.
  tc_module "etcd-v$ETCD_VERSION" "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" \
    "go.etcd.io/etcd/api/v3@v$ETCD_VERSION" "go.etcd.io/etcd/client/pkg/v3@v$ETCD_VERSION" \
    "go.etcd.io/etcd/client/v3@v$ETCD_VERSION" "go.etcd.io/etcd/pkg/v3@v$ETCD_VERSION" \
    -- go.etcd.io/etcd/server/v3 || return 0
  tc_build "etcd v$ETCD_VERSION" "$dir" "$TC_ROOT/src/etcd-v$ETCD_VERSION" "" etcd=go.etcd.io/etcd/server/v3
}

tc_kubernetes() {
  local v=$KUBERNETES_VERSION dir="$TC_ROOT/kubernetes-v$KUBERNETES_VERSION"
  local minor="v${v%.*}."
  if tc_path_ok kubectl "$(kubectl version --client 2>/dev/null | head -1)" "Client Version: $minor" &&
    tc_path_ok kube-apiserver "$(kube-apiserver --version 2>/dev/null)" "Kubernetes $minor" &&
    tc_path_ok kube-controller-manager "$(kube-controller-manager --version 2>/dev/null)" "Kubernetes $minor"; then
    echo "kubernetes: kubectl, kube-apiserver, kube-controller-manager ${minor}x on PATH, not built"
    return
  fi
  tc_cached "$dir" "${KUBERNETES_BINARIES[@]}" && { tc_use "kubernetes v$v" "$dir"; return; }
  # k8s.io/kubernetes replaces every k8s.io/* staging module with ./staging/src/...: replace
  # each with its published v0.<minor>.<patch> of the same release.
  local staging="0.${v#1.}" reps=() m
  while read -r m; do reps+=("$m=$m@v$staging"); done < <(tc_kubernetes_staging_modules "$v")
  [ ${#reps[@]} -gt 0 ] || { tc_failed "kubernetes v$v" "could not read the staging modules of k8s.io/kubernetes@v$v"; return; }
  local pkgs=() specs=() b
  for b in "${KUBERNETES_BINARIES[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$b"); specs+=("$b=k8s.io/kubernetes/cmd/$b"); done
  tc_module "kubernetes-v$v" "k8s.io/kubernetes@v$v" "${reps[@]}" -- "${pkgs[@]}" || return 0
  local ld="" p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=v$v -X $p.gitMajor=${v%%.*} -X $p.gitMinor=$(echo "$v" | cut -d. -f2)"
    ld+=" -X $p.gitTreeState=clean -X $p.buildDate=$KUBERNETES_BUILD_DATE"
  done
  tc_build "kubernetes v$v" "$dir" "$TC_ROOT/src/kubernetes-v$v" "$ld" "${specs[@]}"
}

tc_kustomize() {
  local dir="$TC_ROOT/kustomize-v$KUSTOMIZE_VERSION"
  if tc_on_path kustomize "$(kustomize version 2>/dev/null)" "v${KUSTOMIZE_VERSION%%.*}."; then return; fi
  tc_cached "$dir" kustomize && { tc_use "kustomize v$KUSTOMIZE_VERSION" "$dir"; return; }
  # Its go.mod has no replace lines: `go install mod@version` stamps the version itself.
  tc_install "kustomize v$KUSTOMIZE_VERSION" "$dir" "sigs.k8s.io/kustomize/kustomize/v5@v$KUSTOMIZE_VERSION"
}

tc_coredns() {
  local dir="$TC_ROOT/coredns-v$COREDNS_VERSION"
  tc_cached "$dir" coredns && { tc_use "coredns v$COREDNS_VERSION" "$dir"; return; }
  tc_install "coredns v$COREDNS_VERSION" "$dir" "github.com/coredns/coredns@v$COREDNS_VERSION"
}

tc_cri_tools() {
  local dir="$TC_ROOT/cri-tools-v$CRI_TOOLS_VERSION"
  tc_cached "$dir" crictl && { tc_use "crictl v$CRI_TOOLS_VERSION" "$dir"; return; }
  tc_module "cri-tools-v$CRI_TOOLS_VERSION" "sigs.k8s.io/cri-tools@v$CRI_TOOLS_VERSION" -- sigs.k8s.io/cri-tools/cmd/crictl || return 0
  tc_build "crictl v$CRI_TOOLS_VERSION" "$dir" "$TC_ROOT/src/cri-tools-v$CRI_TOOLS_VERSION" \
    "-X sigs.k8s.io/cri-tools/pkg/version.Version=v$CRI_TOOLS_VERSION" crictl=sigs.k8s.io/cri-tools/cmd/crictl
}

tc_flannel() {
  local v=$FLANNEL_VERSION dir="$TC_ROOT/flannel-v$FLANNEL_VERSION" src="$TC_ROOT/src/flannel-v$FLANNEL_VERSION"
  tc_cached "$dir" flanneld && { tc_use "flanneld v$v" "$dir"; return; }
  tc_log_start "flannel-v$v"
  tc_step "flanneld v$v" tc_prepare_flannel "$src" || return 0
  # The udp backend uses cgo: this one binary is built with CGO_ENABLED=1 (glibc, Debian images).
  CGO_ENABLED=1 tc_build "flanneld v$v" "$dir" "$src" "-X github.com/flannel-io/flannel/pkg/version.Version=v$v" flanneld=.
}

# tc_prepare_flannel SRC: a writable copy of flannel's module without the tencentvpc backend, the
# two refused tencentcloud modules replaced by empty local modules (never compiled: nothing imports them).
tc_prepare_flannel() {
  local src=$1 zipdir m
  zipdir=$(go mod download -json "github.com/flannel-io/flannel@v$FLANNEL_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -n "$zipdir" ] || { echo "go mod download gave no Dir"; return 1; }
  rm -rf "$src" && mkdir -p "$(dirname "$src")" && cp -R "$zipdir" "$src" && chmod -R u+w "$src"
  grep -q 'pkg/backend/tencentvpc"' "$src/main.go" || { echo "main.go no longer imports tencentvpc: revisit tc_prepare_flannel"; return 1; }
  sed -i '/pkg\/backend\/tencentvpc"/d' "$src/main.go"
  rm -rf "$src/pkg/backend/tencentvpc"
  for m in common vpc; do
    mkdir -p "$src/.vk8s-stub/$m"
    printf 'module github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/%s\n\ngo 1.20\n' "$m" >"$src/.vk8s-stub/$m/go.mod"
    (cd "$src" && go mod edit -replace "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/$m=./.vk8s-stub/$m")
  done
}

# ---- main -------------------------------------------------------------------------------
TC_MISSING=()
TC_FAILED=()
for t in "${tools[@]}"; do "tc_${t//-/_}"; done
tc_place_nodejs_dynamic_provider
tc_write_env
echo "env: source $TC_ROOT/env.sh"
[ ${#TC_MISSING[@]} -eq 0 ] || echo "unavailable from the Go module proxy: ${TC_MISSING[*]}"
if [ ${#TC_FAILED[@]} -gt 0 ]; then
  echo "failed: ${TC_FAILED[*]} (logs in $TC_ROOT/logs)" >&2
  exit 1
fi
