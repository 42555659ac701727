#!/usr/bin/env bash
# GPU isolation against a machine's real NVIDIA GPUs (prepared for a GPU device machine; under
# 2 minutes). BOOT_DIR holds start.sh and gpu-isolation.sh as vk8s rendered them (the boot
# ConfigMap's data): `gpu-device.sh render BOOT_DIR` writes them with the CLI where Node and
# node_modules are (here), `gpu-device.sh run BOOT_DIR` runs on the GPU machine (carry the
# folder, e.g. out/gpu-boot with the run tool's carry). For each case, in a private mount namespace (unshare -m) with
# a private tmpfs /dev holding copies of the host's NVIDIA nodes (so the isolation's rm never
# touches the host's /dev), it runs start.sh with VK8S_INIT set to a probe that lists
# /dev/nvidiaN, /proc/driver/nvidia/gpus and `nvidia-smi -L` as the vNode would see them:
#   1. VK8S_EXPECTED_GPUS=1, NVIDIA_VISIBLE_DEVICES=<UUID of GPU 0>: nvidia-smi lists 1 GPU;
#   2. VK8S_EXPECTED_GPUS=0, NVIDIA_VISIBLE_DEVICES=void: nvidia-smi lists none;
#   3. VK8S_EXPECTED_GPUS=<N+1>: start.sh exits 1 with the isolation's count message.
# Usage: bash test/real/gpu-device.sh render|run BOOT_DIR
#   run needs root (unshare, mount, copies of device nodes) and nvidia-smi.
set -euo pipefail

usage="usage: gpu-device.sh render|run BOOT_DIR"
if [ "${1:-}" = render ]; then
  out=${2:?$usage}
  ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  tmp=$(mktemp -d /tmp/vk8s-gpu-render.XXXXXX)
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$out"
  out=$(cd "$out" && pwd)
  cd "$ROOT"
  # shellcheck disable=SC1091
  . scripts/node22.sh
  npx ts-node -P tsconfig.json --transpile-only bin/vk8s.ts render test/fixtures/samples/sample-kf14-gpu.yaml --out "$tmp" >/dev/null
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e '
    const fs = require("fs"), path = require("path"), YAML = require("yaml");
    const [file, out] = process.argv.slice(1);
    for (const [name, text] of Object.entries(YAML.parse(fs.readFileSync(file, "utf8")).data)) fs.writeFileSync(path.join(out, name), text, { mode: 0o555 });
  ' "$tmp/sample4/host/configmap-sample4-vnode-boot.yaml" "$out"
  ls -l "$out"
  exit 0
fi
[ "${1:-}" = run ] || { echo "$usage" >&2; exit 2; }
BOOT=$(cd "${2:?$usage}" && pwd)
WORK=$(mktemp -d /tmp/vk8s-gpu-device.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
failures=0
fail() { echo "gpu-device: FAIL: $*" >&2; failures=$((failures + 1)); }

command -v nvidia-smi >/dev/null || { echo "gpu-device: no nvidia-smi on this machine" >&2; exit 2; }
echo "== host view"
nvidia-smi -L
HOST_GPUS=$(nvidia-smi -L | grep -c '^GPU ')
FIRST_UUID=$(nvidia-smi --query-gpu=uuid --format=csv,noheader | sed -n 1p | tr -d ' ')
ls -l /dev/nvidia* || true
ls /proc/driver/nvidia/gpus || true

cat >"$WORK/probe" <<'EOF'
#!/bin/sh
echo "probe: NVIDIA_VISIBLE_DEVICES=$NVIDIA_VISIBLE_DEVICES"
echo "probe: /dev: $(cd /dev && ls -d nvidia* 2>/dev/null | tr '\n' ' ')"
echo "probe: /proc/driver/nvidia/gpus: $(ls /proc/driver/nvidia/gpus 2>/dev/null | tr '\n' ' ')"
echo "probe: /etc/vk8s/gpus (VK8S_CONFIG_DIR): $(tr '\n' ' ' <"$VK8S_CONFIG_DIR/gpus")"
nvidia-smi -L 2>&1 | sed 's/^/probe: nvidia-smi -L: /'
echo "probe: nvidia-smi count $(nvidia-smi -L 2>/dev/null | grep -c '^GPU ')"
EOF
# The namespace's set-up: the host's /dev stays reachable only long enough to copy the NVIDIA
# nodes (and what nvidia-smi needs) into a tmpfs /dev; the marker proves /dev is the private one.
cat >"$WORK/inside" <<'EOF'
#!/bin/sh
set -eu
w=$1
mkdir -p "$w/host-dev" "$w/run" "$w/cfg"
mount --bind /dev "$w/host-dev"
mount -t tmpfs -o mode=0755 vk8s-private-dev /dev
for n in "$w"/host-dev/nvidia* "$w"/host-dev/null "$w"/host-dev/zero "$w"/host-dev/urandom "$w"/host-dev/random; do
  if [ -e "$n" ]; then cp -a "$n" /dev/; fi
done
umount "$w/host-dev"
: >/dev/.vk8s-private
[ -e /dev/.vk8s-private ] && [ ! -e "$w/host-dev/null" ] || { echo "inside: /dev is not private" >&2; exit 9; }
export VK8S_BOOT_DIR VK8S_INIT="$w/probe" VK8S_RUN_DIR="$w/run" VK8S_CONFIG_DIR="$w/cfg"
exec /bin/sh "$VK8S_BOOT_DIR/start.sh"
EOF
chmod 0755 "$WORK/probe" "$WORK/inside"

# case NAME EXPECTED_EXIT EXPECTED_SMI_COUNT env...
run_case() {
  local name=$1 want_rc=$2 want_count=$3 rc=0 out
  shift 3
  echo "== $name"
  out=$(env VK8S_BOOT_DIR="$BOOT" "$@" unshare -m --propagation private "$WORK/inside" "$WORK" 2>&1) || rc=$?
  echo "$out"
  [ "$rc" = "$want_rc" ] || fail "$name: exit $rc, expected $want_rc"
  if [ "$want_rc" = 0 ] && ! grep -qx "probe: nvidia-smi count $want_count" <<<"$out"; then fail "$name: nvidia-smi does not count $want_count GPU(s)"; fi
  if [ "$want_rc" != 0 ] && ! grep -q "vk8s gpu isolation: ERROR: expected $want_count GPU(s)" <<<"$out"; then fail "$name: no count message"; fi
  rm -rf "$WORK/run" "$WORK/cfg"
}
run_case "1 GPU allocated by UUID" 0 1 VK8S_EXPECTED_GPUS=1 NVIDIA_VISIBLE_DEVICES="$FIRST_UUID"
run_case "no GPU (void)" 0 0 VK8S_EXPECTED_GPUS=0 NVIDIA_VISIBLE_DEVICES=void
run_case "count mismatch" 1 $((HOST_GPUS + 1)) VK8S_EXPECTED_GPUS=$((HOST_GPUS + 1)) NVIDIA_VISIBLE_DEVICES=all

echo "== host view after (must be unchanged)"
[ "$(nvidia-smi -L | grep -c '^GPU ')" = "$HOST_GPUS" ] || fail "the host's nvidia-smi count changed"
ls /dev/nvidia*
if [ "$failures" = 0 ]; then echo "gpu-device: PASS"; else echo "gpu-device: $failures FAILED"; exit 1; fi
