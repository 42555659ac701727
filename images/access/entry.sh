#!/bin/sh
# Entrypoint of the vk8s access image (see Dockerfile for the env it reads): creates the
# SSH_USERS, writes sshd_config, makes host keys, then execs sshd in the foreground (or
# the command given as arguments, after the same set-up).
set -eu

fail() { printf 'vk8s-access: ERROR: %s\n' "$*" >&2; exit 1; }

# A command without SSH_USERS (like vk8s's init container, when a runtime passes it as
# arguments rather than as the entrypoint) needs no set-up.
if [ "$#" -gt 0 ] && [ -z "${SSH_USERS:-}" ]; then exec "$@"; fi

port=${SSH_PORT:-22}
case "$port" in '' | *[!0-9]*) fail "SSH_PORT must be a port number, not '$port'" ;; esac
forwarding=no
if [ "${TCP_FORWARDING:-false}" = true ]; then forwarding=yes; fi
[ -n "${SSH_USERS:-}" ] || fail "SSH_USERS is empty: set it to user:uid:gid[:shell][,...], e.g. vk8s:1000:1000"

old_ifs=$IFS
IFS=,
for entry in $SSH_USERS; do
  IFS=: read -r user uid gid shell <<EOT
$entry
EOT
  case "$user" in '' | *[!a-z0-9_-]* | [0-9-]*) fail "SSH_USERS entry '$entry': user must match [a-z_][a-z0-9_-]*" ;; esac
  if [ -z "$uid" ] || [ -z "$gid" ]; then fail "SSH_USERS entry '$entry': uid and gid are required (user:uid:gid[:shell])"; fi
  case "$uid$gid" in *[!0-9]*) fail "SSH_USERS entry '$entry': uid and gid must be numbers (user:uid:gid[:shell])" ;; esac
  shell=${shell:-/bin/sh}
  if ! getent passwd "$user" >/dev/null; then
    getent group "$gid" >/dev/null || groupadd -g "$gid" "$user"
    useradd -m -d "/home/$user" -s "$shell" -u "$uid" -g "$gid" "$user"
    # Not locked (a locked account cannot log in even by key): no password at all.
    usermod -p '*' "$user"
  fi
  [ -f "/etc/authorized_keys/$user" ] || printf 'vk8s-access: warning: no key at /etc/authorized_keys/%s: %s cannot log in\n' "$user" "$user" >&2
done
IFS=$old_ifs

mkdir -p /etc/ssh/keys /run/sshd
for type in ed25519 ecdsa rsa; do
  key=/etc/ssh/keys/ssh_host_${type}_key
  [ -f "$key" ] || ssh-keygen -q -t "$type" -N '' -f "$key"
done

cat >/etc/ssh/sshd_config <<EOT
# Written by vk8s-access at start.
Port $port
HostKey /etc/ssh/keys/ssh_host_ed25519_key
HostKey /etc/ssh/keys/ssh_host_ecdsa_key
HostKey /etc/ssh/keys/ssh_host_rsa_key
AuthorizedKeysFile /etc/authorized_keys/%u
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowTcpForwarding $forwarding
GatewayPorts no
X11Forwarding no
PrintMotd no
UseDNS no
PidFile /run/sshd.pid
Subsystem sftp internal-sftp
EOT

if [ "$#" -gt 0 ]; then exec "$@"; fi
exec /usr/sbin/sshd -D -e -f /etc/ssh/sshd_config
