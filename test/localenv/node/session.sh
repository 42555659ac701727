#!/usr/bin/env bash
# Body of a simulated vNode's ssh session. sshd's ForceCommand runs it as
#   unshare --mount --uts --propagation private session.sh STATE_DIR CLUSTER NODE
# so it is already in a private mount and UTS namespace: it bind-mounts the node's own
# directories over the node paths (NODE_PRIVATE_PATHS), gives a GPU node its own /dev,
# sets the hostname to NODE, puts the stand-ins first on PATH and runs the client's
# command with `sh -c` (stdin, stdout and stderr pass straight through), or an
# interactive bash without a command.
set -euo pipefail
state=$1 cluster=$2 node=$3
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/common.sh
. "$here/../lib/common.sh"
home=$state/nodes/$cluster/$node

# A GPU vNode sees exactly its GPUs: /dev becomes an overlay of the host's /dev (whose
# submounts are bound back) with /dev/nvidia0..N-1 added as character devices (195, i)
# that no driver answers. Upper and work dirs live on a tmpfs private to this session.
private_dev() {
  local gpus=$1 t=$home/devtmp m i=0
  mkdir -p "$t"
  mount -t tmpfs -o mode=700 tmpfs "$t"
  mkdir "$t/host" "$t/upper" "$t/work"
  mount --rbind /dev "$t/host"
  mount -t overlay overlay -o "lowerdir=$t/host,upperdir=$t/upper,workdir=$t/work" /dev
  for m in $(findmnt -rn -o TARGET -R "$t/host" | sed -n "s|^$t/host/||p" | sort -u); do
    mount --rbind "$t/host/$m" "/dev/$m"
  done
  umount -l "$t/host"
  while [ "$i" -lt "$gpus" ]; do
    mknod -m 666 "/dev/nvidia$i" c 195 "$i"
    i=$((i + 1))
  done
  umount -l "$t"
}

for p in $NODE_PRIVATE_PATHS; do
  mount --bind "$home/root$p" "$p"
done
gpus=$(cat "$home/gpus")
[ "$gpus" = 0 ] || private_dev "$gpus"
hostname "$node"
PATH="$home/bin:$(cat "$home/path")"
export PATH
cd /root
if [ -n "${SSH_ORIGINAL_COMMAND:-}" ]; then
  exec sh -c "$SSH_ORIGINAL_COMMAND"
fi
exec bash -i
