/**
 * Services of a virtual cluster that reach its vNodes: the headless service giving every
 * vNode pod a stable DNS name, the virtual cluster's Kubernetes API, and one NodePort per
 * `ports[]` entry (e.g. Kubeflow on 30000), all on the master vNode.
 */
import type { ResolvedCluster, ResolvedPort } from "../cluster/resolved";
import { allVNodesSelector, clusterObjectLabels, vNodeSelector } from "./labels";
import { apiServerServiceName, headlessServiceName, portServiceName } from "../core/naming";
import type { HostRenderOptions, K8sObject } from "./types";
import { API_SERVER_PORT } from "../core/ports";
import { VNODE_SSH_PORT } from "./vnode";

function service(cluster: ResolvedCluster, name: string, spec: Record<string, unknown>): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: cluster.namespace, labels: clusterObjectLabels(cluster) },
    spec,
  };
}

/**
 * Headless Service `<name>-vnodes` (the StatefulSets' `serviceName`). It publishes
 * not-ready pods so vNodes resolve each other while they are still bootstrapping.
 */
export function renderHeadlessService(cluster: ResolvedCluster): K8sObject {
  return service(cluster, headlessServiceName(cluster), {
    clusterIP: "None",
    publishNotReadyAddresses: true,
    selector: allVNodesSelector(cluster),
    ports: [
      { name: "ssh", protocol: "TCP", port: VNODE_SSH_PORT, targetPort: VNODE_SSH_PORT },
      { name: "apiserver", protocol: "TCP", port: API_SERVER_PORT, targetPort: API_SERVER_PORT },
    ],
  });
}

/**
 * Service `<name>-apiserver` on port 6443 of the master vNode: ClusterIP, or NodePort
 * `options.apiServerNodePort` when given.
 */
export function renderApiServerService(cluster: ResolvedCluster, options: HostRenderOptions = {}): K8sObject {
  const nodePort = options.apiServerNodePort;
  return service(cluster, apiServerServiceName(cluster), {
    type: nodePort === undefined ? "ClusterIP" : "NodePort",
    selector: vNodeSelector(cluster, cluster.master),
    ports: [{ name: "apiserver", protocol: "TCP", port: API_SERVER_PORT, targetPort: API_SERVER_PORT, nodePort }],
  });
}

/** NodePort Service `<name>-<port name>`: host NodePort `port.port` to `port.targetPort` on the master vNode. */
export function renderPortService(cluster: ResolvedCluster, port: ResolvedPort): K8sObject {
  return service(cluster, portServiceName(cluster, port), {
    type: "NodePort",
    selector: vNodeSelector(cluster, cluster.master),
    ports: [{ name: port.name, protocol: "TCP", port: port.port, targetPort: port.targetPort, nodePort: port.port }],
  });
}
