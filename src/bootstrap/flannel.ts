/**
 * flannel, the inner cluster's CNI where calico's images cannot be had (air-gapped sites that
 * mirror only vk8s's images, and the vk8s test machines, where calico does not build from the
 * Go module proxy). The objects follow upstream kube-flannel's shape (namespace `kube-flannel`,
 * ServiceAccount, ClusterRole, ConfigMap `kube-flannel-cfg` with `net-conf.json`, a host-network
 * DaemonSet) with three vk8s choices:
 *   - backend `host-gw`: every vNode of a cluster is a pod on the same host network segment, so
 *     routes to each node's pod subnet via its address suffice (no VXLAN device, which needs a
 *     kernel module the host may lack);
 *   - `--iface=<nodeInterface>`: like calico's `IP_AUTODETECTION_METHOD=interface=eth0` patch, the
 *     vNode interface between vNodes is named, never guessed;
 *   - the image is vk8s's flannel image (`images/flannel`): flanneld plus a start script that writes
 *     the node's CNI configuration (bridge + host-local on the leased subnet), since flannel's own
 *     CNI plugin module is not served here.
 * Pure: returns plain objects; the bootstrap renders them to YAML and applies them.
 */

/** Inputs of {@link flannelObjects}. */
export interface FlannelInput {
  /** The cluster's pod network, IPv4 CIDR (e.g. `80.244.0.0/16`); each node leases a /24 of it. */
  podNetworkCidr: string;
  /** The vNode interface between vNodes (bootstrap option `nodeInterface`, default `eth0`). */
  nodeInterface: string;
  /** vk8s flannel image reference, e.g. `ghcr.io/vk8s/flannel:v0.28.10`. */
  image: string;
}

export const FLANNEL_NAMESPACE = "kube-flannel";
export const FLANNEL_DAEMONSET = "kube-flannel-ds";

/** The flannel objects, in apply order (namespace first). */
export function flannelObjects(input: FlannelInput): Record<string, unknown>[] {
  const name = "flannel";
  const labels = { app: "flannel", "k8s-app": "flannel", tier: "node" };
  return [
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: FLANNEL_NAMESPACE, labels: { "k8s-app": "flannel", "pod-security.kubernetes.io/enforce": "privileged" } },
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name, labels: { "k8s-app": "flannel" } },
      rules: [
        { apiGroups: [""], resources: ["pods"], verbs: ["get"] },
        { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
        { apiGroups: [""], resources: ["nodes/status"], verbs: ["patch"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name, labels: { "k8s-app": "flannel" } },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
      subjects: [{ kind: "ServiceAccount", name, namespace: FLANNEL_NAMESPACE }],
    },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: FLANNEL_NAMESPACE, labels: { "k8s-app": "flannel" } } },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "kube-flannel-cfg", namespace: FLANNEL_NAMESPACE, labels },
      data: {
        "net-conf.json": JSON.stringify({ Network: input.podNetworkCidr, EnableNFTables: false, Backend: { Type: "host-gw" } }, null, 2) + "\n",
      },
    },
    {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: FLANNEL_DAEMONSET, namespace: FLANNEL_NAMESPACE, labels },
      spec: {
        selector: { matchLabels: { app: "flannel" } },
        template: {
          metadata: { labels },
          spec: {
            hostNetwork: true,
            priorityClassName: "system-node-critical",
            serviceAccountName: name,
            tolerations: [{ operator: "Exists", effect: "NoSchedule" }, { operator: "Exists", effect: "NoExecute" }],
            containers: [
              {
                name: "kube-flannel",
                image: input.image,
                imagePullPolicy: "IfNotPresent",
                args: ["--ip-masq", "--kube-subnet-mgr", `--iface=${input.nodeInterface}`],
                env: [
                  { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                  { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                  { name: "EVENT_QUEUE_DEPTH", value: "5000" },
                ],
                resources: { requests: { cpu: "50m", memory: "50Mi" } },
                securityContext: { privileged: false, capabilities: { add: ["NET_ADMIN", "NET_RAW"] } },
                volumeMounts: [
                  { name: "run", mountPath: "/run/flannel" },
                  { name: "flannel-cfg", mountPath: "/etc/kube-flannel/" },
                  { name: "cni", mountPath: "/etc/cni/net.d" },
                  { name: "xtables-lock", mountPath: "/run/xtables.lock" },
                ],
              },
            ],
            volumes: [
              { name: "run", hostPath: { path: "/run/flannel" } },
              { name: "cni", hostPath: { path: "/etc/cni/net.d" } },
              { name: "flannel-cfg", configMap: { name: "kube-flannel-cfg" } },
              { name: "xtables-lock", hostPath: { path: "/run/xtables.lock", type: "FileOrCreate" } },
            ],
          },
        },
      },
    },
  ];
}
