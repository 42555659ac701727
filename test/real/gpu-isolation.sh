#!/usr/bin/env bash
# Real check of the vNode GPU isolation (reference, section 5) at a real container start.
#
# vk8s renders a cluster with a master (no GPU) and a worker (nvidia.com/gpu: 2) through its
# own CLI (bin/vk8s.ts render); the boot ConfigMap's start.sh and gpu-isolation.sh and each
# StatefulSet's container command and env are taken from that output unchanged. Each case
# runs the kink image with docker, with the rendered command and env, on a fake host of
# FAKE_GPUS (4) GPUs:
#   - faked, the device nodes: /dev/nvidia0..3 (char 195:minor), nvidiactl (195:255),
#     nvidia-modeset (195:254), nvidia-uvm (510:0) and nvidia-uvm-tools (510:1; uvm's major
#     is dynamic on a real host), made with mknod here and given to the container with
#     --device, all of them, as a privileged pod sees every GPU of its host;
#   - faked, the driver's GPU list: /proc/driver/nvidia/gpus/<bus id>/information for the 4
#     GPUs, with the driver's format and minors in another order than the bus ids. runc
#     refuses mounts inside /proc, so the container's entrypoint is host-driver.sh (written
#     below): it mounts a tmpfs on /proc/driver, copies the fake tree there, then execs the
#     rendered command (/bin/sh /etc/vk8s/boot/start.sh) with nothing added;
#   - faked, the allocation: what the host's NVIDIA device plugin gives a pod,
#     NVIDIA_VISIBLE_DEVICES=<UUIDs or indexes> (envvar strategy) or, with
#     NVIDIA_VISIBLE_DEVICES=/var/run/nvidia-container-devices, one mount per allocated UUID
#     there (volume-mounts strategy).
# Cases: the worker's 2 of 4 by UUID, by index and by mounts (the image's init replaced by a
# holder through start.sh's VK8S_INIT, so the container stays up to be looked at); the
# master (0 GPUs) and the worker with the image's own init (/etc/vk8s/start); an allocation
# of 1 where 2 are expected and a UUID the host does not have (the container must exit
# non-zero with the isolation's message). Checked inside each running container (docker
# exec, in the container's mount namespace): the /dev/nvidiaN left, the other NVIDIA nodes
# kept, /proc/driver/nvidia/gpus and its information files, /etc/vk8s/gpus,
# /etc/vk8s/gpu.env and NVIDIA_VISIBLE_DEVICES in PID 1's environment.
# Everything it starts is removed (containers, the state folder) and checked gone.
# Needs root (mknod), docker and the kink image (scripts/images.sh build); Node 22 and
# node_modules for the render. Env: VK8S_KINK_IMAGE overrides the image.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUN_ID=$$
LABEL=vk8s-gpu-isolation=$RUN_ID
T0=$SECONDS
STATE=$(mktemp -d /tmp/vk8s-gpu-isolation.XXXXXX)
failures=0
checks=0

log() { echo "gpu-isolation [$((SECONDS - T0)) s]: $*"; }
fail() { echo "gpu-isolation: FAIL: $*" >&2; failures=$((failures + 1)); }
cleanup() {
  local ids
  ids=$(docker ps -aq --filter "label=$LABEL" 2>/dev/null || true)
  if [ -n "$ids" ]; then
    # shellcheck disable=SC2086 # one id a word
    docker rm -f -v $ids >/dev/null 2>&1 || true
  fi
  rm -rf "$STATE"
}
trap cleanup EXIT

# expect WHAT EXPECTED ACTUAL
expect() {
  checks=$((checks + 1))
  if [ "$2" != "$3" ]; then
    fail "$1: expected [$2], got [$3]"
  fi
}

# ---- the image ------------------------------------------------------------------------------
MINOR=$(sed -n 's/^KUBERNETES_VERSION=\([0-9]*\.[0-9]*\).*/\1/p' "$ROOT/tools/toolchain.sh")
IMAGE=${VK8S_KINK_IMAGE:-ghcr.io/vk8s/kink:v$MINOR}
if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "gpu-isolation: image $IMAGE is missing (build it with scripts/images.sh build)" >&2
  exit 2
fi
if docker run --rm --entrypoint sh "$IMAGE" -c 'command -v nvidia-ctk' >/dev/null 2>&1; then
  TOOLKIT=true
else
  TOOLKIT=false
fi
log "image $IMAGE (NVIDIA container toolkit: $TOOLKIT)"

# ---- vk8s renders the cluster -----------------------------------------------------------------
cat >"$STATE/cluster.yaml" <<EOF
apiVersion: vk8s.sktelecom.com/v1alpha1
kind: Vk8s
metadata:
  name: gpuiso
spec:
  nodes:
    - name: master
      image: $IMAGE
      role: master
      resources:
        limits: { cpu: "2", memory: 4Gi }
    - name: worker
      image: $IMAGE
      role: worker
      resources:
        limits: { cpu: "2", memory: 4Gi, nvidia.com/gpu: 2 }
  kubernetes: { podNetworkCidr: 10.244.0.0/16, serviceCidr: 10.96.0.0/12 }
  kubeflow: { version: v1.11.0, email: gpu@example.com, password: gpu-Isolation-Passw0rd }
  ports: [ { name: kubeflow, port: 30000, targetPort: 30000 } ]
EOF
(
  cd "$ROOT"
  # shellcheck disable=SC1091
  . scripts/node22.sh
  npx ts-node -P tsconfig.json --transpile-only bin/vk8s.ts render "$STATE/cluster.yaml" --out "$STATE/render" >/dev/null
  # The boot ConfigMap's files as the pod mounts them (defaultMode 0555), and per node the
  # container's command (one argument a line) and env (docker --env-file) from its StatefulSet.
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e '
    const fs = require("fs"), path = require("path"), YAML = require("yaml");
    const [host, out] = process.argv.slice(1);
    const read = (f) => YAML.parse(fs.readFileSync(path.join(host, f), "utf8"));
    const boot = read("configmap-gpuiso-vnode-boot.yaml");
    fs.mkdirSync(path.join(out, "boot"));
    for (const [name, text] of Object.entries(boot.data)) fs.writeFileSync(path.join(out, "boot", name), text, { mode: 0o555 });
    for (const node of ["master", "worker"]) {
      const c = read(`statefulset-gpuiso-${node}.yaml`).spec.template.spec.containers[0];
      const mount = c.volumeMounts.find((m) => m.name === "boot");
      fs.writeFileSync(path.join(out, `${node}.cmd`), c.command.join("\n") + "\n");
      fs.writeFileSync(path.join(out, `${node}.env`), c.env.map((e) => `${e.name}=${e.value}\n`).join(""));
      fs.writeFileSync(path.join(out, `${node}.bootdir`), mount.mountPath + "\n");
      fs.writeFileSync(path.join(out, `${node}.gpus`), String(c.resources.limits["nvidia.com/gpu"] ?? 0) + "\n");
    }' "$STATE/render/gpuiso/host" "$STATE"
)
for node in master worker; do
  log "rendered $node: command [$(paste -sd' ' "$STATE/$node.cmd")], env [$(paste -sd' ' "$STATE/$node.env")], nvidia.com/gpu $(cat "$STATE/$node.gpus")"
done
expect "boot ConfigMap mount of the worker" /etc/vk8s/boot "$(cat "$STATE/worker.bootdir")"
expect "worker's nvidia.com/gpu limit" 2 "$(cat "$STATE/worker.gpus")"
grep -qx 'VK8S_EXPECTED_GPUS=2' "$STATE/worker.env" || fail "the worker's env lacks VK8S_EXPECTED_GPUS=2"
grep -qx 'VK8S_EXPECTED_GPUS=0' "$STATE/master.env" || fail "the master's env lacks VK8S_EXPECTED_GPUS=0"

# ---- the fake host: 4 GPUs --------------------------------------------------------------------
# bus id, device minor, UUID; NVML index = bus order (0: 18:00.0 ... 3: af:00.0).
GPUS="0000:18:00.0 2 GPU-0a0a0a0a-1111-2222-3333-444444444444
0000:3b:00.0 0 GPU-1b1b1b1b-1111-2222-3333-444444444444
0000:86:00.0 3 GPU-2c2c2c2c-1111-2222-3333-444444444444
0000:af:00.0 1 GPU-3d3d3d3d-1111-2222-3333-444444444444"
FAKE_GPUS=$(printf '%s\n' "$GPUS" | wc -l)
uuid() { printf '%s\n' "$GPUS" | awk -v i="$1" 'NR == i + 1 { print $3 }'; }
minor() { printf '%s\n' "$GPUS" | awk -v i="$1" 'NR == i + 1 { print $2 }'; }
bus() { printf '%s\n' "$GPUS" | awk -v i="$1" 'NR == i + 1 { print $1 }'; }

mkdir -p "$STATE/dev" "$STATE/fake/driver/nvidia/gpus"
DEVICES=()
while read -r b m u; do
  mkdir "$STATE/fake/driver/nvidia/gpus/$b"
  printf 'Model: \t\t NVIDIA H200\nIRQ: \t\t 1%s\nGPU UUID: \t %s\nVideo BIOS: \t 96.00.99.00.01\nBus Type: \t PCIe\nDMA Size: \t 52 bits\nDMA Mask: \t 0xfffffffffffff\nBus Location: \t %s\nDevice Minor: \t %s\nGPU Excluded:\t No\n' \
    "$m" "$u" "$b" "$m" >"$STATE/fake/driver/nvidia/gpus/$b/information"
  mknod "$STATE/dev/nvidia$m" c 195 "$m"
done <<<"$GPUS"
printf 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  570.00.00 (vk8s test: fake)\n' >"$STATE/fake/driver/nvidia/version"
mknod "$STATE/dev/nvidiactl" c 195 255
mknod "$STATE/dev/nvidia-modeset" c 195 254
mknod "$STATE/dev/nvidia-uvm" c 510 0
mknod "$STATE/dev/nvidia-uvm-tools" c 510 1
OTHER_NODES="nvidia-modeset nvidia-uvm nvidia-uvm-tools nvidiactl"
for f in "$STATE"/dev/*; do DEVICES+=(--device "$f:/dev/${f##*/}"); done
cat >"$STATE/fake/host-driver.sh" <<'EOF'
#!/bin/sh
# The fake NVIDIA driver's /proc view (test/real/gpu-isolation.sh), then the vNode's command.
set -eu
mount -t tmpfs -o mode=0555 vk8s-fake-driver /proc/driver
cp -R /vk8s-fake/driver/nvidia /proc/driver/
exec "$@"
EOF
# The holder that stands in for the image's init (start.sh execs VK8S_INIT) in the look-around cases.
cat >"$STATE/fake/hold" <<'EOF'
#!/bin/sh
echo "vk8s-fake hold: NVIDIA_VISIBLE_DEVICES=${NVIDIA_VISIBLE_DEVICES-unset}"
exec sleep 100000
EOF
chmod 0555 "$STATE/fake/host-driver.sh" "$STATE/fake/hold"
names() { find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | paste -sd' ' -; }
HOST_DEV=$(names "$STATE/dev")
log "fake host: $FAKE_GPUS GPUs (devices: $HOST_DEV), driver tree with $(names "$STATE/fake/driver/nvidia/gpus")"

# ---- running the vNode ------------------------------------------------------------------------
# start NAME NODE [docker run options...]: the vNode container as the pod runs it (every
# capability this machine has, no seccomp/AppArmor, every device allowed, the host's cgroup
# tree read-only, tmpfs /run and /tmp, the boot ConfigMap read-only), with the rendered
# command and env; the options add the allocation.
start() {
  local name=$1 node=$2
  shift 2
  local cmd=()
  mapfile -t cmd <"$STATE/$node.cmd"
  docker run -d --name "$name" --label "$LABEL" --hostname "$node" \
    --cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    --security-opt systempaths=unconfined --device-cgroup-rule 'a *:* rwm' "${DEVICES[@]}" \
    -v /sys/fs/cgroup:/sys/fs/cgroup:ro --tmpfs /run:exec,mode=0755 --tmpfs /tmp:exec,mode=1777 \
    -v "$STATE/boot:$(cat "$STATE/$node.bootdir"):ro" -v "$STATE/fake:/vk8s-fake:ro" \
    --env-file "$STATE/$node.env" "$@" \
    --entrypoint /vk8s-fake/host-driver.sh "$IMAGE" "${cmd[@]}" >/dev/null
}

# settle NAME PATTERN: waits (30 s at most) until the container's log matches PATTERN or it exits.
settle() {
  local i
  for i in $(seq 60); do
    if grep -q -- "$2" <<<"$(docker logs "$1" 2>&1)"; then return 0; fi
    if [ "$(docker inspect -f '{{.State.Running}}' "$1")" != true ]; then return 0; fi
    sleep 0.5
  done
  fail "$1: neither '$2' in its log nor exited after 30 s (i=$i)"
}

in_node() { docker exec "$NAME" "$@"; }
# show_log: the vNode's start-up lines (isolation, holder, image init; not containerd's).
# (Logs are read whole before grep: grep -q closing the pipe early fails it under pipefail.)
show_log() { grep -E '^(vk8s|kink start)' <<<"$(docker logs "$NAME" 2>&1)" | sed 's/^/    /'; }
# in_log [grep options] PATTERN: whether the vNode's log has PATTERN.
in_log() { grep -q "$@" <<<"$(docker logs "$NAME" 2>&1)"; }

# look NAME UUIDS...: the checks of a running vNode that was given these GPUs (by UUID).
look() {
  local u want_dev='' want_bus='' want_csv='' i devs=() buses=()
  for u in "$@"; do
    for i in $(seq 0 $((FAKE_GPUS - 1))); do
      if [ "$(uuid "$i")" = "$u" ]; then
        devs+=("nvidia$(minor "$i")")
        buses+=("$(bus "$i")")
      fi
    done
    want_csv=${want_csv:+$want_csv,}$u
  done
  if [ $# -gt 0 ]; then
    want_dev=$(printf '%s\n' "${devs[@]}" | sort | paste -sd' ' -)
    want_bus=$(printf '%s\n' "${buses[@]}" | sort | paste -sd' ' -)
  fi
  expect "$NAME: running" true "$(docker inspect -f '{{.State.Running}}' "$NAME")"
  expect "$NAME: /dev/nvidiaN left" "$want_dev" "$(in_node ls /dev | grep -E '^nvidia[0-9]+$' | sort | paste -sd' ' -)"
  expect "$NAME: other NVIDIA nodes kept" "$OTHER_NODES" "$(in_node ls /dev | grep -E '^nvidia(ctl|-)' | sort | paste -sd' ' -)"
  expect "$NAME: /proc/driver/nvidia/gpus" "$want_bus" "$(in_node ls /proc/driver/nvidia/gpus | sort | paste -sd' ' -)"
  for b in $want_bus; do
    local want_uuid
    want_uuid=$(printf '%s\n' "$GPUS" | awk -v b="$b" '$1 == b { print $3 }')
    expect "$NAME: UUID in /proc/driver/nvidia/gpus/$b/information" "$want_uuid" \
      "$(in_node sed -n 's/^GPU UUID:[[:space:]]*//p' "/proc/driver/nvidia/gpus/$b/information")"
  done
  expect "$NAME: /etc/vk8s/gpus" "$(printf '%s\n' "$@")" "$(in_node cat /etc/vk8s/gpus)"
  expect "$NAME: /etc/vk8s/gpu.env" "NVIDIA_VISIBLE_DEVICES=${want_csv:-void}" "$(in_node cat /etc/vk8s/gpu.env)"
  expect "$NAME: NVIDIA_VISIBLE_DEVICES of PID 1" "NVIDIA_VISIBLE_DEVICES=${want_csv:-void}" \
    "$(in_node sh -c 'tr "\0" "\n" </proc/1/environ' | grep '^NVIDIA_VISIBLE_DEVICES=')"
  if ! in_log "vk8s gpu isolation: kept $# GPU(s) \[${want_csv:-void}\]"; then
    fail "$NAME: no 'kept $# GPU(s) [${want_csv:-void}]' in its log"
  fi
  log "$NAME: /dev: $(in_node ls /dev | grep '^nvidia' | paste -sd' ' -); /proc/driver/nvidia/gpus: $(in_node ls /proc/driver/nvidia/gpus | paste -sd' ' -)"
  show_log
}

done_with() { docker rm -f -v "$NAME" >/dev/null; }

# 1. The worker's 2 of 4, by UUID (envvar strategy): NVML indexes 1 and 3 (minors 0 and 1).
NAME=vk8s-gpu-iso-$RUN_ID-uuid
start "$NAME" worker -e "NVIDIA_VISIBLE_DEVICES=$(uuid 3),$(uuid 1)" -e VK8S_INIT=/vk8s-fake/hold
settle "$NAME" 'vk8s-fake hold'
look "$(uuid 3)" "$(uuid 1)"
done_with

# 2. The worker's 2 of 4, by NVML index: 0 (minor 2) and 2 (minor 3).
NAME=vk8s-gpu-iso-$RUN_ID-index
start "$NAME" worker -e NVIDIA_VISIBLE_DEVICES=0,2 -e VK8S_INIT=/vk8s-fake/hold
settle "$NAME" 'vk8s-fake hold'
look "$(uuid 0)" "$(uuid 2)"
done_with

# 3. The worker's 2 of 4 as the device plugin's mounts (volume-mounts strategy).
NAME=vk8s-gpu-iso-$RUN_ID-mounts
start "$NAME" worker -e NVIDIA_VISIBLE_DEVICES=/var/run/nvidia-container-devices -e VK8S_INIT=/vk8s-fake/hold \
  -v "/dev/null:/var/run/nvidia-container-devices/$(uuid 0)" -v "/dev/null:/var/run/nvidia-container-devices/$(uuid 1)"
settle "$NAME" 'vk8s-fake hold'
look "$(uuid 0)" "$(uuid 1)"
done_with

# 4. The master (no GPU; its rendered env says NVIDIA_VISIBLE_DEVICES=void) with the image's
#    own init: every /dev/nvidiaN hidden, /proc/driver/nvidia/gpus empty, tini PID 1.
NAME=vk8s-gpu-iso-$RUN_ID-master
start "$NAME" master
settle "$NAME" 'kept 0 GPU(s)'
for i in $(seq 60); do
  if in_node pgrep -x runsvdir >/dev/null 2>&1 || [ "$(docker inspect -f '{{.State.Running}}' "$NAME")" != true ]; then break; fi
  sleep 0.5
done
look
expect "$NAME: PID 1" tini "$(in_node cat /proc/1/comm)"
in_node pgrep -x runsvdir >/dev/null || fail "$NAME: runsvdir is not running (i=$i)"
done_with

# 5. The worker with the image's own init: it reads /etc/vk8s/gpus; an image without the
#    NVIDIA container toolkit must refuse the GPUs, one with it configures containerd and runs.
NAME=vk8s-gpu-iso-$RUN_ID-worker-init
start "$NAME" worker -e "NVIDIA_VISIBLE_DEVICES=$(uuid 3),$(uuid 1)"
if [ "$TOOLKIT" = false ]; then
  code=$(timeout 60 docker wait "$NAME" || echo timeout)
  expect "$NAME: exit code (image without the NVIDIA toolkit)" 1 "$code"
  show_log
  in_log -F "kink start: ERROR: GPUs were allocated ($(uuid 3) $(uuid 1) ) but this image has no NVIDIA container toolkit" \
    || fail "$NAME: the image's init did not refuse the GPUs with its message"
else
  settle "$NAME" 'never'
  look "$(uuid 3)" "$(uuid 1)"
fi
done_with

# 6. A count mismatch: 1 allocated where 2 are expected. 7. A UUID the host does not have.
# refused NAME MESSAGE [docker run options...]: the container must exit 1 with MESSAGE, before the init.
refused() {
  NAME=$1
  local message=$2 code
  shift 2
  start "$NAME" worker "$@"
  code=$(timeout 60 docker wait "$NAME" || echo timeout)
  expect "$NAME: exit code" 1 "$code"
  show_log
  if ! in_log -F -- "$message"; then fail "$NAME: no '$message' in its log"; fi
  if in_log 'kink start'; then fail "$NAME: the image's init ran"; fi
  done_with
}
refused "vk8s-gpu-iso-$RUN_ID-mismatch" \
  "vk8s gpu isolation: ERROR: expected 2 GPU(s) (VK8S_EXPECTED_GPUS) but the host allocated 1 from NVIDIA_VISIBLE_DEVICES='$(uuid 2)'" \
  -e "NVIDIA_VISIBLE_DEVICES=$(uuid 2)"
refused "vk8s-gpu-iso-$RUN_ID-unknown" \
  "vk8s gpu isolation: ERROR: device 'GPU-ffffffff-1111-2222-3333-444444444444' from NVIDIA_VISIBLE_DEVICES='$(uuid 0),GPU-ffffffff-1111-2222-3333-444444444444' is not one of the $FAKE_GPUS GPU(s) of this host" \
  -e "NVIDIA_VISIBLE_DEVICES=$(uuid 0),GPU-ffffffff-1111-2222-3333-444444444444"

# ---- nothing left behind ------------------------------------------------------------------------
left=$(docker ps -aq --filter "label=$LABEL")
expect "containers left" "" "$left"
# The isolation removed nodes from each container's own /dev, never from the host's.
expect "the fake host's device nodes after the runs" "$HOST_DEV" "$(names "$STATE/dev")"

if [ "$failures" = 0 ]; then
  log "PASS: $checks checks (total $((SECONDS - T0)) s)"
else
  log "$failures of $checks check(s) FAILED"
  exit 1
fi
