/**
 * The Kubeflow Pipelines pipeline of a federated-learning deployment, as a KFP v1 pipeline
 * package: an Argo `Workflow` (what the KFP v1 compiler emits and what Kubeflow 1.3-1.10
 * run; upload it in the Pipelines UI, or `kubectl create -f` it where Argo runs).
 *
 *   check-server ─┬─ (down) exit-if-server-down: fails the run with the reason
 *                 └─ (up) server-up: create-volume -> download-data -> preprocess
 *                                    -> train -> evaluate -> serve
 *
 * The branch is a KFP v1 `dsl.Condition`: a sub-DAG behind a `when`, so a down server
 * skips every later step (with plain `dependencies`, a skipped task would still release
 * its dependants). The train step is one Flower client on the preprocessed arrays; the
 * server waits for `minClients` clients (the others are users' notebooks).
 */
import { ISTIO_INJECT } from "../core/labels";
import { toYaml } from "../render/yaml";
import { FL_MODULES } from "./contract";
import { storageEnv, trainEnv, type EnvVar } from "./env";
import { flLabels, flNames, inClusterPredictUrl, inClusterServerAddress, modelServerPodSelector } from "./names";
import type { ResolvedFederatedLearning } from "./spec";
import {
  CHECK_SERVER_SCRIPT, DOWNLOAD_DATA_SCRIPT, EVALUATE_SCRIPT, EXIT_IF_SERVER_DOWN_SCRIPT,
  PREPROCESS_SCRIPT, SERVE_SCRIPT,
} from "./steps";
import { MODELS_ROOT, VOLUME_MOUNT_PATH } from "./storage";
import { dataPaths, renderStorageClaim } from "./volume";

/** One task of an Argo DAG. */
export interface DagTask {
  name: string;
  template: string;
  dependencies?: string[];
  when?: string;
}

/** The parts of an Argo template this pipeline uses. */
export interface WorkflowTemplate {
  name: string;
  dag?: { tasks: DagTask[] };
  script?: Record<string, unknown>;
  container?: Record<string, unknown>;
  resource?: { action: string; manifest: string };
  outputs?: { parameters: { name: string; valueFrom: { path: string } }[] };
  metadata?: { annotations: Record<string, string> };
  retryStrategy?: { limit: number };
}

/** An Argo Workflow (`argoproj.io/v1alpha1`), named per run by `generateName`. */
export interface ArgoWorkflow {
  apiVersion: "argoproj.io/v1alpha1";
  kind: "Workflow";
  metadata: { generateName: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: {
    entrypoint: string;
    serviceAccountName: string;
    volumes: unknown[];
    templates: WorkflowTemplate[];
  };
}

const ENTRYPOINT = "federated-learning";
const SERVER_UP = "server-up";
const OUTPUTS = "/tmp/outputs";
/** Seconds the serve step waits for the restarted model server to answer. */
const SERVE_TIMEOUT_SECONDS = 600;
/** Pipeline pods in Kubeflow namespaces run without the Istio sidecar (as KFP v1 does). */
const POD_METADATA = { annotations: { [ISTIO_INJECT]: "false" } };

const upIs = (value: "true" | "false") => `"{{tasks.check-server.outputs.parameters.up}}" == "${value}"`;

/** The pipeline as an Argo Workflow object (deterministic: no names from the clock). */
export function renderPipeline(spec: ResolvedFederatedLearning): ArgoWorkflow {
  const names = flNames(spec);
  const paths = dataPaths(spec);
  const server = inClusterServerAddress(spec);
  const mounts = [{ name: "storage", mountPath: VOLUME_MOUNT_PATH }];
  const script = (name: string, source: string, env: EnvVar[], extra: Partial<WorkflowTemplate> = {}): WorkflowTemplate => ({
    name,
    metadata: POD_METADATA,
    script: { image: spec.pipeline.image, command: ["python"], source, env: sortEnv(env), volumeMounts: mounts },
    ...extra,
  });
  const data = [env("STEP_DATASET", spec.dataset), env("STEP_RAW_DIR", paths.rawDir), env("STEP_ARRAYS", paths.arrays)];

  const templates: WorkflowTemplate[] = [
    {
      name: ENTRYPOINT,
      dag: {
        tasks: [
          { name: "check-server", template: "check-server" },
          { name: "exit-if-server-down", template: "exit-if-server-down", dependencies: ["check-server"], when: upIs("false") },
          { name: SERVER_UP, template: SERVER_UP, dependencies: ["check-server"], when: upIs("true") },
        ],
      },
    },
    {
      name: SERVER_UP,
      dag: { tasks: chain(["create-volume", "download-data", "preprocess", "train", "evaluate", "serve"]) },
    },
    {
      name: "check-server",
      metadata: POD_METADATA,
      script: {
        image: spec.pipeline.image,
        command: ["python"],
        source: CHECK_SERVER_SCRIPT,
        env: sortEnv([
          env("STEP_SERVER", server),
          env("STEP_ATTEMPTS", spec.pipeline.serverCheckAttempts),
          env("STEP_INTERVAL_SECONDS", spec.pipeline.serverCheckIntervalSeconds),
          env("STEP_OUTPUT", `${OUTPUTS}/up`),
        ]),
      },
      outputs: { parameters: [{ name: "up", valueFrom: { path: `${OUTPUTS}/up` } }] },
    },
    {
      name: "exit-if-server-down",
      metadata: POD_METADATA,
      script: { image: spec.pipeline.image, command: ["python"], source: EXIT_IF_SERVER_DOWN_SCRIPT, env: [env("STEP_SERVER", server)] },
    },
    {
      name: "create-volume",
      metadata: POD_METADATA,
      // `apply`, not KFP VolumeOp's `create`: the component has usually made the claim already.
      resource: { action: "apply", manifest: toYaml(renderStorageClaim(spec)) },
    },
    script("download-data", DOWNLOAD_DATA_SCRIPT, data, { retryStrategy: { limit: 2 } }),
    script("preprocess", PREPROCESS_SCRIPT, data),
    {
      name: "train",
      metadata: POD_METADATA,
      container: {
        image: spec.pipeline.image,
        command: ["python", "-m", FL_MODULES.client],
        env: trainEnv(spec, paths.arrays),
        volumeMounts: mounts,
      },
    },
    script("evaluate", EVALUATE_SCRIPT, [
      ...storageEnv(spec, MODELS_ROOT),
      env("STEP_ROUND", spec.rounds),
      env("STEP_ARRAYS", paths.arrays),
      env("STEP_OUTPUT", `${OUTPUTS}/accuracy`),
    ], { outputs: { parameters: [{ name: "accuracy", valueFrom: { path: `${OUTPUTS}/accuracy` } }] } }),
    script("serve", SERVE_SCRIPT, [
      env("STEP_NAMESPACE", spec.namespace),
      env("STEP_POD_SELECTOR", modelServerPodSelector(spec)),
      env("STEP_PREDICT_URL", inClusterPredictUrl(spec)),
      env("STEP_ARRAYS", paths.arrays),
      env("STEP_FLATTEN", spec.model.kind === "mlp" ? "true" : "false"),
      env("STEP_TIMEOUT_SECONDS", SERVE_TIMEOUT_SECONDS),
    ]),
  ];

  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Workflow",
    metadata: {
      generateName: `${names.pipeline}-`,
      namespace: spec.namespace,
      labels: flLabels(spec, "pipeline"),
      annotations: {
        "pipelines.kubeflow.org/pipeline_spec": JSON.stringify({
          description: `Federated learning of ${spec.group}/${spec.project}: ${spec.rounds} rounds, ${spec.dataset}, ${spec.model.kind}`,
          name: names.pipeline,
        }),
      },
    },
    spec: {
      entrypoint: ENTRYPOINT,
      serviceAccountName: names.pipeline,
      volumes: [{ name: "storage", persistentVolumeClaim: { claimName: names.storage } }],
      templates,
    },
  };
}

/** The pipeline package text (what the ConfigMap holds and the `pipelineSpec` output is). */
export function pipelineYaml(spec: ResolvedFederatedLearning): string {
  return toYaml(renderPipeline(spec));
}

/**
 * The leaf steps in the order they run: DAGs are walked in dependency order (ties in
 * their listed order) and a task that runs a sub-DAG is replaced by that DAG's steps.
 */
export function pipelineSteps(spec: ResolvedFederatedLearning): string[] {
  const workflow = renderPipeline(spec);
  const byName = new Map(workflow.spec.templates.map((t) => [t.name, t]));
  const walk = (templateName: string): string[] => {
    const template = byName.get(templateName);
    if (!template) throw new Error(`pipeline: template "${templateName}" is missing`);
    if (!template.dag) return [templateName];
    return topologicalOrder(template.dag.tasks).flatMap((task) => (byName.get(task.template)?.dag ? walk(task.template) : [task.name]));
  };
  return walk(workflow.spec.entrypoint);
}

function topologicalOrder(tasks: DagTask[]): DagTask[] {
  const done = new Set<string>();
  const out: DagTask[] = [];
  while (out.length < tasks.length) {
    const next = tasks.find((t) => !done.has(t.name) && (t.dependencies ?? []).every((d) => done.has(d)));
    if (!next) throw new Error(`pipeline: tasks ${tasks.filter((t) => !done.has(t.name)).map((t) => t.name).join(", ")} form a cycle`);
    done.add(next.name);
    out.push(next);
  }
  return out;
}

/** Tasks that each depend on the one before. */
function chain(steps: string[]): DagTask[] {
  return steps.map((name, i) => ({ name, template: name, ...(i > 0 ? { dependencies: [steps[i - 1]] } : {}) }));
}

function env(name: string, value: string | number): EnvVar {
  return { name, value: String(value) };
}

function sortEnv(list: EnvVar[]): EnvVar[] {
  return [...list].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
