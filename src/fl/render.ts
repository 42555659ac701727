/**
 * The Kubernetes objects of a federated-learning deployment inside a virtual cluster, as
 * plain data. Pure: no Pulumi. `components/federatedLearning.ts` registers them.
 *
 *   Namespace            (unless createNamespace: false)
 *   PersistentVolumeClaim <name>-storage: data and (without S3) models
 *   ServiceAccount, Role, RoleBinding <name>-pipeline: what the pipeline's pods may do
 *   ConfigMap <name>-pipeline: the pipeline package (`pipeline.yaml`)
 *   Deployment + Service (NodePort) <name>-flower-server
 *   Deployment + Service (NodePort) <name>-model-server, or an InferenceService (kserve)
 */
import { SKIP_AWAIT_ANNOTATION } from "../core/labels";
import type { K8sObject } from "../render/types";
import { FL_MODULES } from "./contract";
import { flowerServerEnv, modelServerEnv, storageEnv } from "./env";
import { flLabels, flNames, PIPELINE_KEY, selectorLabels } from "./names";
import { pipelineYaml } from "./pipeline";
import { resolveFederatedLearning } from "./validate";
import type { FederatedLearningSpec, ResolvedFederatedLearning } from "./spec";
import { WAIT_FOR_MODEL_SCRIPT } from "./steps";
import { MODELS_ROOT, VOLUME_MOUNT_PATH } from "./storage";
import { renderStorageClaim } from "./volume";

/** Where KServe's storage initializer puts a `pvc://` model (KServe convention). */
export const KSERVE_MODEL_DIR = "/mnt/models";

/** Validates `input` (throwing every problem at once) and renders its objects. */
export function renderFederatedLearning(input: FederatedLearningSpec): K8sObject[] {
  return renderResolved(resolveFederatedLearning(input));
}

/** The objects of an already validated spec, in the order they should be created. */
export function renderResolved(spec: ResolvedFederatedLearning): K8sObject[] {
  return [
    ...(spec.createNamespace ? [namespace(spec)] : []),
    renderStorageClaim(spec),
    ...pipelineAccess(spec),
    pipelineConfigMap(spec),
    ...flowerServer(spec),
    ...(spec.serving.mode === "kserve" ? [inferenceService(spec)] : modelServer(spec)),
  ];
}

function meta(spec: ResolvedFederatedLearning, name: string, component: Parameters<typeof flLabels>[1]) {
  return { name, namespace: spec.namespace, labels: flLabels(spec, component) };
}

function namespace(spec: ResolvedFederatedLearning): K8sObject {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name: spec.namespace, labels: flLabels(spec) } };
}

const storageVolume = (spec: ResolvedFederatedLearning) => ({ name: "storage", persistentVolumeClaim: { claimName: flNames(spec).storage } });

function flowerServer(spec: ResolvedFederatedLearning): K8sObject[] {
  const name = flNames(spec).flowerServer;
  const usesVolume = spec.storage.s3 === undefined;
  const deployment: K8sObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(spec, name, "flower-server"),
    spec: {
      replicas: 1,
      // One server per federation, holding the volume: never two at once.
      strategy: { type: "Recreate" },
      selector: { matchLabels: selectorLabels(spec, "flower-server") },
      template: {
        metadata: { labels: flLabels(spec, "flower-server") },
        spec: {
          containers: [{
            name: "flower-server",
            image: spec.server.image,
            command: ["python", "-m", FL_MODULES.server],
            env: flowerServerEnv(spec, MODELS_ROOT),
            ports: [{ name: "flower", containerPort: spec.server.port, protocol: "TCP" }],
            readinessProbe: { tcpSocket: { port: "flower" }, periodSeconds: 10 },
            ...(usesVolume ? { volumeMounts: [{ name: "storage", mountPath: VOLUME_MOUNT_PATH }] } : {}),
          }],
          ...(usesVolume ? { volumes: [storageVolume(spec)] } : {}),
        },
      },
    },
  };
  return [deployment, nodePortService(spec, name, "flower-server", "flower", spec.server.port, spec.server.nodePort)];
}

function nodePortService(
  spec: ResolvedFederatedLearning, name: string, component: "flower-server" | "model-server",
  portName: string, port: number, nodePort: number,
): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      ...meta(spec, name, component),
      // The model server has no ready pod before the first round (see its Deployment): Pulumi
      // would wait for the Service's endpoints until it timed out (seen in the real tier).
      ...(component === "model-server" ? { annotations: { [SKIP_AWAIT_ANNOTATION]: "true" } } : {}),
    },
    spec: {
      type: "NodePort",
      selector: selectorLabels(spec, component),
      ports: [{ name: portName, port, targetPort: portName, nodePort, protocol: "TCP" }],
    },
  };
}

/** The model server's container; `modelsRoot` is where the models folder is mounted. */
function modelServerContainer(spec: ResolvedFederatedLearning, modelsRoot: string) {
  return {
    name: "model-server",
    image: spec.serving.image,
    command: ["python", "-m", FL_MODULES.serve],
    env: modelServerEnv(spec, modelsRoot),
  };
}

function modelServer(spec: ResolvedFederatedLearning): K8sObject[] {
  const name = flNames(spec).modelServer;
  const usesVolume = spec.storage.s3 === undefined;
  const mounts = usesVolume ? { volumeMounts: [{ name: "storage", mountPath: VOLUME_MOUNT_PATH, readOnly: true }] } : {};
  const container = modelServerContainer(spec, MODELS_ROOT);
  const deployment: K8sObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      ...meta(spec, name, "model-server"),
      // No model exists before the first federated round: the pod waits in its init
      // container, so `pulumi up` must not wait for it to become ready.
      annotations: { [SKIP_AWAIT_ANNOTATION]: "true" },
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: selectorLabels(spec, "model-server") },
      template: {
        metadata: { labels: flLabels(spec, "model-server") },
        spec: {
          initContainers: [{
            name: "wait-for-model",
            image: spec.serving.image,
            command: ["python", "-c", WAIT_FOR_MODEL_SCRIPT],
            env: storageEnv(spec, MODELS_ROOT),
            ...mounts,
          }],
          containers: [{
            ...container,
            ports: [{ name: "http", containerPort: spec.serving.port, protocol: "TCP" }],
            readinessProbe: { httpGet: { path: `/v1/models/${spec.model.name}`, port: "http" }, periodSeconds: 10 },
            ...mounts,
          }],
          ...(usesVolume ? { volumes: [storageVolume(spec)] } : {}),
        },
      },
    },
  };
  return [deployment, nodePortService(spec, name, "model-server", "http", spec.serving.port, spec.serving.nodePort)];
}

/**
 * KServe custom predictor running the same server. Knative admits neither init
 * containers nor PVC volumes by default, so the volume reaches the container through
 * KServe's own `STORAGE_URI` (`pvc://<claim>/models`, mounted at /mnt/models); with S3
 * the server reads the bucket itself.
 */
function inferenceService(spec: ResolvedFederatedLearning): K8sObject {
  const names = flNames(spec);
  const s3 = spec.storage.s3;
  const container = modelServerContainer(spec, KSERVE_MODEL_DIR);
  const env = s3 ? container.env : [...container.env, { name: "STORAGE_URI", value: `pvc://${names.storage}/models` }]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    apiVersion: spec.serving.kserveApiVersion,
    kind: "InferenceService",
    metadata: meta(spec, names.modelServer, "model-server"),
    spec: {
      predictor: {
        minReplicas: 1,
        containers: [{ ...container, env, ports: [{ containerPort: spec.serving.port, protocol: "TCP" }] }],
      },
    },
  };
}

function pipelineConfigMap(spec: ResolvedFederatedLearning): K8sObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: meta(spec, flNames(spec).pipeline, "pipeline"),
    data: { [PIPELINE_KEY]: pipelineYaml(spec) },
  };
}

/**
 * The pipeline's service account and what it may do in the namespace: what Argo's
 * executor needs (pods, logs, task results), `apply` of the volume claim (create-volume)
 * and deleting the model server's pods (serve restarts them onto the new round).
 */
function pipelineAccess(spec: ResolvedFederatedLearning): K8sObject[] {
  const name = flNames(spec).pipeline;
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(spec, name, "pipeline") },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: meta(spec, name, "pipeline"),
      rules: [
        { apiGroups: [""], resources: ["pods"], verbs: ["delete", "deletecollection", "get", "list", "patch", "watch"] },
        { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
        { apiGroups: [""], resources: ["persistentvolumeclaims"], verbs: ["create", "get", "patch"] },
        { apiGroups: ["argoproj.io"], resources: ["workflowtaskresults"], verbs: ["create", "patch"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: meta(spec, name, "pipeline"),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: [{ kind: "ServiceAccount", name, namespace: spec.namespace }],
    },
  ];
}
