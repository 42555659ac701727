#!/usr/bin/env bash
# Real check of the access (SSH jump host) image with docker, as src/render/access.ts runs
# it: the init container's command copies the key from the ConfigMap mount, then sshd
# (SSH_USERS=vk8s:1000:1000, TCP_FORWARDING=true) lets vk8s log in by key and forward a
# TCP connection (ssh -W, what ssh -J does); root and a wrong key are refused, forwarding
# is off without TCP_FORWARDING, and a malformed SSH_USERS stops the container with an error.
# Builds the images first if needed (scripts/images.sh). Needs root, docker, ssh.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NAME=vk8s-access-smoke-$$
STATE=$(mktemp -d /tmp/vk8s-access-smoke.XXXXXX)
T0=$SECONDS
failures=0

log() { echo "access-smoke [$((SECONDS - T0)) s]: $*"; }
fail() { echo "access-smoke: FAIL: $*" >&2; failures=$((failures + 1)); }
cleanup() {
  docker rm -f "$NAME" "$NAME-off" >/dev/null 2>&1 || true
  rm -rf "$STATE"
}
trap cleanup EXIT

"$ROOT/scripts/images.sh" build access >/dev/null
IMAGE=ghcr.io/vk8s/access:$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$ROOT/package.json")

ssh-keygen -q -t ed25519 -N '' -f "$STATE/id"
ssh-keygen -q -t ed25519 -N '' -f "$STATE/other"
mkdir -p "$STATE/ssh" "$STATE/keys" && cp "$STATE/id.pub" "$STATE/ssh/authorized_keys"
chmod 0777 "$STATE/keys" # an emptyDir is world-writable: the init container fixes that

# The init container of src/render/access.ts, its command verbatim.
docker run --rm --entrypoint /bin/sh -v "$STATE/ssh:/etc/vk8s/ssh:ro" -v "$STATE/keys:/keys" "$IMAGE" \
  -c 'set -eu; chmod 0755 /keys; cp /etc/vk8s/ssh/authorized_keys /keys/vk8s; chmod 0644 /keys/vk8s'
if [ "$(stat -c %a "$STATE/keys")" != 755 ] || ! cmp -s "$STATE/keys/vk8s" "$STATE/id.pub"; then
  fail "the init container did not place the key (mode 0755 folder, the key copied)"
fi

start() { # start NAME EXTRA_ENV...
  local name=$1
  shift
  docker run -d --name "$name" -e SSH_USERS=vk8s:1000:1000 "$@" -v "$STATE/keys:/etc/authorized_keys" "$IMAGE" >/dev/null
  local ip="" i
  for i in $(seq 40); do
    ip=$(docker inspect -f '{{.NetworkSettings.IPAddress}}' "$name")
    [ -n "$ip" ] && ssh-keyscan -T 1 "$ip" >/dev/null 2>&1 && break
    [ "$i" = 40 ] && fail "$name: sshd not up within 20 s"
    sleep 0.5
  done
  echo "$ip"
}
ssh_to() { # ssh_to KEY USER@IP ARGS...
  local key=$1 target=$2
  shift 2
  ssh -i "$key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR -o ConnectTimeout=5 "$target" "$@"
}

IP=$(start "$NAME" -e TCP_FORWARDING=true)
log "sshd up on $IP"
[ "$(ssh_to "$STATE/id" "vk8s@$IP" id -un 2>/dev/null)" = vk8s ] || fail "vk8s cannot log in with its key"
ssh_to "$STATE/other" "vk8s@$IP" true 2>/dev/null && fail "a key that is not in authorized_keys logged in"
ssh_to "$STATE/id" "root@$IP" true 2>/dev/null && fail "root logged in"
# Forwarding to the jump host's own sshd: the banner comes back through the tunnel.
banner=$(ssh_to "$STATE/id" "vk8s@$IP" -W "$IP:22" </dev/null 2>/dev/null | head -c 7 || true)
[ "$banner" = SSH-2.0 ] || fail "TCP forwarding (ssh -W) did not reach $IP:22 (got '$banner')"

IP_OFF=$(start "$NAME-off")
banner=$(ssh_to "$STATE/id" "vk8s@$IP_OFF" -W "$IP_OFF:22" </dev/null 2>/dev/null | head -c 7 || true)
[ -z "$banner" ] || fail "forwarding works without TCP_FORWARDING=true"

out=$(docker run --rm -e SSH_USERS=vk8s:x:1000 "$IMAGE" 2>&1 || true)
[ "$out" = "vk8s-access: ERROR: SSH_USERS entry 'vk8s:x:1000': uid and gid must be numbers (user:uid:gid[:shell])" ] \
  || fail "a malformed SSH_USERS gave: $out"
log "image $IMAGE: $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1 / 1e6}')"

if [ "$failures" = 0 ]; then
  log "PASS"
else
  log "$failures check(s) FAILED"
  exit 1
fi
