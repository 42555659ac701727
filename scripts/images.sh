#!/usr/bin/env bash
# Builds vk8s's container images offline with docker (no registry is needed or reached) and
# writes them as `docker save` archives that `ctr -n k8s.io images import` takes:
#
#   kink           ghcr.io/vk8s/kink:v<minor>      the vNode image (images/kink, BINARIES=context:
#                  kubelet/kubeadm/kubectl from the toolchain, crictl and CoreDNS from the toolchain (Go module
#                  proxy, CNI plugins from Debian; no NVIDIA toolkit; the control-plane archive
#                  in preload/, imported into the vNode's containerd before sshd starts)
#   access         ghcr.io/vk8s/access:<vk8s version>   the SSH jump host (images/access)
#   control-plane  the vNodes' air-gapped preload: vk8s's flannel image (images/flannel, flanneld
#                  from the toolchain) and kubeadm's images, tagged for the image repository vk8s.local
#                  with the names `kubeadm config images list` prints (pause, kube-apiserver,
#                  kube-controller-manager, kube-scheduler, kube-proxy, coredns), except etcd,
#                  which carries its own version (kubeadm config: etcd.local.imageTag)
#   fl             ghcr.io/vk8s/vk8s-fl:<fl version>   the FederatedLearning component's Python
#                  image (images/fl: fl/'s vk8s_fl and its pinned dependencies from PyPI; the
#                  tag is VK8S_IMAGE_TAG in src/matrix/table.ts (FL_DEFAULTS.image), equal to fl/pyproject.toml's version)
#   fl-tf          ghcr.io/vk8s/vk8s-fl:<fl version>-tf   the same with TensorFlow (efficientnet-b0)
#                  fl and fl-tf are built and imported only when named.
#
# Every image is built from a Debian base made with debootstrap and `docker import`ed.
# Versions: KUBERNETES_VERSION and ETCD_VERSION of tools/toolchain.sh, whose binaries
# (static, CGO off) must be built first (tools/toolchain.sh kubernetes etcd).
#
# Usage:
#   scripts/images.sh [build [IMAGE...]]            build what is missing (the default; IMAGE:
#                                                   kink, access, control-plane, fl, fl-tf;
#                                                   default kink, access, control-plane)
#   scripts/images.sh import --address SOCKET [--namespace NS] [IMAGE...]
#                                                   import the archives into a containerd
#                                                   (NS default k8s.io; IMAGE: kink, access,
#                                                   control-plane, fl, fl-tf; default kink, access,
#                                                   control-plane). Imported images
#                                                   carry the label vk8s.io/images-archive=<image>-<key>;
#                                                   archives already imported are skipped.
#   scripts/images.sh list                          the archives of the current inputs, one
#                                                   `NAME PATH` a line (nothing is built)
#   scripts/images.sh prune                         remove archives of other inputs, staged
#                                                   contexts and docker's dangling images
# Layout under $VK8S_IMAGES_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/vk8s/images):
#   base/debian-<release>-<key>/rootfs.tar   debootstrap output (docker: vk8s.local/debian:<release>-<key>)
#   <image>-<key>/<image>.tar, images.txt    one archive per image, and the tags in it
#   logs/<piece>.log                         full output of the last build of each piece
#   hashes/                                  sha256 of input files by path, inode, size, mtime
# <key>: the first 16 hex digits of a sha256 over the image's Dockerfile, context files
# (binaries included), versions, build arguments and the base's rootfs.tar, so a warm run
# builds nothing. The base's own key holds only date-independent inputs (release, variant,
# architecture, packages): delete base/ to take newer Debian packages (then every image is
# rebuilt; VK8S_IMAGES_NO_CACHE=1 also refreshes the packages installed on top).
# Environment: VK8S_IMAGES_DIR, VK8S_TOOLCHAIN_DIR (default .../vk8s/toolchain),
# VK8S_DEBIAN_MIRROR (http://deb.debian.org/debian), VK8S_PROGRESS_SECONDS (60),
# VK8S_IMAGES_NO_CACHE=1 (docker build --no-cache: fresh Debian packages, cold timings),
# DOCKER (docker). Needs root (dockerd, debootstrap), docker, debootstrap, gcc with static
# glibc (libc6-dev), go; `import` needs ctr.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=SCRIPTDIR/../tools/heartbeat.sh
. "$ROOT/tools/heartbeat.sh"
CACHE=${VK8S_IMAGES_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vk8s/images}
TOOLCHAIN=${VK8S_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vk8s/toolchain}
MIRROR=${VK8S_DEBIAN_MIRROR:-http://deb.debian.org/debian}
EVERY=${VK8S_PROGRESS_SECONDS:-60}
DOCKER=${DOCKER:-docker}
export DOCKER_BUILDKIT=0 # the classic builder: the only one a Debian docker.io without buildx has
BUILD_FLAGS=()
if [ "${VK8S_IMAGES_NO_CACHE:-0}" = 1 ]; then BUILD_FLAGS=(--no-cache); fi

# ---- versions (one source each) ---------------------------------------------------------
version_of() { sed -n "s/^$1=\([0-9.]*\).*/\1/p" "$ROOT/tools/toolchain.sh"; }
KUBERNETES_VERSION=$(version_of KUBERNETES_VERSION)
ETCD_VERSION=$(version_of ETCD_VERSION)
FLANNEL_VERSION=$(version_of FLANNEL_VERSION)
FLANNEL_IMAGE=ghcr.io/vk8s/flannel:v$FLANNEL_VERSION # src/bootstrap/sources.ts FLANNEL_IMAGE
FLANNEL_BIN=$TOOLCHAIN/flannel-v$FLANNEL_VERSION/bin
KUBERNETES_MINOR=${KUBERNETES_VERSION%.*}
CRICTL_VERSION=$(version_of CRI_TOOLS_VERSION)
COREDNS_VERSION=$(version_of COREDNS_VERSION)
CRICTL_BIN=$TOOLCHAIN/cri-tools-v$CRICTL_VERSION/bin/crictl
COREDNS_BIN=$TOOLCHAIN/coredns-v$COREDNS_VERSION/bin/coredns
DEBIAN_RELEASE=bookworm
DEBIAN_VARIANT=minbase
IMAGE_REPOSITORY=vk8s.local # kubeadm's imageRepository for the control-plane archive
KINK_IMAGE=ghcr.io/vk8s/kink:v$KUBERNETES_MINOR # src/cluster/defaults.ts imageRepository, tag v<minor>
# The tag of vk8s's own images: VK8S_IMAGE_TAG, the one pin in src/matrix/table.ts (equal to
# package.json's version, checked by test/facts.test.ts); the defaults build the names from it.
VK8S_IMAGE_TAG=$(sed -n 's/^export const VK8S_IMAGE_TAG = "\(.*\)";$/\1/p' "$ROOT/src/matrix/table.ts")
ACCESS_IMAGE=ghcr.io/vk8s/access:$VK8S_IMAGE_TAG
FL_IMAGE=${VK8S_IMAGE_TAG:+ghcr.io/vk8s/vk8s-fl:$VK8S_IMAGE_TAG} # FL_DEFAULTS.image (src/fl/spec.ts)
FL_TF_IMAGE=$FL_IMAGE-tf
K8S_BIN=$TOOLCHAIN/kubernetes-v$KUBERNETES_VERSION/bin
ETCD_BIN=$TOOLCHAIN/etcd-v$ETCD_VERSION/bin

die() { echo "images: ERROR: $*" >&2; exit 1; }
say() { echo "images: $*"; }

# ---- progress ---------------------------------------------------------------------------
# step LABEL COMMAND...: runs COMMAND with its output in logs/LABEL.log, printing the
# minutes so far every $EVERY seconds; on failure prints the log's tail and exits.
step() {
  local label="$1" log="$CACHE/logs/$1.log" t0=$SECONDS rc=0
  shift
  mkdir -p "$CACHE/logs"
  say "$label: started (log: $log)"
  step_label=$label step_log=$log
  heartbeat_run "$EVERY" step_report step_logged "$@" || rc=$?
  if [ "$rc" != 0 ]; then
    tail -n 30 "$log" >&2
    die "$label failed (exit $rc); full log: $log"
  fi
  say "$label: done in $((SECONDS - t0)) s"
}
step_logged() { "$@" >"$step_log" 2>&1; }
step_report() {
  echo "  ... $step_label: $(($1 / 60)) min $(($1 % 60)) s so far; $(tail -n 1 "$step_log" 2>/dev/null | sed "s/\x1b\[[0-9;]*m//g" | cut -c1-100)"
}

# key_name FILE: FILE relative to the repository, or its base name outside it.
key_name() { case "$1" in "$ROOT"/*) echo "${1#"$ROOT"/}" ;; *) basename "$1" ;; esac; }

# file_hash FILE: sha256 of FILE, memoised under hashes/ by path, inode, size and mtime
# (the binaries are hundreds of MB: a warm run must not read them again).
file_hash() {
  local memo
  memo="$CACHE/hashes/$(stat -c '%n %i %s %Y' "$1" | sha256sum | cut -c1-32)"
  if [ ! -s "$memo" ]; then
    mkdir -p "$CACHE/hashes"
    sha256sum <"$1" | cut -c1-64 >"$memo.$$" && mv "$memo.$$" "$memo"
  fi
  cat "$memo"
}

# key INPUT...: 16 hex digits over the inputs; an input naming a file or folder counts its
# path (relative to the repository or cache) and content, any other input as text.
key() {
  local input f
  for input in "$@"; do
    if [ -d "$input" ]; then
      while IFS= read -r f; do printf '%s %s\n' "$(key_name "$f")" "$(file_hash "$f")"; done \
        < <(find "$input" -type f | LC_ALL=C sort)
    elif [ -f "$input" ]; then
      printf '%s %s\n' "$(key_name "$input")" "$(file_hash "$input")"
    else
      printf '%s\n' "$input"
    fi
  done | sha256sum | cut -c1-16
}

# ---- docker -----------------------------------------------------------------------------
ensure_docker() {
  command -v "$DOCKER" >/dev/null || die "docker not found (apt-get install -y docker.io)"
  "$DOCKER" info >/dev/null 2>&1 && return
  command -v dockerd >/dev/null || die "no docker daemon answers and dockerd is not installed (apt-get install -y docker.io)"
  [ "$(id -u)" = 0 ] || die "no docker daemon answers; start dockerd (as root) or run this as root"
  mkdir -p "$CACHE/logs"
  say "starting dockerd (log: $CACHE/logs/dockerd.log)"
  # fd 9 is the build lock: dockerd must not inherit it (it would hold the lock for its lifetime).
  setsid nohup dockerd >"$CACHE/logs/dockerd.log" 2>&1 </dev/null 9>&- &
  local _
  for _ in $(seq 60); do
    "$DOCKER" info >/dev/null 2>&1 && return
    sleep 1
  done
  tail -n 20 "$CACHE/logs/dockerd.log" >&2
  die "dockerd did not answer within 60 s"
}

# loaded IMAGE ARCHIVE: docker has IMAGE, loading it from ARCHIVE if need be.
loaded() {
  "$DOCKER" image inspect "$1" >/dev/null 2>&1 || "$DOCKER" load -q -i "$2" >/dev/null
}

# ---- base -------------------------------------------------------------------------------
BASE_KEY=$(key "debian $DEBIAN_RELEASE variant=$DEBIAN_VARIANT arch=amd64 include=")
BASE_DIR=$CACHE/base/debian-$DEBIAN_RELEASE-$BASE_KEY
BASE_IMAGE=$IMAGE_REPOSITORY/debian:$DEBIAN_RELEASE-$BASE_KEY

debootstrap_base() {
  local root="$BASE_DIR/rootfs.tmp"
  rm -rf "$root" && mkdir -p "$root"
  debootstrap --variant="$DEBIAN_VARIANT" "$DEBIAN_RELEASE" "$root" "$MIRROR"
  # Like the official slim images: no apt caches, no logs.
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/*.log
  tar -C "$root" --numeric-owner -cf "$BASE_DIR/rootfs.tar.tmp" .
  mv "$BASE_DIR/rootfs.tar.tmp" "$BASE_DIR/rootfs.tar"
  rm -rf "$root"
}

ensure_base() {
  [ -f "$BASE_DIR/rootfs.tar" ] && "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>&1 && return
  if [ ! -f "$BASE_DIR/rootfs.tar" ]; then
    command -v debootstrap >/dev/null || die "debootstrap not found (apt-get install -y debootstrap)"
    mkdir -p "$BASE_DIR"
    step base-debootstrap debootstrap_base
  fi
  "$DOCKER" import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'CMD ["/bin/bash"]' "$BASE_DIR/rootfs.tar" "$BASE_IMAGE" >/dev/null
  say "base: $BASE_IMAGE imported from $BASE_DIR/rootfs.tar"
}


# ---- archives ---------------------------------------------------------------------------
# archive NAME KEY: the folder of NAME's archive for KEY.
archive() { echo "$CACHE/$1-$2"; }

# built NAME KEY TAG...: the archive exists (and docker has the images); says so.
built() {
  local name="$1" dir tag
  dir=$(archive "$1" "$2")
  [ -f "$dir/.complete" ] || return 1
  shift 2
  for tag in "$@"; do loaded "$tag" "$dir/$name.tar"; done
  say "$name: cached ($dir/$name.tar, $(du -h "$dir/$name.tar" | cut -f1))"
}

# save NAME KEY TAG...: docker save TAGs into NAME's archive for KEY, listing them in images.txt.
save() {
  local name="$1" dir
  dir=$(archive "$1" "$2")
  shift 2
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  "$DOCKER" save -o "$dir.tmp/$name.tar" "$@"
  printf '%s\n' "$@" >"$dir.tmp/images.txt"
  touch "$dir.tmp/.complete"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
  say "$name: $dir/$name.tar ($(du -h "$dir/$name.tar" | cut -f1)): $*"
}

# staged NAME SOURCE_DIR: a fresh copy of SOURCE_DIR to build from ($CACHE/context/NAME).
staged() {
  local ctx="$CACHE/context/$1"
  rm -rf "$ctx" && mkdir -p "$ctx" && cp -a "$2/." "$ctx/"
  echo "$ctx"
}

# place FILE... DIR: hard links (copies across file systems) of FILEs in DIR.
place() {
  local dir="${*: -1}" f
  mkdir -p "$dir"
  for f in "${@:1:$#-1}"; do ln -f "$f" "$dir/" 2>/dev/null || cp -f "$f" "$dir/"; done
}

# The control-plane images, as kubeadm names them for IMAGE_REPOSITORY (etcd: our tag);
# set by require_toolchain.
CP_IMAGES=()
kubeadm_images() { printf '%s\n' "${CP_IMAGES[@]}"; }

# tag_of NAME: the tag of IMAGE_REPOSITORY/NAME among the control-plane images.
tag_of() { kubeadm_images | sed -n "s|^$IMAGE_REPOSITORY/$1:||p"; }

build_control_plane() {
  local ctx tag component
  ctx=$(staged pause "$ROOT/images/pause")
  gcc -Os -s -static -Wall -Wextra -Werror -o "$ctx/pause" "$ctx/pause.c"
  "$DOCKER" build "${BUILD_FLAGS[@]}" -t "$IMAGE_REPOSITORY/pause:$(tag_of pause)" "$ctx"
  for component in kube-apiserver kube-controller-manager kube-scheduler; do
    ctx=$(staged "$component" "$ROOT/images/control-plane")
    place "$K8S_BIN/$component" "$ctx/bin"
    "$DOCKER" build "${BUILD_FLAGS[@]}" -t "$IMAGE_REPOSITORY/$component:v$KUBERNETES_VERSION" "$ctx"
  done
  ctx=$(staged etcd "$ROOT/images/control-plane")
  place "$ETCD_BIN"/* "$ctx/bin"
  "$DOCKER" build "${BUILD_FLAGS[@]}" -t "$IMAGE_REPOSITORY/etcd:$ETCD_VERSION" "$ctx"
  ctx=$(staged kube-proxy "$ROOT/images/kube-proxy")
  place "$K8S_BIN/kube-proxy" "$ctx/bin"
  "$DOCKER" build "${BUILD_FLAGS[@]}" --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$IMAGE_REPOSITORY/kube-proxy:v$KUBERNETES_VERSION" "$ctx"
  ctx=$(staged coredns "$ROOT/images/coredns")
  place "$COREDNS_BIN" "$ctx"
  "$DOCKER" build "${BUILD_FLAGS[@]}" -t "$IMAGE_REPOSITORY/coredns:$(tag_of coredns)" "$ctx"
  # The CNI the vNodes preload too: vk8s's flannel image (images/flannel).
  ctx=$(staged flannel "$ROOT/images/flannel")
  place "$FLANNEL_BIN/flanneld" "$ctx/bin"
  "$DOCKER" build "${BUILD_FLAGS[@]}" --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$FLANNEL_IMAGE" "$ctx"
  for tag in "${CP_IMAGES[@]}"; do "$DOCKER" image inspect "$tag" >/dev/null; done
}

build_kink() {
  local ctx
  ctx=$(staged kink "$ROOT/images/kink")
  place "$K8S_BIN/kubeadm" "$K8S_BIN/kubelet" "$K8S_BIN/kubectl" "$CRICTL_BIN" "$ctx/bin"
  place "$(archive control-plane "$(control_plane_key)")/control-plane.tar" "$ctx/preload"
  "$DOCKER" build "${BUILD_FLAGS[@]}" --build-arg "BASE_IMAGE=$BASE_IMAGE" --build-arg "KUBERNETES_VERSION=$KUBERNETES_VERSION" \
    --build-arg BINARIES=context --build-arg NVIDIA_TOOLKIT=false \
    --build-arg "SANDBOX_IMAGE=$IMAGE_REPOSITORY/pause:$(tag_of pause)" -t "$KINK_IMAGE" "$ctx"
}

# fl_sources: what the fl images take from fl/, one path a line relative to it (no tests, no caches).
fl_sources() {
  printf '%s\n' pyproject.toml requirements.txt requirements-tf.txt
  (cd "$ROOT/fl" && find vk8s_fl -name '*.py' | LC_ALL=C sort)
}

# build_fl true|false TAG: images/fl with TENSORFLOW=true|false. The context is a staged copy
# of fl_sources plus the host's CA bundle as build-ca.pem (pip trusts it during the build,
# for TLS-intercepting proxies; not in the image); PIP_INDEX_URL, if set, is passed on.
# Each command returns on failure itself: `step` runs it where set -e does not apply.
build_fl() {
  local ctx="$CACHE/context/fl" f ca=${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt} version args=()
  version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$ROOT/fl/pyproject.toml")
  [ -n "$FL_IMAGE" ] || die "fl: no VK8S_IMAGE_TAG in src/matrix/table.ts (the tag of FL_DEFAULTS.image)"
  [ "${FL_IMAGE##*:}" = "$version" ] || die "fl: FL_DEFAULTS.image is $FL_IMAGE (VK8S_IMAGE_TAG, src/matrix/table.ts) but fl/pyproject.toml's version is $version (make them equal)"
  rm -rf "$ctx" && mkdir -p "$ctx" || return
  while IFS= read -r f; do mkdir -p "$ctx/$(dirname "$f")" && cp "$ROOT/fl/$f" "$ctx/$f" || return; done < <(fl_sources)
  cp "$ROOT/images/fl/Dockerfile" "$ctx/Dockerfile" || return
  if [ -f "$ca" ]; then cp "$ca" "$ctx/build-ca.pem" || return; fi
  if [ -n "${PIP_INDEX_URL:-}" ]; then args+=(--build-arg "PIP_INDEX_URL=$PIP_INDEX_URL"); fi
  "$DOCKER" build "${BUILD_FLAGS[@]}" "${args[@]}" --build-arg "BASE_IMAGE=$BASE_IMAGE" --build-arg "TENSORFLOW=$1" -t "$2" "$ctx" || return
  rm -rf "$ctx"
}

build_access() {
  "$DOCKER" build "${BUILD_FLAGS[@]}" --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$ACCESS_IMAGE" "$ROOT/images/access"
}

# base_content: the sha256 of the base's rootfs.tar (a new debootstrap rebuilds everything).
base_content() {
  if [ -f "$BASE_DIR/rootfs.tar" ]; then file_hash "$BASE_DIR/rootfs.tar"; else echo "no-base"; fi
}

# Keys: everything each image is made of.
CP_KEY=""
# control_plane_key: the control-plane key, memoised in CP_KEY (call it once outside $(...)).
control_plane_key() {
  [ -n "$CP_KEY" ] || CP_KEY=$(control_plane_key_of_inputs)
  echo "$CP_KEY"
}
control_plane_key_of_inputs() {
  key "$(base_content)" "k8s=$KUBERNETES_VERSION etcd=$ETCD_VERSION repo=$IMAGE_REPOSITORY" "$(kubeadm_images)" \
    "$ROOT/images/pause" "$ROOT/images/control-plane" "$ROOT/images/kube-proxy" "$ROOT/images/coredns" \
    "$K8S_BIN/kube-apiserver" "$K8S_BIN/kube-controller-manager" "$K8S_BIN/kube-scheduler" \
    "$K8S_BIN/kube-proxy" "$ETCD_BIN" "$COREDNS_BIN" \
    "$ROOT/images/flannel" "$FLANNEL_BIN/flanneld"
}
kink_key() {
  key "$(base_content)" "k8s=$KUBERNETES_VERSION crictl=$CRICTL_VERSION tag=$KINK_IMAGE sandbox=$(tag_of pause) binaries=context nvidia=false" \
    "preload=$(control_plane_key)" \
    "$ROOT/images/kink" "$K8S_BIN/kubeadm" "$K8S_BIN/kubelet" "$K8S_BIN/kubectl" "$CRICTL_BIN"
}
access_key() { key "$(base_content)" "tag=$ACCESS_IMAGE" "$ROOT/images/access"; }
# fl_key true|false TAG (the CA bundle and the index URL are transport, not content: not keyed).
fl_key() {
  local sources=()
  mapfile -t sources < <(fl_sources | sed "s|^|$ROOT/fl/|")
  key "$(base_content)" "tag=$2 tensorflow=$1" "$ROOT/images/fl" "${sources[@]}"
}

require_toolchain() {
  local dir
  for dir in "$TOOLCHAIN/kubernetes-v$KUBERNETES_VERSION" "$TOOLCHAIN/etcd-v$ETCD_VERSION" "$TOOLCHAIN/flannel-v$FLANNEL_VERSION" \
    "$TOOLCHAIN/coredns-v$COREDNS_VERSION" "$TOOLCHAIN/cri-tools-v$CRICTL_VERSION"; do
    [ -f "$dir/.complete" ] || die "$dir is not built (no .complete): run tools/toolchain.sh kubernetes etcd flannel coredns cri-tools first"
  done
  [ "$("$K8S_BIN/kubeadm" version -o short)" = "v$KUBERNETES_VERSION" ] \
    || die "$K8S_BIN/kubeadm is not v$KUBERNETES_VERSION"
  mapfile -t CP_IMAGES < <("$K8S_BIN/kubeadm" config images list --kubernetes-version "v$KUBERNETES_VERSION" \
    --image-repository "$IMAGE_REPOSITORY" | sed "s|^$IMAGE_REPOSITORY/etcd:.*|$IMAGE_REPOSITORY/etcd:$ETCD_VERSION|")
  [ ${#CP_IMAGES[@]} = 7 ] || die "kubeadm config images list printed ${#CP_IMAGES[@]} images, expected 7: ${CP_IMAGES[*]}"
  CP_IMAGES+=("$FLANNEL_IMAGE")
}

cmd_build() {
  local t0=$SECONDS k wanted=("$@") name
  for name in "${wanted[@]}"; do
    case "$name" in kink | access | control-plane | fl | fl-tf) ;; *) die "build: unknown image '$name' (kink, access, control-plane, fl, fl-tf)" ;; esac
  done
  [ ${#wanted[@]} -gt 0 ] || wanted=(access control-plane kink)
  # One build at a time per cache (two would share context/ and the .tmp folders).
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.build.lock"
  if ! flock -n 9; then
    say "waiting for another scripts/images.sh build on $CACHE"
    flock 9
  fi
  ensure_docker
  ensure_base
  if [[ " ${wanted[*]} " == *" access "* ]]; then
    k=$(access_key)
    built access "$k" "$ACCESS_IMAGE" || { step access build_access; save access "$k" "$ACCESS_IMAGE"; }
  fi
  if [[ " ${wanted[*]} " == *" fl "* ]]; then
    k=$(fl_key false "$FL_IMAGE")
    built fl "$k" "$FL_IMAGE" || { step fl build_fl false "$FL_IMAGE"; save fl "$k" "$FL_IMAGE"; }
  fi
  if [[ " ${wanted[*]} " == *" fl-tf "* ]]; then
    k=$(fl_key true "$FL_TF_IMAGE")
    built fl-tf "$k" "$FL_TF_IMAGE" || { step fl-tf build_fl true "$FL_TF_IMAGE"; save fl-tf "$k" "$FL_TF_IMAGE"; }
  fi
  [[ " ${wanted[*]} " == *" control-plane "* || " ${wanted[*]} " == *" kink "* ]] || return 0
  require_toolchain
  [ "$(tag_of coredns)" = "v$COREDNS_VERSION" ] \
    || die "kubeadm $KUBERNETES_VERSION pins coredns $(tag_of coredns), the toolchain builds v$COREDNS_VERSION (tools/toolchain.sh COREDNS_VERSION)"
  control_plane_key >/dev/null # computed once (it hashes the binaries), here in this shell
  # kink carries the control-plane archive (preload/): built first.
  if [[ " ${wanted[*]} " == *" control-plane "* || " ${wanted[*]} " == *" kink "* ]]; then
    k=$(control_plane_key)
    built control-plane "$k" "${CP_IMAGES[@]}" || { step control-plane build_control_plane; save control-plane "$k" "${CP_IMAGES[@]}"; }
  fi
  if [[ " ${wanted[*]} " == *" kink "* ]]; then
    k=$(kink_key)
    built kink "$k" "$KINK_IMAGE" || { step kink build_kink; save kink "$k" "$KINK_IMAGE"; }
  fi
  rm -rf "$CACHE/context"
  say "ready in $((SECONDS - t0)) s: ${wanted[*]} (kubeadm: imageRepository $IMAGE_REPOSITORY, etcd.local.imageTag $ETCD_VERSION)"
}

# The archive of each image for the current inputs (built or not); after require_toolchain.
archives() {
  control_plane_key >/dev/null
  echo "control-plane $(archive control-plane "$(control_plane_key)")/control-plane.tar"
  echo "kink $(archive kink "$(kink_key)")/kink.tar"
  echo "access $(archive access "$(access_key)")/access.tar"
  echo "fl $(archive fl "$(fl_key false "$FL_IMAGE")")/fl.tar"
  echo "fl-tf $(archive fl-tf "$(fl_key true "$FL_TF_IMAGE")")/fl-tf.tar"
}

# prune: removes the archives of other inputs than the current ones (other checkouts
# sharing the cache rebuild theirs when they next run), the staged contexts, and docker's
# dangling images.
cmd_prune() {
  local keep dir
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.build.lock"
  flock 9
  require_toolchain
  keep=$(archives | awk '{print $2}' | xargs -n1 dirname)
  for dir in "$CACHE"/access-* "$CACHE"/control-plane-* "$CACHE"/kink-* "$CACHE"/fl-*; do
    [ -d "$dir" ] || continue
    grep -qxF "$dir" <<<"$keep" && continue
    rm -rf "$dir"
    say "removed $dir"
  done
  rm -rf "$CACHE/context" "$CACHE/hashes"
  if "$DOCKER" info >/dev/null 2>&1; then "$DOCKER" image prune -f >/dev/null; fi
}

cmd_import() {
  local address="" namespace=k8s.io wanted=() name path
  while [ $# -gt 0 ]; do
    case "$1" in
      --address) address="${2:-}"; shift 2 ;;
      --address=*) address="${1#--address=}"; shift ;;
      --namespace) namespace="${2:-}"; shift 2 ;;
      --namespace=*) namespace="${1#--namespace=}"; shift ;;
      kink | access | control-plane | fl | fl-tf) wanted+=("$1"); shift ;;
      *) die "import: unknown argument '$1' (usage: import --address SOCKET [--namespace NS] [kink|access|control-plane|fl|fl-tf]...)" ;;
    esac
  done
  [ -n "$address" ] || die "import: --address SOCKET is required (the containerd socket, e.g. /run/vk8s/containerd.sock)"
  [ -S "$address" ] || die "import: --address $address is not a socket (is that containerd running?)"
  command -v ctr >/dev/null || die "import: ctr not found (apt-get install -y containerd)"
  [ ${#wanted[@]} -gt 0 ] || wanted=(control-plane kink access)
  require_toolchain
  while read -r name path; do
    [[ " ${wanted[*]} " == *" $name "* ]] || continue
    [ -f "$path" ] || die "import: $name is not built for the current inputs ($path): run scripts/images.sh build"
    local t0=$SECONDS label tag fresh=1
    # Each image is labelled with its archive's folder (name-key): a warm import is skipped.
    label="vk8s.io/images-archive=$(basename "$(dirname "$path")")"
    while read -r tag; do
      ctr --address "$address" -n "$namespace" images ls "name==$tag" 2>/dev/null | grep -q "$label" || fresh=0
    done <"$(dirname "$path")/images.txt"
    if [ "$fresh" = 1 ]; then
      say "$name: already imported into $address (namespace $namespace)"
      continue
    fi
    ctr --address "$address" -n "$namespace" images import "$path" >/dev/null
    while read -r tag; do
      ctr --address "$address" -n "$namespace" images label "$tag" "$label" >/dev/null
    done <"$(dirname "$path")/images.txt"
    say "$name: imported into $address (namespace $namespace) in $((SECONDS - t0)) s"
  done < <(archives)
}

case "${1:-build}" in
  build) shift || true; cmd_build "$@" ;;
  import) shift; cmd_import "$@" ;;
  list) require_toolchain; archives ;;
  prune) cmd_prune ;;
  -h | --help | help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
  *) die "unknown command '$1' (build, import, list, prune; --help)" ;;
esac
