/**
 * The contract between the rendered containers and the Python package `vk8s_fl` (in
 * `fl/`): module names, and the env variables the modules read. Every option of
 * `python -m vk8s_fl.<module>` can be set by env: flag `--min-clients` reads
 * `VK8S_FL_MIN_CLIENTS` (`fl/vk8s_fl/cli.py`). `test/fl.contract.test.ts` checks each
 * name here against the flags declared in the Python sources, so a rename on either side
 * fails the tests.
 */
import type { FlDataset, ModelKind } from "./spec";

/** The `python -m` modules the containers run. */
export const FL_MODULES = {
  /** Flower server running FedAvg that stores each round (`SavingFedAvg`). */
  server: "vk8s_fl.server",
  /** Flower client training on its own data (the pipeline's train step is one). */
  client: "vk8s_fl.client",
  /** Model server speaking KServe's v1 protocol. */
  serve: "vk8s_fl.serve",
} as const;

/** `--min-clients` -> `VK8S_FL_MIN_CLIENTS`, as `vk8s_fl.cli.env_name` does. */
export function flEnvName(flag: string): string {
  return `VK8S_FL_${flag.replace(/^-+/, "").toUpperCase().replace(/-/g, "_")}`;
}

/** The flags each module reads, by the name the render uses. */
export const FL_FLAGS = {
  /** Shared by server and serve (`add_storage_options`). */
  storage: { storage: "--storage", s3Endpoint: "--s3-endpoint", group: "--group", project: "--project" },
  server: {
    address: "--address", rounds: "--rounds", minClients: "--min-clients", model: "--model",
    modelConfig: "--model-config", localEpochs: "--local-epochs", batchSize: "--batch-size",
    learningRate: "--learning-rate",
  },
  client: { server: "--server", dataset: "--dataset", dataPath: "--data-path", clientId: "--client-id", maxWait: "--max-wait" },
  serve: { host: "--host", port: "--port", modelName: "--model-name" },
} as const;

/** Env variables read by boto3 for S3 credentials and region (never set to literal secrets). */
export const S3_CREDENTIAL_KEYS = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] as const;
export const S3_REGION_ENV = "AWS_DEFAULT_REGION";

/**
 * The keyword arguments `vk8s_fl.model.build_model` gets for each model and dataset.
 * EfficientNetB0: `weights` "imagenet" (Keras downloads them) when `pretrained`, else null
 * (random initialisation; `vk8s_fl.keras_model`). @param pretrained @default true
 */
export function modelConfigFor(kind: ModelKind, dataset: FlDataset, pretrained = true): Record<string, unknown> {
  if (kind === "efficientnet-b0") return { input_shape: [32, 32, 3], num_classes: 10, weights: pretrained ? "imagenet" : null };
  // digits: 8x8 grey = 64 features; CIFAR-10 flattened: 32x32x3 = 3072.
  return { hidden: [32], input_dim: dataset === "digits" ? 64 : 3072, num_classes: 10, seed: 0 };
}

/** Training settings the server sends clients each round, per model. */
export interface TrainingSettings {
  localEpochs: number;
  batchSize: number;
  learningRate: number;
}

/**
 * Defaults per model: the numpy MLP learns with plain SGD at 0.05; EfficientNetB0 is
 * fine-tuned with Adam, for which 0.05 would destroy the pretrained weights, so 0.001.
 */
export const TRAINING_DEFAULTS: Record<ModelKind, TrainingSettings> = {
  mlp: { localEpochs: 1, batchSize: 32, learningRate: 0.05 },
  "efficientnet-b0": { localEpochs: 1, batchSize: 32, learningRate: 0.001 },
};
