/**
 * The input of one federated-learning deployment inside a virtual cluster, declared once
 * with zod, and every default in one place (`FL_DEFAULTS`).
 *
 * The schema checks *shape* (types, known fields). The domain rules (ports, names, path
 * segments, enumerations) live in `validate.ts`, so all problems are reported at once as
 * `<field path>: <what is wrong> (<how to fix>)`.
 */
import { z } from "zod";
import { VK8S_IMAGE_TAG } from "../matrix/table";

/** S3-compatible storage for the aggregated weights. Credentials come from a Secret only. */
export const s3StorageSchema = z.object({
  /** Endpoint URL, `http(s)://host[:port]` (MinIO, Ceph RGW, AWS). */
  endpoint: z.string(),
  /** Bucket the rounds are written to, under `{group}/{project}/{round}`. */
  bucket: z.string(),
  /**
   * Name of a Secret in the namespace with keys `AWS_ACCESS_KEY_ID` and
   * `AWS_SECRET_ACCESS_KEY`; containers read them through `secretKeyRef`, so the keys
   * never appear in the rendered objects.
   */
  credentialsSecret: z.string(),
  /** Region sent with requests. @default "us-east-1" */
  region: z.string().optional(),
}).strict();

export const storageSchema = z.object({
  /** Size of the volume for data (downloads, arrays) and, without `s3`, the models. @default "10Gi" */
  size: z.string().optional(),
  /** Storage class of the volume. @default the virtual cluster's default class */
  storageClassName: z.string().optional(),
  /**
   * Access mode of the volume. The Flower server, the model server and the pipeline's
   * steps share it: with `ReadWriteOnce` they must land on one vNode; use a
   * `ReadWriteMany` class on clusters with several worker vNodes. @default "ReadWriteOnce"
   */
  accessMode: z.string().optional(),
  /** Keep the aggregated weights in S3-compatible storage instead of on the volume. @default undefined (on the volume) */
  s3: s3StorageSchema.optional(),
}).strict();

export const flowerServerSchema = z.object({
  /** Image running `python -m vk8s_fl.server`. @default the top-level `image` */
  image: z.string().optional(),
  /** Port the Flower server listens on (gRPC) in its pod. @default 8080 */
  port: z.number().optional(),
  /** NodePort (30000-32767) on which Flower clients reach the server. @default 30080 */
  nodePort: z.number().optional(),
}).strict();

export const servingSchema = z.object({
  /**
   * `deployment`: a Deployment + NodePort Service of `python -m vk8s_fl.serve` (KServe v1
   * protocol, no KServe needed). `kserve`: a KServe `InferenceService` running the same
   * server as a custom predictor (KServe must be installed, as Kubeflow 1.3+ does).
   * @default "deployment"
   */
  mode: z.string().optional(),
  /** Image running `python -m vk8s_fl.serve`. @default the top-level `image` */
  image: z.string().optional(),
  /** Port the model server listens on in its pod (KServe's own default). @default 8080 */
  port: z.number().optional(),
  /** NodePort (30000-32767) of the model server in `deployment` mode. @default 30081 */
  nodePort: z.number().optional(),
  /**
   * apiVersion of the `InferenceService` in `kserve` mode: `serving.kserve.io/v1beta1`
   * (KServe, Kubeflow 1.5+) or `serving.kubeflow.org/v1beta1` (KFServing, Kubeflow 1.3-1.4).
   * @default "serving.kserve.io/v1beta1"
   */
  kserveApiVersion: z.string().optional(),
}).strict();

export const modelSchema = z.object({
  /** Name served at `/v1/models/<name>:predict` (a DNS-1123 label). @default "fl-model" */
  name: z.string().optional(),
  /** `efficientnet-b0` or `mlp`. @default "efficientnet-b0" for cifar10, "mlp" for digits */
  kind: z.string().optional(),
  /**
   * EfficientNetB0 only. `true`: start from Keras' ImageNet weights, which Keras downloads
   * (from storage.googleapis.com) when the Flower server starts, so the virtual cluster
   * needs that egress; `false`: random initialisation, nothing downloaded (air-gapped
   * clusters). The MLP always starts from random weights. @default true for efficientnet-b0
   */
  pretrained: z.boolean().optional(),
}).strict();

export const pipelineSchema = z.object({
  /** Image of the pipeline's Python steps (needs TensorFlow for EfficientNetB0). @default the top-level `image` */
  image: z.string().optional(),
  /** Attempts of the check-server step before the run exits. @default 30 */
  serverCheckAttempts: z.number().optional(),
  /** Seconds between those attempts. @default 10 */
  serverCheckIntervalSeconds: z.number().optional(),
}).strict();

export const trainingSchema = z.object({
  /** Epochs each client trains per round. @default 1 */
  localEpochs: z.number().optional(),
  /** Client mini-batch size. @default 32 */
  batchSize: z.number().optional(),
  /** Client learning rate. @default 0.05 for mlp (SGD), 0.001 for efficientnet-b0 (Adam) */
  learningRate: z.number().optional(),
}).strict();

export const federatedLearningSpecSchema = z.object({
  /** Prefix of every object name (`<name>-flower-server`, ...), a DNS-1123 label. @default "fl" */
  name: z.string().optional(),
  /** Namespace in the virtual cluster; Kubeflow Pipelines must run the pipeline here. @default "federated-learning" */
  namespace: z.string().optional(),
  /** Create the namespace (turn off for an existing one, e.g. a Kubeflow profile's). @default true */
  createNamespace: z.boolean().optional(),
  /** Group (team) folder of the weights: `{group}/{project}/{round}`. */
  group: z.string(),
  /** Project folder of the weights: `{group}/{project}/{round}`. */
  project: z.string(),
  /** Federated rounds the server runs. @default 3 */
  rounds: z.number().optional(),
  /** Clients that must connect before a round starts (and that train in each round). @default 2 */
  minClients: z.number().optional(),
  /** `cifar10` (downloaded by the pipeline) or `digits` (bundled with scikit-learn). @default "cifar10" */
  dataset: z.string().optional(),
  /** One Python image with `vk8s_fl` installed, used wherever no per-part image is given. @default "ghcr.io/vk8s/vk8s-fl:0.1.0" */
  image: z.string().optional(),
  model: modelSchema.optional(),
  /** What the server asks clients to do each round. @default per model, `TRAINING_DEFAULTS` in contract.ts */
  training: trainingSchema.optional(),
  server: flowerServerSchema.optional(),
  serving: servingSchema.optional(),
  storage: storageSchema.optional(),
  pipeline: pipelineSchema.optional(),
}).strict();

/** The input of one federated-learning deployment (plain values). */
export type FederatedLearningSpec = z.infer<typeof federatedLearningSpecSchema>;

export const SERVING_MODES = ["deployment", "kserve"] as const;
export type ServingMode = (typeof SERVING_MODES)[number];
export const FL_DATASETS = ["cifar10", "digits"] as const;
export type FlDataset = (typeof FL_DATASETS)[number];
export const MODEL_KINDS = ["efficientnet-b0", "mlp"] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];
export const ACCESS_MODES = ["ReadWriteOnce", "ReadWriteMany", "ReadWriteOncePod"] as const;
export const KSERVE_API_VERSIONS = ["serving.kserve.io/v1beta1", "serving.kubeflow.org/v1beta1"] as const;

/** Every default of the spec, in one place. */
export const FL_DEFAULTS = {
  name: "fl",
  namespace: "federated-learning",
  createNamespace: true,
  rounds: 3,
  minClients: 2,
  dataset: "cifar10" as FlDataset,
  /** Built by `scripts/images.sh build fl` (images/fl/Dockerfile, context fl/; no TensorFlow); pin your own registry's copy in production. */
  image: `ghcr.io/vk8s/vk8s-fl:${VK8S_IMAGE_TAG}`,
  modelName: "fl-model",
  /** The model each dataset gets when `model.kind` is not given. */
  modelKindFor: { cifar10: "efficientnet-b0", digits: "mlp" } as Record<FlDataset, ModelKind>,
  serverPort: 8080,
  serverNodePort: 30080,
  servingMode: "deployment" as ServingMode,
  servingPort: 8080,
  servingNodePort: 30081,
  kserveApiVersion: "serving.kserve.io/v1beta1",
  storageSize: "10Gi",
  accessMode: "ReadWriteOnce",
  s3Region: "us-east-1",
  serverCheckAttempts: 30,
  serverCheckIntervalSeconds: 10,
} as const;

/** The spec with every default applied and every rule checked (what the render takes). */
export interface ResolvedFederatedLearning {
  name: string;
  namespace: string;
  createNamespace: boolean;
  group: string;
  project: string;
  rounds: number;
  minClients: number;
  dataset: FlDataset;
  /** `pretrained`: ImageNet weights (efficientnet-b0 only; always false for mlp). */
  model: { name: string; kind: ModelKind; pretrained: boolean };
  training: { localEpochs: number; batchSize: number; learningRate: number };
  server: { image: string; port: number; nodePort: number };
  serving: { mode: ServingMode; image: string; port: number; nodePort: number; kserveApiVersion: string };
  storage: {
    size: string;
    storageClassName?: string;
    accessMode: string;
    s3?: { endpoint: string; bucket: string; credentialsSecret: string; region: string };
  };
  pipeline: { image: string; serverCheckAttempts: number; serverCheckIntervalSeconds: number };
}
