/**
 * Container env of the Python parts, built from the contract (`contract.ts`). Lists are
 * sorted by name so the rendered objects are byte-stable. S3 credentials only ever appear
 * as `secretKeyRef`s to the user's Secret.
 */
import { FL_FLAGS, S3_CREDENTIAL_KEYS, S3_REGION_ENV, flEnvName, modelConfigFor } from "./contract";
import { inClusterServerAddress } from "./names";
import type { ResolvedFederatedLearning } from "./spec";

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef: { name: string; key: string } };
}

/** JSON with object keys sorted at every level (stable bytes). */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v);
}

function flag(f: string, value: string | number): EnvVar {
  return { name: flEnvName(f), value: String(value) };
}

function sorted(env: EnvVar[]): EnvVar[] {
  return [...env].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Where the weights are (`--storage`, `--group`, `--project`, S3 settings).
 * @param modelsRoot the models folder as mounted in this container (volume mode)
 */
export function storageEnv(spec: ResolvedFederatedLearning, modelsRoot: string): EnvVar[] {
  const f = FL_FLAGS.storage;
  const s3 = spec.storage.s3;
  const env = [
    flag(f.storage, s3 ? `s3://${s3.bucket}` : modelsRoot),
    flag(f.group, spec.group),
    flag(f.project, spec.project),
  ];
  if (s3) {
    env.push(flag(f.s3Endpoint, s3.endpoint), { name: S3_REGION_ENV, value: s3.region });
    for (const key of S3_CREDENTIAL_KEYS) {
      env.push({ name: key, valueFrom: { secretKeyRef: { name: s3.credentialsSecret, key } } });
    }
  }
  return sorted(env);
}

/** `python -m vk8s_fl.server`: FedAvg over `rounds` rounds, storing each. */
export function flowerServerEnv(spec: ResolvedFederatedLearning, modelsRoot: string): EnvVar[] {
  const f = FL_FLAGS.server;
  return sorted([
    ...storageEnv(spec, modelsRoot),
    flag(f.address, `0.0.0.0:${spec.server.port}`),
    flag(f.rounds, spec.rounds),
    flag(f.minClients, spec.minClients),
    flag(f.model, spec.model.kind),
    flag(f.modelConfig, stableJson(modelConfigFor(spec.model.kind, spec.dataset, spec.model.pretrained))),
    flag(f.localEpochs, spec.training.localEpochs),
    flag(f.batchSize, spec.training.batchSize),
    flag(f.learningRate, spec.training.learningRate),
  ]);
}

/** `python -m vk8s_fl.serve`: the latest stored round, under the model's name. */
export function modelServerEnv(spec: ResolvedFederatedLearning, modelsRoot: string): EnvVar[] {
  const f = FL_FLAGS.serve;
  return sorted([
    ...storageEnv(spec, modelsRoot),
    flag(f.host, "0.0.0.0"),
    flag(f.port, spec.serving.port),
    flag(f.modelName, spec.model.name),
  ]);
}

/** `python -m vk8s_fl.client` in the pipeline's train step: all of the preprocessed arrays. */
export function trainEnv(spec: ResolvedFederatedLearning, arraysPath: string): EnvVar[] {
  const f = FL_FLAGS.client;
  return sorted([
    flag(f.server, inClusterServerAddress(spec)),
    flag(f.dataset, "npz"),
    flag(f.dataPath, arraysPath),
    flag(f.clientId, "pipeline"),
    flag(f.maxWait, 600),
  ]);
}
