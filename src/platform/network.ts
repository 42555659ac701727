/**
 * Network isolation of a tenant: a default-deny NetworkPolicy for its namespace, then
 * only the traffic its virtual cluster needs (policies are additive):
 *
 *   <name>-default-deny   every pod: no ingress, no egress
 *   <name>-vnodes         vNodes <-> vNodes of the same cluster, any port and protocol
 *                         (kubeadm, kubelet, etcd, and the inner calico's IP-in-IP/VXLAN,
 *                         which is not TCP/UDP: so no `ports` on this rule); SSH (22) in
 *                         from the tenant's access pod
 *   <name>-nodeports      into the master vNode on the targetPorts of `ports[]` and on
 *                         6443 when the API server is exposed, from anywhere (NodePort
 *                         traffic arrives from host nodes or, with
 *                         externalTrafficPolicy=Local, from the client)
 *   <name>-access         into the access pod on its SSH port from anywhere; out of it to
 *                         the vNodes on 22 only
 *   <name>-dns            out of every pod to the cluster DNS on 53 (UDP and TCP)
 *   <name>-vnode-egress   out of vNodes to anywhere except the host's pod and service
 *                         CIDRs (image pulls, Kubeflow manifests), when enabled
 *
 * So another tenant's pods can reach this tenant only where any client can: its NodePorts.
 * The kubelet's probes come from the host node itself, which CNIs such as calico always
 * allow to its local pods.
 */
import type { ResolvedCluster } from "../cluster/resolved";
import { accessSelector, allVNodesSelector, vNodeSelector } from "../render/labels";
import { API_SERVER_PORT } from "../core/ports";
import { VNODE_SSH_PORT } from "../render/vnode";
import type { K8sObject } from "../render/types";

export interface NetworkIsolationOptions {
  /** Expose 6443 of the master vNode (the API server NodePort is set). */
  apiServerExposed: boolean;
  dns: { namespace: string; podLabels: Record<string, string> };
  vNodeInternetEgress: boolean;
  /** CIDRs excluded from the vNodes' internet egress (the host's pod and service networks). */
  hostCidrs: string[];
  labels: Record<string, string>;
}

/** The namespace's name label, set by Kubernetes on every namespace (1.21+). */
const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** A NetworkPolicy named `<cluster>-<suffix>` (`<cluster>-default-deny`, `<cluster>-vnodes`, ...): the one place its name is built. */
function policy(cluster: ResolvedCluster, suffix: string, labels: Record<string, string>, spec: Record<string, unknown>): K8sObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: `${cluster.name}-${suffix}`, namespace: cluster.namespace, labels },
    spec,
  };
}

const tcp = (port: number) => ({ protocol: "TCP", port });

/** The tenant's NetworkPolicies, in the order of the file comment. */
export function renderNetworkPolicies(cluster: ResolvedCluster, options: NetworkIsolationOptions): K8sObject[] {
  const { labels } = options;
  const vNodes = { podSelector: { matchLabels: allVNodesSelector(cluster) } };
  const access = { podSelector: { matchLabels: accessSelector(cluster) } };
  const targetPorts = [...new Set(cluster.ports.map((p) => p.targetPort))].sort((a, b) => a - b);
  if (options.apiServerExposed && !targetPorts.includes(API_SERVER_PORT)) targetPorts.push(API_SERVER_PORT);
  const policies = [
    policy(cluster, "default-deny", labels, { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
    policy(cluster, "vnodes", labels, {
      podSelector: vNodes.podSelector,
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [vNodes] }, { from: [access], ports: [tcp(VNODE_SSH_PORT)] }],
      egress: [{ to: [vNodes] }],
    }),
  ];
  if (targetPorts.length > 0) {
    policies.push(policy(cluster, "nodeports", labels, {
      podSelector: { matchLabels: vNodeSelector(cluster, cluster.master) },
      policyTypes: ["Ingress"],
      ingress: [{ ports: targetPorts.map(tcp) }],
    }));
  }
  policies.push(
    policy(cluster, "access", labels, {
      podSelector: access.podSelector,
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ ports: [tcp(cluster.access.port)] }],
      egress: [{ to: [vNodes], ports: [tcp(VNODE_SSH_PORT)] }],
    }),
    policy(cluster, "dns", labels, {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{
        to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: options.dns.namespace } }, podSelector: { matchLabels: options.dns.podLabels } }],
        ports: [{ protocol: "UDP", port: 53 }, tcp(53)],
      }],
    }),
  );
  if (options.vNodeInternetEgress) {
    const except = [...options.hostCidrs].filter((c) => !c.includes(":")).sort();
    policies.push(policy(cluster, "vnode-egress", labels, {
      podSelector: vNodes.podSelector,
      policyTypes: ["Egress"],
      egress: [{ to: [{ ipBlock: except.length > 0 ? { cidr: "0.0.0.0/0", except } : { cidr: "0.0.0.0/0" } }] }],
    }));
  }
  return policies;
}
