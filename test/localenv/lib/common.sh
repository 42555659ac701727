# shellcheck shell=bash
# Shared helpers of the local environment (sourced, never run).
#
# Environment variables read here (all optional):
#   VK8S_TOOLCHAIN_ENV       env.sh of the toolchain to source when kube-apiserver is
#                            not on PATH (default: ~/.cache/vk8s/toolchain/env.sh)
#   VK8S_LOCALENV_TIMEOUT    seconds to wait for a server to become ready (default 180)
#   VK8S_LOCALENV_PORT_RANGE free ports are drawn from this range (default 20000-29999)

# shellcheck disable=SC2034 # used by the scripts that source this file
LOCALENV_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${VK8S_LOCALENV_TIMEOUT:=180}"
: "${VK8S_LOCALENV_PORT_RANGE:=20000-29999}"

log() { printf '[localenv] %s\n' "$*" >&2; }

# trap_errors: under `set -e`, say which command failed instead of exiting silently.
trap_errors() {
  set -E
  trap 'log "$(basename "$0"): failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR
}
die() { printf '[localenv] error: %s\n' "$*" >&2; exit 1; }

# Puts the toolchain (pulumi, etcd, kube-apiserver, ...) on PATH when it is not there yet.
load_toolchain() {
  local env=${VK8S_TOOLCHAIN_ENV:-$HOME/.cache/vk8s/toolchain/env.sh}
  if ! command -v kube-apiserver >/dev/null 2>&1 && [ -f "$env" ]; then
    # shellcheck disable=SC1090
    . "$env"
  fi
}

need() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 \
      || die "$tool: not found on PATH (build the toolchain with tools/toolchain.sh or set VK8S_TOOLCHAIN_ENV; apt-get install etcd-server openssh-server openssl)"
  done
}

# The state dir must be absolute and free of spaces: its path is passed as an argument
# in sshd_config lines and in process command lines.
check_state_dir() {
  local state=$1
  case $state in
    /*) ;;
    *) die "STATE_DIR: '$state' is not absolute (pass an absolute path, e.g. \$(mktemp -d))" ;;
  esac
  case $state in
    *[[:space:]]*) die "STATE_DIR: '$state' contains whitespace (use a path without spaces)" ;;
  esac
  mkdir -p "$state"
  chmod 700 "$state"
}

iso_now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }

# free_port STATE: prints a TCP port on 127.0.0.1 that nothing listens on and that this
# state dir has not handed out before (ports are reserved in STATE/ports.used).
free_port() {
  local state=$1 lo hi port tries=0
  lo=${VK8S_LOCALENV_PORT_RANGE%-*}
  hi=${VK8S_LOCALENV_PORT_RANGE#*-}
  (
    flock 9
    while :; do
      tries=$((tries + 1))
      [ "$tries" -le 500 ] || { echo "no free port in $VK8S_LOCALENV_PORT_RANGE" >&2; exit 1; }
      port=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
      grep -qx "$port" "$state/ports.used" 2>/dev/null && continue
      ss -Htln "sport = :$port" 2>/dev/null | grep -q . && continue
      echo "$port" >>"$state/ports.used"
      echo "$port"
      exit 0
    done
  ) 9>>"$state/ports.lock"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_until SECONDS WHAT CMD...: polls CMD every half second.
wait_until() {
  local timeout=$1 what=$2 start=$SECONDS
  shift 2
  until "$@" >/dev/null 2>&1; do
    if [ $((SECONDS - start)) -ge "$timeout" ]; then
      log "$what: not ready after ${timeout}s"
      return 1
    fi
    sleep 0.5
  done
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

pidfile_alive() { [ -f "$1" ] && pid_alive "$(cat "$1")"; }

# daemon PIDFILE LOGFILE CMD...: starts CMD in its own session, detached from the
# caller's terminal and file descriptors (so an ssh session that started it can end, and
# the lock files held on fds 8 and 9 are not inherited), and records its pid.
# The daemon writes its own pid (setsid forks when the caller leads a process group).
daemon() {
  local pidfile=$1 logfile=$2 _
  shift 2
  rm -f "$pidfile"
  # shellcheck disable=SC2016 # expanded by the inner bash
  setsid bash -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$pidfile" "$@" \
    </dev/null >>"$logfile" 2>&1 8>&- 9>&- &
  for _ in $(seq 1 100); do
    [ -s "$pidfile" ] && return 0
    sleep 0.05
  done
  log "no pid file $pidfile after 5s"
  return 1
}

# descendants PID: prints every descendant pid of PID, deepest first.
descendants() {
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null || true); do
    descendants "$child"
    echo "$child"
  done
}

# stop_pid PID: SIGTERM to PID and its descendants, waits up to 10 s, then SIGKILL.
stop_pid() {
  local pid=$1 all
  pid_alive "$pid" || return 0
  all="$(descendants "$pid") $pid"
  # shellcheck disable=SC2086
  kill -TERM $all 2>/dev/null || true
  for _ in $(seq 1 40); do
    # shellcheck disable=SC2086
    alive_any $all || return 0
    sleep 0.25
  done
  # shellcheck disable=SC2086
  kill -KILL $all 2>/dev/null || true
  sleep 0.2
}

alive_any() {
  local p
  for p in "$@"; do
    # a zombie still answers kill -0; count only live processes
    if [ -r "/proc/$p/stat" ] && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ]; then
      return 0
    fi
  done
  return 1
}

stop_pidfile() {
  local pidfile=$1
  [ -f "$pidfile" ] || return 0
  stop_pid "$(cat "$pidfile")"
  rm -f "$pidfile"
}

# ancestors: this shell and every process above it (they mention STATE_DIR legitimately).
ancestors() {
  local pid=$$
  while [ "$pid" -gt 1 ] 2>/dev/null; do
    echo "$pid"
    pid=$(awk '{print $4}' "/proc/$pid/stat" 2>/dev/null || echo 1)
  done
}

# procs_mentioning STATE: "pid cmdline" of live processes whose command line contains
# STATE, except this shell, its ancestors and its own children.
procs_mentioning() {
  local state=$1 skip p cmd
  skip=" $(ancestors | tr '\n' ' ') $(descendants $$ | tr '\n' ' ') "
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    case $skip in *" $p "*) continue ;; esac
    [ -r "/proc/$p/cmdline" ] || continue
    cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
    case $cmd in
      *"$state"*) alive_any "$p" && printf '%s %s\n' "$p" "$cmd" ;;
    esac
  done
}

b64() { base64 -w0 <"$1"; }

# show_logs DIR LINES: the last LINES lines of every DIR/*.log, on stderr (a component that did not start).
show_logs() {
  local f
  for f in "$1"/*.log; do
    [ -f "$f" ] || continue
    log "last lines of $f:"
    tail -n "$2" "$f" >&2
  done
}

# preload_image NAME: the reference of image NAME (e.g. pause, etcd) in the vNodes' preload
# archive, as scripts/images.sh built it (its images.txt); fails when the archive has none.
preload_image() {
  local archive
  archive=$(bash "$LOCALENV_DIR/../../scripts/images.sh" list | awk '$1 == "control-plane" { print $2 }')
  grep -m1 "/$1:" "$(dirname "$archive")/images.txt" \
    || { log "no $1 image in the preload archive $archive (run scripts/images.sh build)"; return 1; }
}

# Paths that each simulated vNode sees privately (bind-mounted from
# STATE_DIR/nodes/<cluster>/<node>/root<path> in the node's own mount namespace):
# what kubeadm and the bootstrap steps write (/etc/default holds the kubelet flags; it
# starts as a copy of the host's), the GPU allocation file (/etc/vk8s) and the
# container runtime socket (/run/containerd).
# shellcheck disable=SC2034
NODE_PRIVATE_PATHS="/etc/kubernetes /etc/vk8s /etc/default /var/lib/kubelet /var/lib/vk8s /opt/vk8s /run/containerd /root/.kube"

valid_name() { [[ $1 =~ ^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$ ]]; }
