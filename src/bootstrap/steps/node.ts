/**
 * Kubernetes on the vNodes: wait for the kink image's prerequisites, `kubeadm init` on the
 * master, the admin kubeconfig, and `kubeadm join` of each worker with a join command
 * minted at join time (bootstrap tokens expire: a worker added months later still joins).
 */
import type { ResolvedNode } from "../../spec/resolved";
import { ADMIN_CONF, USE_ADMIN_KUBECONFIG, atLeast, header, phaseMarker, script, shq, waitUntil } from "../shell";
import { GPU_ALLOCATION_FILE, GPU_LABEL, type StepContext } from "./context";

const RUNTIME_SOCKETS = [
  "/run/containerd/containerd.sock",
  "/var/run/docker.sock",
  "/var/run/cri-dockerd.sock",
  "/var/run/crio/crio.sock",
];
const TOOLS = ["kubeadm", "kubelet", "kubectl", "awk", "sed", "grep", "timeout", "ip"];
const KUBELET_CONF = "/etc/kubernetes/kubelet.conf";

/** `node_ip`: the IPv4 address of the vNode interface that reaches the other vNodes. */
function nodeIpFunction(ctx: StepContext): string {
  return `node_ip() { ip -4 -o addr show dev ${shq(ctx.options.nodeInterface)} 2>/dev/null | awk '{ split($4, a, "/"); print a[1]; exit }'; }`;
}

/**
 * Waits (bounded) until the vNode has its tools, a container runtime, an address on the
 * node interface and, with GPUs, its allocation file; then checks the Kubernetes minor of
 * the image and that exactly the vNode's GPUs are visible.
 */
export function prerequisites(ctx: StepContext, node: ResolvedNode): string {
  const sockets = RUNTIME_SOCKETS.map((s) => `[ ! -S ${s} ]`).join(" && ");
  const lines = [
    nodeIpFunction(ctx),
    "prerequisites_ready() {",
    "  missing=''",
    `  for tool in ${TOOLS.join(" ")}; do`,
    `    command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"`,
    "  done",
    `  if ${sockets}; then missing="$missing container-runtime-socket"; fi`,
    `  if [ -z "$(node_ip)" ]; then missing="$missing ipv4-on-${ctx.options.nodeInterface}"; fi`,
  ];
  if (node.gpus > 0) lines.push(`  [ -f ${GPU_ALLOCATION_FILE} ] || missing="$missing ${GPU_ALLOCATION_FILE}"`);
  lines.push(
    `  [ -z "$missing" ]`,
    "}",
    `deadline=$(( $(date +%s) + ${ctx.options.waitTimeoutSeconds} ))`,
    "until prerequisites_ready; do",
    `  if [ "$(date +%s)" -ge "$deadline" ]; then fail "vNode ${node.name} not ready after ${ctx.options.waitTimeoutSeconds}s, missing:$missing (check the vNode pod and its kink image)"; fi`,
    "  sleep 5",
    "done",
    `image_version=$(kubeadm version -o short)`,
    `case "$image_version" in`,
    `  v${ctx.kubernetesMinor}.*) ;;`,
    `  *) fail "the vNode image has kubeadm $image_version, the cluster wants ${ctx.kubernetesVersion} (use the kink image tagged v${ctx.kubernetesMinor})" ;;`,
    "esac",
  );
  if (node.gpus > 0) {
    lines.push(
      `allocated=$(grep -c . ${GPU_ALLOCATION_FILE} || true)`,
      `[ "$allocated" -eq ${node.gpus} ] || fail "${GPU_ALLOCATION_FILE} lists $allocated GPU(s), vNode ${node.name} was given ${node.gpus} (check the host's NVIDIA device plugin and the vNode GPU isolation)"`,
      "visible=0",
      "for dev in /dev/nvidia[0-9]*; do",
      `  if [ -e "$dev" ]; then visible=$((visible + 1)); fi`,
      "done",
      `[ "$visible" -eq ${node.gpus} ] || fail "vNode ${node.name} sees $visible GPU device(s), it was given ${node.gpus} (the vNode start-up must hide the GPUs it was not allocated)"`,
    );
  }
  return lines.join("\n");
}

/** The kubelet flags vk8s owns: node IP on the node interface, and the GPU label the device plugin step checks. */
function kubeletDefaults(node: ResolvedNode): string {
  return [
    "mkdir -p /etc/default",
    `printf 'KUBELET_EXTRA_ARGS="--node-ip=%s --node-labels=${GPU_LABEL}=${node.gpus}"\\n' "$address" > /etc/default/kubelet`,
  ].join("\n");
}

function ignorePreflight(ctx: StepContext): string {
  const checks = ctx.options.kubeadmIgnorePreflightErrors;
  return checks.length ? ` \\\n    --ignore-preflight-errors ${shq(checks.join(","))}` : "";
}

/** `01-wait-master`: the master vNode is up with what kubeadm needs. */
export function waitMasterScript(ctx: StepContext, id: string): string {
  const master = ctx.cluster.master;
  return script(
    header({ id, title: "wait for the master vNode", node: master.name }),
    phaseMarker("Waiting: creating node"),
    prerequisites(ctx, master),
    `echo "VK8S_NODE ${master.name} vnode-ready"`,
  );
}

/** `02-kubeadm-init`: the control plane, skipped when `admin.conf` exists; the master also runs workloads. */
export function kubeadmInitScript(ctx: StepContext, id: string): string {
  const { master, network } = ctx.cluster;
  const host = master.hostname;
  const sans = [host, ...ctx.options.apiServerExtraSans].join(",");
  const init = [
    `if [ -f ${ADMIN_CONF} ]; then`,
    `  log "${ADMIN_CONF} present: the control plane is already initialised, skipping kubeadm init"`,
    "else",
    "  address=$(node_ip)",
    `  [ -n "$address" ] || fail "no IPv4 address on ${ctx.options.nodeInterface} (the interface between vNodes)"`,
    ...kubeletDefaults(master).split("\n").map((l) => `  ${l}`),
    "  kubeadm init \\",
    `    --kubernetes-version ${ctx.kubernetesVersion} \\`,
    `    --pod-network-cidr ${shq(network.podNetworkCidr)} \\`,
    `    --service-cidr ${shq(network.serviceCidr)} \\`,
    `    --apiserver-advertise-address "$address" \\`,
    `    --control-plane-endpoint ${shq(ctx.controlPlaneEndpoint)} \\`,
    `    --apiserver-cert-extra-sans ${shq(sans)} \\`,
    `    --node-name ${shq(master.name)} \\`,
    `    --skip-token-print${ignorePreflight(ctx)} \\`,
    `    > "$work/kubeadm-init.log" 2>&1 || { tail -n 40 "$work/kubeadm-init.log" >&2; fail "kubeadm init failed"; }`,
    "fi",
  ].join("\n");
  const untaint = [
    "# vk8s clusters are small: the master vNode runs workloads too (a one-node cluster runs Kubeflow on it).",
    "for taint in node-role.kubernetes.io/master node-role.kubernetes.io/control-plane; do",
    `  if kubectl get node ${shq(master.name)} -o jsonpath='{.spec.taints[*].key}' | tr ' ' '\\n' | grep -qx "$taint"; then`,
    `    kubectl taint node ${shq(master.name)} "$taint:NoSchedule-" >&2`,
    "  fi",
    "done",
  ].join("\n");
  return script(
    header({ id, title: "kubeadm init on the master", node: master.name }),
    phaseMarker("Installing: configuring master node"),
    USE_ADMIN_KUBECONFIG,
    nodeIpFunction(ctx),
    init,
    waitUntil("kubectl get --raw=/readyz >/dev/null 2>&1", "the API server", ctx.options.waitTimeoutSeconds),
    untaint,
    `echo "VK8S_NODE ${master.name} kubernetes-ready"`,
  );
}

/** `03-kubeconfig`: prints the admin kubeconfig (a secret); the component rewrites the server address. */
export function kubeconfigScript(ctx: StepContext, id: string): string {
  return script(
    header({ id, title: "print the admin kubeconfig", node: ctx.cluster.master.name }),
    `[ -f ${ADMIN_CONF} ] || fail "${ADMIN_CONF} is missing (kubeadm init has not run)"`,
    `cat ${ADMIN_CONF}`,
  );
}

/** `05-join-token-<node>`: mints a short-lived join command; stdout is that one line (a secret). */
export function joinTokenScript(ctx: StepContext, id: string, worker: ResolvedNode): string {
  return script(
    header({ id, title: `mint the join command of ${worker.name}`, node: ctx.cluster.master.name }),
    USE_ADMIN_KUBECONFIG,
    `kubeadm token create --print-join-command --ttl 2h --description ${shq(`vk8s join of ${worker.name}`)}`,
  );
}

/**
 * `06-join-<node>`: joins the worker with the command on stdin. Skipped when the node is
 * already registered; a stale join (kubelet.conf present, node object gone, e.g. after
 * its delete step drained it) is reset and joined again.
 */
export function joinScript(ctx: StepContext, id: string, worker: ResolvedNode, tokenStep: string): string {
  const name = shq(worker.name);
  const guard = [
    `join_command=$(cat)`,
    `if [ -f ${KUBELET_CONF} ]; then`,
    `  if state=$(kubectl --kubeconfig ${KUBELET_CONF} get node ${name} -o name 2>&1); then`,
    `    log "${KUBELET_CONF} present and node ${worker.name} registered: already joined, skipping kubeadm join"`,
    `    echo "VK8S_NODE ${worker.name} kubernetes-ready"`,
    "    exit 0",
    "  fi",
    `  case "$state" in`,
    `    *NotFound* | *"not found"*) log "node ${worker.name} is gone from the cluster: kubeadm reset, then join again"; kubeadm reset -f >&2 ;;`,
    `    *) fail "cannot check the join state of ${worker.name} with ${KUBELET_CONF}: $state" ;;`,
    "  esac",
    "fi",
  ].join("\n");
  const join = [
    `case "$join_command" in`,
    `  "kubeadm join "*" --token "*" --discovery-token-ca-cert-hash sha256:"*) ;;`,
    `  *) fail "stdin is not a kubeadm join command (expected the stdout of step ${tokenStep})" ;;`,
    "esac",
    `endpoint=$(printf '%s\\n' "$join_command" | awk '{ print $3 }')`,
    `token=$(printf '%s\\n' "$join_command" | awk '{ for (i = 1; i < NF; i++) if ($i == "--token") print $(i + 1) }')`,
    `ca_hash=$(printf '%s\\n' "$join_command" | awk '{ for (i = 1; i < NF; i++) if ($i == "--discovery-token-ca-cert-hash") print $(i + 1) }')`,
    "address=$(node_ip)",
    kubeletDefaults(worker),
    `kubeadm join "$endpoint" --token "$token" --discovery-token-ca-cert-hash "$ca_hash" \\`,
    `    --node-name ${name}${ignorePreflight(ctx)} \\`,
    `    > "$work/kubeadm-join.log" 2>&1 || { tail -n 40 "$work/kubeadm-join.log" >&2; fail "kubeadm join of ${worker.name} failed"; }`,
    `echo "VK8S_NODE ${worker.name} kubernetes-ready"`,
  ].join("\n");
  return script(
    header({
      id,
      title: `kubeadm join of ${worker.name}`,
      node: worker.name,
      stdin: `the join command printed by step ${tokenStep} on the master (it holds a bootstrap token)`,
    }),
    prerequisites(ctx, worker),
    guard,
    join,
  );
}

/** Delete script of `06-join-<node>`, run on the master: drain the worker and remove its node object. */
export function removeWorkerScript(ctx: StepContext, id: string, worker: ResolvedNode): string {
  const name = shq(worker.name);
  const emptyDir = atLeast(ctx.kubernetesMinor, "1.20") ? "--delete-emptydir-data" : "--delete-local-data";
  const t = ctx.options.waitTimeoutSeconds;
  return script(
    header({ id: `${id}-delete`, title: `remove ${worker.name} from the cluster`, node: ctx.cluster.master.name }),
    USE_ADMIN_KUBECONFIG,
    [
      `if ! kubectl get --raw=/readyz --request-timeout=10s >/dev/null 2>&1; then`,
      `  log "API server unreachable: nothing to drain for ${worker.name}"`,
      "  exit 0",
      "fi",
      `if ! kubectl get node ${name} >/dev/null 2>&1; then`,
      `  log "node ${worker.name} is not in the cluster: nothing to drain"`,
      "  exit 0",
      "fi",
      `kubectl drain ${name} --ignore-daemonsets ${emptyDir} --force --timeout=${t}s >&2 \\`,
      `  || log "drain of ${worker.name} incomplete after ${t}s; removing the node anyway"`,
      `kubectl delete node ${name} --timeout=${t}s >&2`,
      `echo "VK8S_NODE ${worker.name} removed"`,
    ].join("\n"),
  );
}
