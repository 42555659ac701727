# shellcheck shell=bash
# Shared by the node stand-ins (kubeadm, systemctl, nvidia-smi): sourced, never run.

# standin_record STATE CLUSTER NODE ARGV...: appends "<ISO time> <cluster> <node> <argv>"
# to STATE/calls.log (under a lock: joins run in parallel). Bootstrap-token and
# certificate-key values are replaced by <redacted>.
standin_record() {
  local state=$1 cluster=$2 node=$3 out=() redact=0 arg
  shift 3
  for arg in "$@"; do
    if [ "$redact" = 1 ]; then out+=("<redacted>"); redact=0; continue; fi
    case $arg in
      --token | --certificate-key) out+=("$arg"); redact=1 ;;
      --token=* | --certificate-key=*) out+=("${arg%%=*}=<redacted>") ;;
      *) out+=("$arg") ;;
    esac
  done
  (
    flock 9
    printf '%s %s %s %s\n' "$(iso_now)" "$cluster" "$node" "${out[*]}" >>"$state/calls.log"
  ) 9>>"$state/calls.lock"
}

# node_image_version STATE CLUSTER NODE: the Kubernetes version of the vNode's image, which
# `kubeadm version` and `kubelet --version` report: VK8S_SIM_KUBERNETES_VERSION given to
# vnode.sh up, else the tag of the cluster's vNode StatefulSets in the host API
# (`.../kink:v1.20` -> v1.20.0; namespace vk8s-<CLUSTER>, labels app=vk8s,clusterName=<CLUSTER>),
# else the version of the toolchain's kube-apiserver.
node_image_version() {
  local home=$1/nodes/$2/$3 tag
  if [ -s "$home/kubernetes-version" ]; then
    cat "$home/kubernetes-version"
    return
  fi
  tag=$(kubectl --kubeconfig "$1/host/kubeconfig" --request-timeout=10s -n "vk8s-$2" get statefulsets \
    -l "app=vk8s,clusterName=$2" -o jsonpath='{.items[*].spec.template.spec.containers[*].image}' 2>/dev/null \
    | tr ' ' '\n' | grep -oE ':v[0-9]+\.[0-9]+(\.[0-9]+)?$' | head -n 1 | cut -c2-) || true
  case $tag in
    v*.*.*) echo "$tag" ;;
    v*.*) echo "$tag.0" ;;
    *) cat "$home/toolchain-version" ;;
  esac
}
