/**
 * Validation of a federated-learning spec: shape (zod) first, then the domain rules, all
 * problems at once as `<field path>: <what is wrong> (<how to fix>)`, then the defaults.
 */
import type { z } from "zod";
import { formatPath, formatProblem, type PathSegment, type Problem, Vk8sValidationError } from "../core/errors";
import { dns1123LabelError, isDns1123Subdomain } from "../core/names";
import { isNodePort, isPort, NODE_PORT_RANGE, PORT_RANGE } from "../core/ports";
import { Quantity } from "../core/quantity";
import { pathSegmentError } from "./storage";
import { TRAINING_DEFAULTS } from "./contract";
import {
  ACCESS_MODES, FL_DATASETS, FL_DEFAULTS, KSERVE_API_VERSIONS, MODEL_KINDS, SERVING_MODES,
  federatedLearningSpecSchema, type FederatedLearningSpec, type FlDataset, type ModelKind,
  type ResolvedFederatedLearning, type ServingMode,
} from "./spec";

/** The longest suffix an object name gets (`<name>-flower-server`). */
export const LONGEST_NAME_SUFFIX = "-flower-server";
const MAX_NAME = 63 - LONGEST_NAME_SUFFIX.length;

export type FederatedLearningValidation =
  | { ok: true; spec: ResolvedFederatedLearning }
  | { ok: false; problems: Problem[] };

/** Checks `input` and applies the defaults; never throws. */
export function validateFederatedLearning(input: unknown): FederatedLearningValidation {
  const parsed = federatedLearningSpecSchema.safeParse(input);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.flatMap((i) => shapeProblems(i, input)) };
  const spec = resolveDefaults(parsed.data);
  const problems = domainProblems(spec, parsed.data);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, spec };
}

/** Like `validateFederatedLearning`, but throws `Vk8sValidationError` (subject `federated learning "<name>"`). */
export function resolveFederatedLearning(input: unknown): ResolvedFederatedLearning {
  const result = validateFederatedLearning(input);
  if (!result.ok) {
    const name = typeof (input as { name?: unknown })?.name === "string" ? (input as { name: string }).name : FL_DEFAULTS.name;
    throw new Vk8sValidationError({ kind: "federated learning", name }, result.problems);
  }
  return result.spec;
}

function resolveDefaults(s: FederatedLearningSpec): ResolvedFederatedLearning {
  const d = FL_DEFAULTS;
  const image = s.image ?? d.image;
  const dataset = (s.dataset ?? d.dataset) as FlDataset;
  const s3 = s.storage?.s3;
  const kind = (s.model?.kind ?? d.modelKindFor[dataset] ?? d.modelKindFor.cifar10) as ModelKind;
  const training = TRAINING_DEFAULTS[kind] ?? TRAINING_DEFAULTS.mlp;
  return {
    name: s.name ?? d.name,
    namespace: s.namespace ?? d.namespace,
    createNamespace: s.createNamespace ?? d.createNamespace,
    group: s.group,
    project: s.project,
    rounds: s.rounds ?? d.rounds,
    minClients: s.minClients ?? d.minClients,
    dataset,
    model: { name: s.model?.name ?? d.modelName, kind, pretrained: kind === "efficientnet-b0" && (s.model?.pretrained ?? true) },
    training: {
      localEpochs: s.training?.localEpochs ?? training.localEpochs,
      batchSize: s.training?.batchSize ?? training.batchSize,
      learningRate: s.training?.learningRate ?? training.learningRate,
    },
    server: { image: s.server?.image ?? image, port: s.server?.port ?? d.serverPort, nodePort: s.server?.nodePort ?? d.serverNodePort },
    serving: {
      mode: (s.serving?.mode ?? d.servingMode) as ServingMode,
      image: s.serving?.image ?? image,
      port: s.serving?.port ?? d.servingPort,
      nodePort: s.serving?.nodePort ?? d.servingNodePort,
      kserveApiVersion: s.serving?.kserveApiVersion ?? d.kserveApiVersion,
    },
    storage: {
      size: s.storage?.size ?? d.storageSize,
      ...(s.storage?.storageClassName !== undefined ? { storageClassName: s.storage.storageClassName } : {}),
      accessMode: s.storage?.accessMode ?? d.accessMode,
      ...(s3 ? { s3: { endpoint: s3.endpoint, bucket: s3.bucket, credentialsSecret: s3.credentialsSecret, region: s3.region ?? d.s3Region } } : {}),
    },
    pipeline: {
      image: s.pipeline?.image ?? image,
      serverCheckAttempts: s.pipeline?.serverCheckAttempts ?? d.serverCheckAttempts,
      serverCheckIntervalSeconds: s.pipeline?.serverCheckIntervalSeconds ?? d.serverCheckIntervalSeconds,
    },
  };
}

const CREDENTIAL_KEY = /secret|access.?key|password|token|credential/i;
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function shapeProblems(issue: z.core.$ZodIssue, input: unknown): Problem[] {
  const path = issue.path.filter((p): p is PathSegment => typeof p !== "symbol");
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => {
      const at = formatPath([...path, key]);
      if (path.join(".") === "storage.s3" && CREDENTIAL_KEY.test(key)) {
        return { path: at, message: "plain credentials are not accepted", fix: "put them in a Secret with keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY and name it in storage.s3.credentialsSecret" };
      }
      return { path: at, message: "is not a known field", fix: "remove it or check its spelling" };
    });
  }
  if (issue.code === "invalid_type") {
    const value = valueAt(input, path);
    const expected = `${/^[aeiou]/.test(issue.expected) ? "an" : "a"} ${issue.expected}`;
    if (value === undefined) return [{ path: formatPath(path), message: "is required", fix: `set it to ${expected}` }];
    const got = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
    return [{ path: formatPath(path), message: `expected ${expected}, got ${got}`, fix: `give ${expected}` }];
  }
  return [{ path: formatPath(path), message: issue.message, fix: "see the FederatedLearning documentation" }];
}

function valueAt(input: unknown, path: PathSegment[]): unknown {
  let v: unknown = input;
  for (const p of path) v = v !== null && typeof v === "object" ? (v as Record<PathSegment, unknown>)[p] : undefined;
  return v;
}

function domainProblems(s: ResolvedFederatedLearning, raw: FederatedLearningSpec): Problem[] {
  const out: Problem[] = [];
  const add = (path: string, message: string | undefined, fix: string) => {
    if (message !== undefined) out.push({ path, message, fix });
  };
  const oneOf = (path: string, value: string, allowed: readonly string[]) =>
    add(path, allowed.includes(value) ? undefined : `${JSON.stringify(value)} is not supported`, `use one of ${allowed.join(", ")}`);
  const whole = (path: string, value: number, min: number) =>
    add(path, Number.isInteger(value) && value >= min ? undefined : `${value} is not a whole number from ${min}`, `use a whole number of ${min} or more`);
  const port = (path: string, value: number) =>
    add(path, isPort(value) ? undefined : `${value} is not a port`, `use a whole number from ${PORT_RANGE.min} to ${PORT_RANGE.max}`);
  const nodePort = (path: string, value: number) =>
    add(path, isNodePort(value) ? undefined : `${value} is outside the NodePort range`, `use a port from ${NODE_PORT_RANGE.min} to ${NODE_PORT_RANGE.max}`);
  const image = (path: string, value: string) =>
    add(path, value.trim() === "" || /\s/.test(value) ? `${JSON.stringify(value)} is not an image reference` : undefined, `give a reference such as ${FL_DEFAULTS.image}`);

  const nameError = dns1123LabelError(s.name);
  add("name", nameError ?? (s.name.length > MAX_NAME ? `"${s.name}" is ${s.name.length} characters; with "${LONGEST_NAME_SUFFIX}" object names go over 63` : undefined), `use a DNS-1123 label of at most ${MAX_NAME} characters`);
  add("namespace", dns1123LabelError(s.namespace), "use lower-case letters, digits and '-', at most 63 characters");
  const segmentFix = "use one folder name of letters, digits, '.', '_' or '-'";
  add("group", pathSegmentError(s.group), segmentFix);
  add("project", pathSegmentError(s.project), segmentFix);
  whole("rounds", s.rounds, 1);
  whole("minClients", s.minClients, 1);
  oneOf("dataset", s.dataset, FL_DATASETS);
  image("image", raw.image ?? FL_DEFAULTS.image);
  add("model.name", dns1123LabelError(s.model.name), "use lower-case letters, digits and '-', at most 63 characters");
  oneOf("model.kind", s.model.kind, MODEL_KINDS);
  if (s.model.kind === "efficientnet-b0" && s.dataset === "digits") {
    add("model.kind", `"efficientnet-b0" does not fit dataset "digits" (8x8 grey images; EfficientNetB0 needs 32x32x3 or larger)`, `use "mlp" for digits`);
  }
  if (raw.model?.pretrained === true && s.model.kind === "mlp") {
    add("model.pretrained", `true, but model "mlp" has no pretrained weights (it always starts from random weights)`, `remove model.pretrained, or use model.kind "efficientnet-b0"`);
  }
  whole("training.localEpochs", s.training.localEpochs, 1);
  whole("training.batchSize", s.training.batchSize, 1);
  add("training.learningRate", Number.isFinite(s.training.learningRate) && s.training.learningRate > 0 ? undefined : `${s.training.learningRate} is not above zero`, "use a small positive number such as 0.001");
  if (raw.server?.image !== undefined) image("server.image", raw.server.image);
  port("server.port", s.server.port);
  nodePort("server.nodePort", s.server.nodePort);
  oneOf("serving.mode", s.serving.mode, SERVING_MODES);
  if (raw.serving?.image !== undefined) image("serving.image", raw.serving.image);
  port("serving.port", s.serving.port);
  if (s.serving.mode === "kserve" && raw.serving?.nodePort !== undefined) {
    add("serving.nodePort", "is only used in deployment mode", `remove it, or set serving.mode to "deployment"`);
  }
  if (s.serving.mode === "deployment") {
    nodePort("serving.nodePort", s.serving.nodePort);
    if (s.serving.nodePort === s.server.nodePort) {
      add("serving.nodePort", `${s.serving.nodePort} is already server.nodePort`, "give the model server its own NodePort");
    }
  }
  oneOf("serving.kserveApiVersion", s.serving.kserveApiVersion, KSERVE_API_VERSIONS);
  const size = Quantity.parse(s.storage.size);
  add("storage.size", "error" in size ? size.error : size.quantity.isNegative() || size.quantity.nanos === 0n ? `"${s.storage.size}" is not above zero` : undefined, "give a size such as 10Gi");
  if (s.storage.storageClassName !== undefined) {
    add("storage.storageClassName", isDns1123Subdomain(s.storage.storageClassName) ? undefined : `${JSON.stringify(s.storage.storageClassName)} is not a storage class name`, "use the name of a StorageClass (kubectl get storageclass), or leave it out for the default class");
  }
  oneOf("storage.accessMode", s.storage.accessMode, ACCESS_MODES);
  const s3 = s.storage.s3;
  if (s3) {
    add("storage.s3.endpoint", endpointError(s3.endpoint), "give http(s)://host[:port] without credentials or path, e.g. http://minio.minio.svc:9000");
    add("storage.s3.bucket", S3_BUCKET.test(s3.bucket) && !s3.bucket.includes("..") ? undefined : `${JSON.stringify(s3.bucket)} is not an S3 bucket name`, "use 3-63 lower-case letters, digits, '.' or '-', starting and ending with a letter or digit");
    add("storage.s3.credentialsSecret", isDns1123Subdomain(s3.credentialsSecret) ? undefined : `${JSON.stringify(s3.credentialsSecret)} is not a Secret name`, "name a Secret in the namespace holding AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }
  if (raw.pipeline?.image !== undefined) image("pipeline.image", raw.pipeline.image);
  whole("pipeline.serverCheckAttempts", s.pipeline.serverCheckAttempts, 1);
  whole("pipeline.serverCheckIntervalSeconds", s.pipeline.serverCheckIntervalSeconds, 1);
  return dedupe(out);
}

function endpointError(endpoint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return "is not a URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `scheme "${url.protocol.slice(0, -1)}" is not http or https`;
  if (url.username !== "" || url.password !== "") return "carries credentials in the URL";
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "") return "has a path or query";
  return undefined;
}

/** A rule reached twice for one field (model.kind) is reported once. */
function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = formatProblem(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
