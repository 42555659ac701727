import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { pipelineSteps, pipelineYaml, renderPipeline, type WorkflowTemplate } from "../src/fl/pipeline";
import { renderResolved } from "../src/fl/render";
import * as steps from "../src/fl/steps";
import { resolveFederatedLearning } from "../src/fl/validate";
import { renderStorageClaim } from "../src/fl/volume";
import { toYaml } from "../src/render/yaml";

// Generous: the machine is shared, and the first test pays for module compilation.
jest.setTimeout(30_000);

const spec = resolveFederatedLearning({ group: "team-a", project: "cifar", rounds: 4 });
const workflow = renderPipeline(spec);
const template = (name: string): WorkflowTemplate => {
  const t = workflow.spec.templates.find((x) => x.name === name);
  if (!t) throw new Error(`no template ${name}`);
  return t;
};
const stepEnv = (t: WorkflowTemplate) =>
  Object.fromEntries(((t.script ?? t.container) as { env: { name: string; value?: string }[] }).env.map((e) => [e.name, e.value]));

describe("pipeline: steps and order", () => {
  it("runs check-server, the exit branch, then create-volume to serve, in this order", () => {
    expect(pipelineSteps(spec)).toEqual([
      "check-server", "exit-if-server-down", "create-volume", "download-data", "preprocess", "train", "evaluate", "serve",
    ]);
  });

  it("exits when the server is down and skips everything after: the rest is one sub-DAG behind a when", () => {
    const root = template(workflow.spec.entrypoint).dag!.tasks;
    expect(root).toEqual([
      { name: "check-server", template: "check-server" },
      { name: "exit-if-server-down", template: "exit-if-server-down", dependencies: ["check-server"], when: `"{{tasks.check-server.outputs.parameters.up}}" == "false"` },
      { name: "server-up", template: "server-up", dependencies: ["check-server"], when: `"{{tasks.check-server.outputs.parameters.up}}" == "true"` },
    ]);
    expect(template("check-server").outputs).toEqual({ parameters: [{ name: "up", valueFrom: { path: "/tmp/outputs/up" } }] });
    const inner = template("server-up").dag!.tasks;
    expect(inner.map((t) => [t.name, t.dependencies ?? []])).toEqual([
      ["create-volume", []], ["download-data", ["create-volume"]], ["preprocess", ["download-data"]],
      ["train", ["preprocess"]], ["evaluate", ["train"]], ["serve", ["evaluate"]],
    ]);
    expect(inner.every((t) => t.when === undefined)).toBe(true);
  });

  it("checks the Flower server's in-cluster Service with bounded attempts", () => {
    expect(stepEnv(template("check-server"))).toEqual({
      STEP_ATTEMPTS: "30",
      STEP_INTERVAL_SECONDS: "10",
      STEP_OUTPUT: "/tmp/outputs/up",
      STEP_SERVER: "fl-flower-server.federated-learning.svc.cluster.local:8080",
    });
  });

  it("creates (applies) the same claim the component renders, and mounts it in the data steps", () => {
    expect(template("create-volume").resource).toEqual({ action: "apply", manifest: toYaml(renderStorageClaim(spec)) });
    expect(workflow.spec.volumes).toEqual([{ name: "storage", persistentVolumeClaim: { claimName: "fl-storage" } }]);
    for (const name of ["download-data", "preprocess", "train", "evaluate", "serve"]) {
      const t = template(name);
      expect((t.script ?? t.container)!.volumeMounts).toEqual([{ name: "storage", mountPath: "/mnt/storage" }]);
    }
  });

  it("preprocesses into fixed-size arrays on the volume, which train, evaluate and serve read", () => {
    const arrays = "/mnt/storage/data/cifar10/arrays.npz";
    expect(stepEnv(template("preprocess"))).toEqual({ STEP_ARRAYS: arrays, STEP_DATASET: "cifar10", STEP_RAW_DIR: "/mnt/storage/data/cifar10/raw" });
    expect(stepEnv(template("train"))).toMatchObject({ VK8S_FL_DATASET: "npz", VK8S_FL_DATA_PATH: arrays, VK8S_FL_SERVER: "fl-flower-server.federated-learning.svc.cluster.local:8080" });
    expect(template("train").container!.command).toEqual(["python", "-m", "vk8s_fl.client"]);
    expect(stepEnv(template("evaluate"))).toMatchObject({ STEP_ARRAYS: arrays, STEP_ROUND: "4", VK8S_FL_STORAGE: "/mnt/storage/models", VK8S_FL_GROUP: "team-a", VK8S_FL_PROJECT: "cifar" });
    expect(template("evaluate").outputs!.parameters[0].name).toBe("accuracy");
  });

  it("serves and checks one prediction at POST /v1/models/<name>:predict, restarting the model server's pods first", () => {
    expect(stepEnv(template("serve"))).toEqual({
      STEP_ARRAYS: "/mnt/storage/data/cifar10/arrays.npz",
      STEP_FLATTEN: "false",
      STEP_NAMESPACE: "federated-learning",
      STEP_POD_SELECTOR: "app.kubernetes.io/component=model-server,app.kubernetes.io/instance=fl",
      STEP_PREDICT_URL: "http://fl-model-server.federated-learning.svc.cluster.local:8080/v1/models/fl-model:predict",
      STEP_TIMEOUT_SECONDS: "600",
    });
    const kserve = renderPipeline(resolveFederatedLearning({ group: "g", project: "p", dataset: "digits", serving: { mode: "kserve" } }));
    const serve = kserve.spec.templates.find((t) => t.name === "serve")!;
    expect(stepEnv(serve)).toMatchObject({
      STEP_FLATTEN: "true",
      STEP_POD_SELECTOR: "serving.kserve.io/inferenceservice=fl-model-server",
      STEP_PREDICT_URL: "http://fl-model-server.federated-learning.svc.cluster.local/v1/models/fl-model:predict",
    });
  });

  it("runs under the pipeline's service account, without Istio sidecars, named per run", () => {
    expect(workflow.spec.serviceAccountName).toBe("fl-pipeline");
    expect(workflow.metadata.generateName).toBe("fl-pipeline-");
    const leaves = workflow.spec.templates.filter((t) => !t.dag);
    expect(leaves).toHaveLength(8);
    for (const t of leaves) expect(t.metadata).toEqual({ annotations: { "sidecar.istio.io/inject": "false" } });
  });
});

describe("pipeline: package text", () => {
  it("is YAML that parses back to the workflow, byte-identical across renders, and held by the ConfigMap", () => {
    const text = pipelineYaml(spec);
    expect(parse(text)).toEqual(JSON.parse(JSON.stringify(workflow)));
    expect(pipelineYaml(resolveFederatedLearning({ rounds: 4, project: "cifar", group: "team-a" }))).toBe(text);
    const cm = renderResolved(spec).find((o) => o.kind === "ConfigMap") as { data: Record<string, string> };
    expect(cm.data).toEqual({ "pipeline.yaml": text });
    expect(text.startsWith("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n")).toBe(true);
  });
});

describe("pipeline: the step scripts are Python that works", () => {
  const python = (args: string[], input: string, env: Record<string, string> = {}) =>
    spawnSync("python3", args, { input, env: { ...process.env, ...env }, encoding: "utf8", timeout: 30_000 });

  const scripts = Object.entries(steps).filter(([, v]) => typeof v === "string") as [string, string][];
  it.each(scripts)("%s parses", (_name, source) => {
    const r = python(["-c", "import ast, sys; ast.parse(sys.stdin.read())"], source);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("check-server writes true for a listening port and false after its attempts on a closed one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fl-check-"));
    const server = net.createServer((s) => s.end());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    const run = (target: number, out: string) => python(["-"], steps.CHECK_SERVER_SCRIPT, {
      STEP_SERVER: `127.0.0.1:${target}`, STEP_ATTEMPTS: "2", STEP_INTERVAL_SECONDS: "0.1", STEP_OUTPUT: join(dir, out),
    });
    const up = run(port, "up");
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const down = run(port, "down");
    expect(up.status).toBe(0);
    expect(readFileSync(join(dir, "up"), "utf8")).toBe("true");
    expect(up.stdout).toContain(`Flower server 127.0.0.1:${port} is up`);
    expect(down.status).toBe(0);
    expect(readFileSync(join(dir, "down"), "utf8")).toBe("false");
    expect(down.stdout).toContain("attempt 2/2");
  });

  it("exit-if-server-down fails the run with the reason", () => {
    const r = python(["-"], steps.EXIT_IF_SERVER_DOWN_SCRIPT, { STEP_SERVER: "fl-flower-server:8080" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Flower server fl-flower-server:8080 is not up: stopping the pipeline");
  });
});
