/**
 * Federated learning on a virtual cluster: one `Vk8sCluster` (a master vNode with
 * Kubeflow), then `FederatedLearning` deployed *into* it through a Kubernetes provider
 * built from the cluster's kubeconfig. See README.md for the steps.
 *
 * Config (all optional but the password):
 *   kubeflowPassword (secret)  Kubeflow login password
 *   kubeflowVersion            @default v1.4.0
 *   kubeflowEmail              @default user@vk8s.local
 *   hostAddress                address of a host node for NodePorts @default 127.0.0.1
 *   apiServerNodePort          host NodePort of the virtual cluster's API server @default 30443
 *   group, project             weights go to {group}/{project}/{round} @default team-a, cifar10
 *   rounds, minClients         @default 3, 2
 *   dataset                    cifar10 or digits @default cifar10
 *   servingMode                deployment or kserve @default deployment
 *   image                      Python image with vk8s_fl (fl/) installed @default ghcr.io/vk8s/vk8s-fl:0.1.0
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { Vk8sCluster } from "../../components";
import { FederatedLearning } from "../../components/federatedLearning";
import { COMPONENT_DEFAULTS } from "../../src/cluster/defaults";
import { KUBEFLOW_NODE_PORT } from "../../src/core/ports";
import { FL_DEFAULTS } from "../../src/fl/spec";

const config = new pulumi.Config();
const hostAddress = config.get("hostAddress") ?? COMPONENT_DEFAULTS.hostAddress;
/** NodePorts inside the virtual cluster (FederatedLearning's defaults), forwarded from the same host NodePorts by `ports`. */
const FLOWER_PORT = FL_DEFAULTS.serverNodePort;
const PREDICT_PORT = FL_DEFAULTS.servingNodePort;

const cluster = new Vk8sCluster("fl-cluster", {
  nodes: [{
    name: "master",
    role: "master",
    resources: { requests: { cpu: "4", memory: "16Gi" }, limits: { cpu: "10", memory: "40Gi" } },
  }],
  kubernetes: { version: "1.20", podNetworkCidr: "80.244.0.0/16", serviceCidr: "80.96.0.0/12" },
  kubeflow: {
    version: config.get("kubeflowVersion") ?? "v1.4.0",
    email: config.get("kubeflowEmail") ?? "user@vk8s.local",
    password: config.requireSecret("kubeflowPassword"),
  },
  ports: [
    { name: "kubeflow", port: KUBEFLOW_NODE_PORT, targetPort: KUBEFLOW_NODE_PORT },
    { name: "flower", port: FLOWER_PORT, targetPort: FLOWER_PORT },
    { name: "predict", port: PREDICT_PORT, targetPort: PREDICT_PORT },
  ],
  hostAddress,
  // The kubeconfig output then names https://<hostAddress>:<port>, reachable from here.
  apiServerNodePort: config.getNumber("apiServerNodePort") ?? 30443,
});

// Everything FederatedLearning registers goes to the virtual cluster, not the host.
const virtualCluster = new k8s.Provider("fl-cluster-k8s", { kubeconfig: cluster.kubeconfig });

const fl = new FederatedLearning("fl", {
  group: config.get("group") ?? "team-a",
  project: config.get("project") ?? "cifar10",
  rounds: config.getNumber("rounds") ?? 3,
  minClients: config.getNumber("minClients") ?? 2,
  dataset: config.get("dataset") ?? "cifar10",
  image: config.get("image"),
  server: { nodePort: FLOWER_PORT },
  serving: config.get("servingMode") === "kserve" ? { mode: "kserve" } : { mode: "deployment", nodePort: PREDICT_PORT },
  hostAddress,
}, { provider: virtualCluster });

export const kubeflowUrl = cluster.kubeflowUrl;
export const kubeconfig = cluster.kubeconfig;
export const serverEndpoint = fl.serverEndpoint;
export const storagePrefix = fl.storagePrefix;
export const predictUrl = fl.predictUrl;
export const pipelineSpec = fl.pipelineSpec;
export const namespace = fl.namespace;
