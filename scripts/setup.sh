#!/usr/bin/env bash
# The one set-up behind both README commands (the quickstart and the tests): installs
# everything either needs, idempotent, and quiet and fast when everything is in place.
#
#   bash scripts/setup.sh [--only PART...]     PART: apt node npm python toolchain images
#
# What it installs, and from where:
#   apt        Debian packages (list: SETUP_APT_PACKAGES below): sshd for the vNodes, the
#              container runtime and image tools for real vNodes, shellcheck for the tests
#   node       Node.js 22 LTS (scripts/node22.sh: from the npm registry when the machine's is older)
#   npm        the project's npm packages (npm ci, only when package-lock.json changed)
#   python     the federated-learning venv (fl/run-tests.sh --setup-only; PyPI)
#   toolchain  Pulumi CLI, plugins, Kubernetes, etcd, kustomize (tools/toolchain.sh; Go module proxy)
#   images     the vNode (kink), access and control-plane images (scripts/images.sh), when present
# Each part prints one line when it had work to do; long ones print progress at least once a
# minute. Exit 1 when a part failed (the part is named).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=SCRIPTDIR/../tools/heartbeat.sh
. tools/heartbeat.sh

# Debian packages both commands need. sshd: simulated vNodes and the access image contract;
# docker.io/containerd/runc/debootstrap: building and running real vNodes; the rest: kubelet and
# kube-proxy on the host node (iptables, conntrack, socat, ethtool, CNI plugins).
SETUP_APT_PACKAGES=(
  shellcheck openssh-server openssl curl ca-certificates iproute2 util-linux procps
  docker.io containerd runc debootstrap containernetworking-plugins
  iptables conntrack socat ethtool kmod
)
ALL_PARTS=(apt node npm python toolchain images)

parts=()
if [ "${1:-}" = --only ]; then
  shift
  parts=("$@")
fi
[ ${#parts[@]} -gt 0 ] || parts=("${ALL_PARTS[@]}")

say() { printf 'setup: %s\n' "$*"; }

# with_progress LABEL CMD...: runs CMD, printing "still <label>: N min" every minute
# (VK8S_PROGRESS_SECONDS; tools/heartbeat.sh).
with_progress() {
  progress_label=$1
  shift
  heartbeat_run "${VK8S_PROGRESS_SECONDS:-60}" progress_report "$@"
}
progress_report() { say "still $progress_label: $(($1 / 60)) min $(($1 % 60)) s"; }

# apt_missing: the packages of SETUP_APT_PACKAGES that are not installed.
apt_missing() {
  local p
  for p in "${SETUP_APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

part_apt() {
  local missing
  mapfile -t missing < <(apt_missing)
  [ ${#missing[@]} -gt 0 ] || return 0
  say "installing ${missing[*]} (apt)"
  local t0=$SECONDS
  with_progress "installing Debian packages" sh -c \
    'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null' - "${missing[@]}"
  mapfile -t missing < <(apt_missing)
  [ ${#missing[@]} -eq 0 ] || { say "apt could not install: ${missing[*]}" >&2; return 1; }
  say "Debian packages installed in $((SECONDS - t0)) s"
}

part_node() {
  # shellcheck disable=SC1091
  . scripts/node22.sh
  node -e 'process.exit(+process.versions.node.split(".")[0] >= 22 ? 0 : 1)'
}

part_npm() {
  # shellcheck disable=SC1091
  . scripts/node22.sh
  if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then return 0; fi
  say "installing npm packages (npm ci)"
  with_progress "installing npm packages" npm ci --no-audit --no-fund --loglevel=error
}

part_python() {
  bash fl/run-tests.sh --setup-only
}

part_toolchain() {
  # pipefail: the status is toolchain.sh's; cache hits and the env line are not news.
  bash tools/toolchain.sh | { grep -v -e ': cached$' -e '^env: source' -e '^unavailable from the Go module proxy' || true; }
}

part_images() {
  [ -f scripts/images.sh ] || return 0
  # pipefail: the status is images.sh's; cache hits are not news.
  bash scripts/images.sh build | { grep -v -e ': cached (' -e '^images: ready in [0-9]* s:' || true; }
}

failed=()
for part in "${parts[@]}"; do
  case " ${ALL_PARTS[*]} " in *" $part "*) ;; *) say "unknown part '$part' (expected: ${ALL_PARTS[*]})" >&2; exit 2 ;; esac
  if ! "part_$part"; then failed+=("$part"); say "FAILED: $part" >&2; fi
done
[ ${#failed[@]} -eq 0 ] || { say "failed parts: ${failed[*]}" >&2; exit 1; }
