/**
 * Names, labels and in-cluster addresses of a federated-learning deployment, in one place
 * so the objects, the pipeline and the component outputs agree.
 *
 * name `fl`, namespace `federated-learning` ->
 *   PVC `fl-storage`, Deployment/Service `fl-flower-server`, Deployment/Service or
 *   InferenceService `fl-model-server`, ConfigMap/ServiceAccount/Role/RoleBinding
 *   `fl-pipeline`; the server at `fl-flower-server.federated-learning.svc.cluster.local:8080`.
 */
import type { ResolvedFederatedLearning } from "./spec";

/** The virtual cluster's DNS domain (kubeadm default). */
export const CLUSTER_DOMAIN = "cluster.local";

/** The key of the pipeline package (Argo Workflow YAML) in ConfigMap `<name>-pipeline`. */
export const PIPELINE_KEY = "pipeline.yaml";

export interface FlNames {
  storage: string;
  flowerServer: string;
  modelServer: string;
  pipeline: string;
}

export function flNames(spec: Pick<ResolvedFederatedLearning, "name">): FlNames {
  return {
    storage: `${spec.name}-storage`,
    flowerServer: `${spec.name}-flower-server`,
    modelServer: `${spec.name}-model-server`,
    pipeline: `${spec.name}-pipeline`,
  };
}

/** The parts of a deployment, as in `app.kubernetes.io/component`. */
export type FlComponent = "storage" | "flower-server" | "model-server" | "pipeline";

/**
 * Labels of every object (the namespace gets no component); `selectorLabels` is the
 * subset Deployments and Services select on.
 */
export function flLabels(spec: ResolvedFederatedLearning, component?: FlComponent): Record<string, string> {
  return {
    ...(component ? selectorLabels(spec, component) : { "app.kubernetes.io/instance": spec.name }),
    "app.kubernetes.io/managed-by": "vk8s",
    "app.kubernetes.io/name": "vk8s-federated-learning",
  };
}

export function selectorLabels(spec: ResolvedFederatedLearning, component: FlComponent): Record<string, string> {
  return { "app.kubernetes.io/component": component, "app.kubernetes.io/instance": spec.name };
}

/** `host:port` of the Flower server for clients inside the virtual cluster. */
export function inClusterServerAddress(spec: ResolvedFederatedLearning): string {
  return `${flNames(spec).flowerServer}.${spec.namespace}.svc.${CLUSTER_DOMAIN}:${spec.server.port}`;
}

/**
 * The predict URL inside the virtual cluster. `deployment`: the model server's Service.
 * `kserve`: the InferenceService's cluster-local address (serverless mode, Kubeflow's
 * default), which KServe routes to the predictor.
 */
export function inClusterPredictUrl(spec: ResolvedFederatedLearning): string {
  const host = `${flNames(spec).modelServer}.${spec.namespace}.svc.${CLUSTER_DOMAIN}`;
  const base = spec.serving.mode === "kserve" ? `http://${host}` : `http://${host}:${spec.serving.port}`;
  return `${base}/v1/models/${spec.model.name}:predict`;
}

/**
 * Label selector of the model server's pods, used by the pipeline's serve step to restart
 * them so they load the round just trained. KServe labels predictor pods with
 * `<api group>/inferenceservice: <name>`.
 */
export function modelServerPodSelector(spec: ResolvedFederatedLearning): string {
  if (spec.serving.mode === "kserve") {
    const group = spec.serving.kserveApiVersion.split("/")[0];
    return `${group}/inferenceservice=${flNames(spec).modelServer}`;
  }
  return Object.entries(selectorLabels(spec, "model-server")).map(([k, v]) => `${k}=${v}`).join(",");
}
