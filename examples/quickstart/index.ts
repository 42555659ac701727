/**
 * The quickstart stack: one virtual cluster like the original sample (a single master
 * vNode on kink:v1.20, Kubeflow v1.4.0, CIDRs 80.244.0.0/16 and 80.96.0.0/12, Kubeflow
 * on NodePort 30000). It uses the ambient Kubernetes provider (your kubeconfig), or the
 * local environment that `npm run quickstart` starts when you have none.
 *
 * Config (all optional but the password):
 *   kubeflowPassword (secret)   Kubeflow login password
 *   kubeflowVersion             @default v1.4.0
 *   kubernetesVersion           @default the matrix's choice for the Kubeflow version
 *   kubeflowEmail               @default user@vk8s.local
 *   hostAddress                 address of a host node for NodePorts @default 127.0.0.1
 *   clusterName                 @default quickstart
 *   ssh                         SSH settings, JSON: {"nodeEndpoints": {"master": {"host": "127.0.0.1",
 *                               "port": 2222}}, "dialErrorLimit": 6, "perDialTimeout": 10}
 *   bootstrap                   bootstrap options (sources, retry bounds), JSON
 *   awaitVNodes                 wait for vNode pods to be ready @default true
 *   labels                      cluster labels, JSON
 *   workers                     number of worker vNodes besides the master @default 0
 *   nodeResources               resources of every vNode, JSON @default requests 1 CPU / 2Gi, limits 4 CPU / 8Gi
 *   apiServerNodePort           host NodePort of the inner API server @default not exposed
 *   kubeflowNodePort            host NodePort of Kubeflow (and its port on the master vNode) @default 30000
 *   ports                       more host NodePorts forwarded to the master vNode, JSON:
 *                               [{"name": "predict", "port": 30081, "targetPort": 30081}] @default none
 *   nodeStorage                 where vNodes keep node state: "emptyDir", or JSON {"size": "20Gi",
 *                               "storageClassName": "fast"} @default a 50Gi claim of the default StorageClass
 */
import * as pulumi from "@pulumi/pulumi";
import { Vk8sCluster } from "../../components";
import { KUBEFLOW_NODE_PORT } from "../../src/core/ports";

const config = new pulumi.Config();

const resources = config.getObject<{ requests?: Record<string, string>; limits?: Record<string, string> }>("nodeResources")
  ?? { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "4", memory: "8Gi" } };
const workers = config.getNumber("workers") ?? 0;
const kubeflowNodePort = config.getNumber("kubeflowNodePort") ?? KUBEFLOW_NODE_PORT;

const cluster = new Vk8sCluster("quickstart", {
  clusterName: config.get("clusterName"),
  nodes: [
    { name: "master", role: "master", resources },
    ...Array.from({ length: workers }, (_, i) => ({ name: `worker-${i + 1}`, role: "worker" as const, resources })),
  ],
  apiServerNodePort: config.getNumber("apiServerNodePort"),
  // Kubernetes follows from the Kubeflow version through the matrix (1.20 for v1.4.0).
  kubernetes: { version: config.get("kubernetesVersion"), podNetworkCidr: "80.244.0.0/16", serviceCidr: "80.96.0.0/12" },
  kubeflow: {
    version: config.get("kubeflowVersion") ?? "v1.4.0",
    email: config.get("kubeflowEmail") ?? "user@vk8s.local",
    password: config.requireSecret("kubeflowPassword"),
  },
  ports: [
    { name: "kubeflow", port: kubeflowNodePort, targetPort: kubeflowNodePort },
    ...(config.getObject<{ name: string; port: number; targetPort?: number }[]>("ports") ?? []),
  ],
  labels: config.getObject<Record<string, string>>("labels"),
  hostAddress: config.get("hostAddress"),
  awaitVNodes: config.getBoolean("awaitVNodes"),
  ssh: config.getObject("ssh"),
  bootstrap: config.getObject("bootstrap"),
  hostRender: { nodeStorage: config.get("nodeStorage") === "emptyDir" ? "emptyDir" : config.getObject("nodeStorage") },
});

export const kubeflowUrl = cluster.kubeflowUrl;
export const sshEndpoint = cluster.sshEndpoint;
export const apiServerEndpoint = cluster.apiServerEndpoint;
export const nodes = cluster.nodes;
export const kubernetesVersion = cluster.kubernetesVersion;
export const kubeflowVersion = cluster.kubeflowVersion;
export const namespace = cluster.namespace;
export const phases = cluster.phases;
export const health = cluster.health;
export const kubeconfig = cluster.kubeconfig;
