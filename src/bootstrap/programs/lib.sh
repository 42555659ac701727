# shellcheck shell=sh
# vk8s bootstrap helper library, sourced by every step program in this directory.
#
# A step runs as: the rendered wrapper (src/bootstrap/bundle.ts) writes this file, the
# program, the step's data environment (step.env) and its data files into the step
# directory VK8S_STEP_DIR, then runs `sh program.sh` with the step's stdin. Everything a
# program reads is data: VK8S_* variables from step.env, files under VK8S_STEP_DIR, and
# stdin (secrets only ever arrive there).
set -eu
: "${VK8S_STEP_DIR:?run a vk8s step program through its rendered wrapper}"
# shellcheck source=/dev/null
. "$VK8S_STEP_DIR/step.env"

# shellcheck disable=SC2034 # constants for the programs that source this file
ADMIN_CONF=/etc/kubernetes/admin.conf
# shellcheck disable=SC2034
KUBELET_CONF=/etc/kubernetes/kubelet.conf
GPU_ALLOCATION_FILE=/etc/vk8s/gpus
# Files the bootstrap keeps on the node state go under VK8S_NODE_STATE_ROOT (tests; "" on a vNode).
node_state_root="${VK8S_NODE_STATE_ROOT:-}"
# Scratch and downloads on the vNode; VK8S_WORK_DIR overrides it (tests).
work="${VK8S_WORK_DIR:-/var/lib/vk8s}"
mkdir -p "$work"

# log MESSAGE...: one line on stderr, prefixed with the step id.
log() { printf '%s: %s\n' "$VK8S_STEP_ID" "$*" >&2; }
# fail MESSAGE...: logs an ERROR line and exits 1.
fail() { log "ERROR: $*"; exit 1; }
# phase NAME: the VK8S_PHASE marker the component reports, with the UTC time of the run.
phase() { printf 'VK8S_PHASE %s %s\n' "$1" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"; }
# data FILE: path of one of the step's data files (fails when the wrapper did not write it).
data() {
  [ -f "$VK8S_STEP_DIR/$1" ] || fail "data file $1 is missing from $VK8S_STEP_DIR"
  printf '%s\n' "$VK8S_STEP_DIR/$1"
}
use_admin_kubeconfig() { export KUBECONFIG="$ADMIN_CONF"; }

# wait_until TIMEOUT WHAT COMMAND...: runs COMMAND every 5s until it succeeds; fails after TIMEOUT seconds.
wait_until() {
  wait_timeout=$1 wait_what=$2
  shift 2
  wait_deadline=$(( $(date +%s) + wait_timeout ))
  until "$@"; do
    if [ "$(date +%s)" -ge "$wait_deadline" ]; then fail "timed out after ${wait_timeout}s waiting for $wait_what"; fi
    sleep 5
  done
}

# retry_bounded LABEL COMMAND...: runs COMMAND (its stderr kept in $work/<step>.err) until it
# succeeds, at most VK8S_RETRY_ATTEMPTS times, sleeping VK8S_RETRY_BACKOFF seconds after the
# first failure and doubling up to VK8S_RETRY_MAX_BACKOFF; no attempt starts once the next
# sleep would pass VK8S_RETRY_TIMEOUT seconds from the first. COMMAND sees `retry_remaining`
# (seconds left of the total budget).
retry_bounded() {
  retry_label=$1
  shift
  retry_errors="$work/$VK8S_STEP_ID.err"
  retry_start=$(date +%s)
  attempt=1
  delay=$VK8S_RETRY_BACKOFF
  while :; do
    echo "$retry_label: attempt $attempt/$VK8S_RETRY_ATTEMPTS"
    # shellcheck disable=SC2034 # read by the retried command
    retry_remaining=$(( VK8S_RETRY_TIMEOUT - ($(date +%s) - retry_start) ))
    if "$@" 2> "$retry_errors"; then
      echo "$retry_label: attempt $attempt/$VK8S_RETRY_ATTEMPTS succeeded"
      return 0
    fi
    elapsed=$(( $(date +%s) - retry_start ))
    if [ "$attempt" -ge "$VK8S_RETRY_ATTEMPTS" ]; then
      log "$retry_label: attempt $attempt/$VK8S_RETRY_ATTEMPTS failed, no attempts left after ${elapsed}s; last error:"
      tail -n 20 "$retry_errors" >&2
      exit 1
    fi
    if [ $(( elapsed + delay )) -ge "$VK8S_RETRY_TIMEOUT" ]; then
      log "$retry_label: attempt $attempt/$VK8S_RETRY_ATTEMPTS failed, and the ${VK8S_RETRY_TIMEOUT}s timeout leaves no time for another after ${elapsed}s; last error:"
      tail -n 20 "$retry_errors" >&2
      exit 1
    fi
    log "$retry_label: attempt $attempt/$VK8S_RETRY_ATTEMPTS failed: $(tail -n 2 "$retry_errors" | tr '\n' ' ')retrying in ${delay}s"
    sleep "$delay"
    delay=$(( delay * 2 ))
    if [ "$delay" -gt "$VK8S_RETRY_MAX_BACKOFF" ]; then delay=$VK8S_RETRY_MAX_BACKOFF; fi
    attempt=$(( attempt + 1 ))
  done
}

# download URL DEST: curl with retries and timeouts, failing on HTTP errors; DEST appears only complete.
download() {
  curl -fsSL --retry 5 --retry-delay 3 --connect-timeout 20 --max-time 600 -o "$2.download" "$1" \
    || fail "download of $1 failed (check the network or set a mirror/local source)"
  mv "$2.download" "$2"
}

# fetch_source KIND LOCATION DEST: puts a file at DEST from a URL (KIND url) or a file on this vNode (KIND local).
fetch_source() {
  case "$1" in
    url) download "$2" "$3" ;;
    local)
      [ -f "$2" ] || fail "$2 is missing (copy it onto the vNode, or use another source)"
      cp "$2" "$3" ;;
    *) fail "unknown source kind $1" ;;
  esac
}

# node_ip: the IPv4 address of VK8S_NODE_INTERFACE (the interface between vNodes).
node_ip() { ip -4 -o addr show dev "$VK8S_NODE_INTERFACE" 2>/dev/null | awk '{ split($4, a, "/"); print a[1]; exit }'; }

# kubectl_dry_run: the client-side dry-run flag of the vNode's kubectl (`--dry-run` before 1.18).
kubectl_dry_run() {
  case "$(kubectl version --client -o json 2>/dev/null | tr -d ' \n' | sed -n 's/.*"minor":"\([0-9]*\).*/\1/p')" in
    1[0-7]) echo "--dry-run" ;;
    *) echo "--dry-run=client" ;;
  esac
}

prerequisites_ready() {
  missing=''
  for tool in kubeadm kubelet kubectl awk sed grep timeout ip $VK8S_EXTRA_TOOLS; do
    command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
  done
  if [ ! -S /run/containerd/containerd.sock ] && [ ! -S /var/run/docker.sock ] \
    && [ ! -S /var/run/cri-dockerd.sock ] && [ ! -S /var/run/crio/crio.sock ]; then
    missing="$missing container-runtime-socket"
  fi
  if [ -z "$(node_ip)" ]; then missing="$missing ipv4-on-$VK8S_NODE_INTERFACE"; fi
  if [ "$VK8S_GPUS" -gt 0 ] && [ ! -f "$GPU_ALLOCATION_FILE" ]; then missing="$missing $GPU_ALLOCATION_FILE"; fi
  [ -z "$missing" ]
}

# wait_prerequisites: waits (bounded) until the vNode has its tools, a container runtime, an
# address on the node interface and, with GPUs, its allocation file; then checks the
# Kubernetes minor of the image and that exactly the vNode's GPUs are visible.
wait_prerequisites() {
  deadline=$(( $(date +%s) + VK8S_WAIT_TIMEOUT ))
  until prerequisites_ready; do
    if [ "$(date +%s)" -ge "$deadline" ]; then fail "vNode $VK8S_NODE_NAME not ready after ${VK8S_WAIT_TIMEOUT}s, missing:$missing (check the vNode pod and its kink image)"; fi
    sleep 5
  done
  image_version=$(kubeadm version -o short)
  case "$image_version" in
    "v$VK8S_KUBERNETES_MINOR".*) ;;
    *) fail "the vNode image has kubeadm $image_version, the cluster wants $VK8S_KUBERNETES_VERSION (use the kink image tagged v$VK8S_KUBERNETES_MINOR)" ;;
  esac
  if [ "$VK8S_GPUS" -gt 0 ]; then
    allocated=$(grep -c . "$GPU_ALLOCATION_FILE" || true)
    [ "$allocated" -eq "$VK8S_GPUS" ] || fail "$GPU_ALLOCATION_FILE lists $allocated GPU(s), vNode $VK8S_NODE_NAME was given $VK8S_GPUS (check the host's NVIDIA device plugin and the vNode GPU isolation)"
    visible=0
    for dev in /dev/nvidia[0-9]*; do
      if [ -e "$dev" ]; then visible=$((visible + 1)); fi
    done
    [ "$visible" -eq "$VK8S_GPUS" ] || fail "vNode $VK8S_NODE_NAME sees $visible GPU device(s), it was given $VK8S_GPUS (the vNode start-up must hide the GPUs it was not allocated)"
  fi
}

# preload_images: imports each archive of the data file VK8S_IMAGE_ARCHIVES (lines `url URL`
# or `local PATH`) into containerd's k8s.io namespace, so kubeadm and the kubelet find the
# images without a registry. Nothing to do when VK8S_IMAGE_ARCHIVES is empty.
preload_images() {
  [ -n "$VK8S_IMAGE_ARCHIVES" ] || return 0
  archives=$(data "$VK8S_IMAGE_ARCHIVES")
  command -v ctr >/dev/null 2>&1 || fail "ctr (containerd) is missing on the vNode: it is needed to preload image archives"
  mkdir -p "$work/images"
  n=0
  while read -r kind location; do
    [ -n "$kind" ] || continue
    n=$((n + 1))
    archive="$work/images/archive-$n.tar"
    if [ "$kind" = local ]; then
      [ -f "$location" ] || fail "image archive $location is missing (copy it onto vNode $VK8S_NODE_NAME, or use a mirror URL)"
      archive=$location
    elif [ ! -f "$archive" ]; then
      download "$location" "$archive"
    fi
    ctr -n k8s.io images import "$archive" < /dev/null >&2 || fail "ctr could not import the image archive $location"
    log "imported the image archive $location into containerd (namespace k8s.io)"
  done < "$archives"
}

# record_node_address ADDRESS: writes the node's interface and IPv4 to VK8S_NODE_ADDRESS_FILE
# (on the node state), where the vNode start-up finds them when its pod is re-created with a
# new IP (node-address.sh of the boot ConfigMap, src/render/vnode.ts).
record_node_address() {
  record="$node_state_root$VK8S_NODE_ADDRESS_FILE"
  mkdir -p "$(dirname "$record")"
  printf 'VK8S_NODE_INTERFACE=%s\nVK8S_NODE_IP=%s\n' "$VK8S_NODE_INTERFACE" "$1" > "$record.tmp"
  mv "$record.tmp" "$record"
}

# render_config TEMPLATE DEST NAME=VALUE...: copies the rendered kubeadm configuration,
# replacing each @NAME@ placeholder by its value (values known only on the node: its IP,
# the join token); fails when a placeholder is left over. DEST is created mode 0600.
render_config() {
  render_src=$1 render_dest=$2
  shift 2
  cp "$render_src" "$render_dest.tmp"
  chmod 600 "$render_dest.tmp"
  for pair in "$@"; do
    sed -i "s|@${pair%%=*}@|${pair#*=}|g" "$render_dest.tmp"
  done
  if grep -q '@VK8S_[A-Z_]*@' "$render_dest.tmp"; then fail "$render_src: placeholders left unfilled: $(grep -o '@VK8S_[A-Z_]*@' "$render_dest.tmp" | sort -u | tr '\n' ' ')"; fi
  mv "$render_dest.tmp" "$render_dest"
}
