/**
 * The real tier: federated learning inside a virtual cluster of real vNodes (issue 17).
 *
 * 1. The shared set-up (./vcluster.ts): a real host node, a quickstart stack of two real
 *    vNodes (master, worker-1) bootstrapped by the real Pulumi engine. The vk8s-fl image with
 *    TensorFlow (`scripts/images.sh build fl-tf`) cannot be pulled here: it is served from the
 *    host node's site mirror and each vNode imports it into its inner containerd before
 *    `kubeadm init`/`join` (bootstrap option `imageArchives`), as an air-gapped site would.
 * 2. A second Pulumi program (test/real/fl-program) deploys `FederatedLearning` into the
 *    virtual cluster through a Kubernetes provider built from the cluster stack's kubeconfig
 *    output, and two Flower clients as Jobs, one on each inner node: the pipeline's preprocess
 *    and train steps on generated data in CIFAR-10's format (CIFAR-10 itself cannot be
 *    downloaded here). 2 rounds of EfficientNetB0 from random initialisation (Keras' ImageNet
 *    weights cannot be downloaded either).
 * 3. Checks: each round's weights on the cluster's volume at {group}/{project}/{round} equal
 *    the example-weighted mean of the updates the clients returned (captured by the clients);
 *    the model server answers POST /v1/models/<name>:predict from the host, through the
 *    host NodePort the cluster forwards to the master vNode (`predictUrl`) and through the
 *    inner NodePort on the worker vNode's address (the host node's pod network is routable
 *    from this machine), with class probabilities summing to 1.
 * 4. Measures (printed, never asserted): seconds per round per client, model size, time from
 *    `pulumi up` of the FL program to the first stored round. Both stacks are destroyed and
 *    the environment stopped: nothing is left.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { commandSpans, engineEvents, kubectl, kubectlJson, must, REPO, Stack, stopEnv, withoutDebugLines, type Env, type Run } from "../e2e/harness";
import * as real from "./vcluster";

const PASSWORD = "real-Tier-FL-Passw0rd-8d2e";
const NS = real.NS;
const CLUSTER_STACK = "realfl";
const API_NODE_PORT = 31645;
const PREDICT_PORT = 30081;
const GROUP = "team-a";
const PROJECT = "cifar10-real";
const ROUNDS = 2;
const CLIENTS = [{ id: "client-0", node: "master", examples: 96 }, { id: "client-1", node: "worker-1", examples: 160 }];
const FL_NAMESPACE = "federated-learning";
/** Where the program's hostPath volume and the clients' captures are, on the inner nodes. */
const HOST_DIR = "/var/lib/vk8s-fl-real";
const IMAGES = path.join(REPO, "scripts/images.sh");
const ROUNDS_TIMEOUT_S = 1500;

let env: Env;
let cluster: Stack;
let fl: Stack;
let image = "";
let mirrorArchive = "";
let innerKubeconfig = "";
let flUpStarted = 0;
let flOutputs: Record<string, any> = {};
let firstRoundStored = false;
const timings: Record<string, number> = {};
const measures: Record<string, number | string> = {};
const logs: string[] = [];

function step(stack: Stack, name: string, args: string[]): Run {
  const r = stack.withConfig(args, 1_800_000);
  timings[name] = r.seconds;
  logs.push(args.includes("--json") ? withoutDebugLines(r.stdout) : r.stdout, r.stderr);
  return r;
}

const sleep = (s: number) => execFileSync("sleep", [String(s)]);
const inner = (args: string[]) => kubectl(innerKubeconfig, args);
const innerJson = (args: string[]) => kubectlJson(innerKubeconfig, args);

beforeAll(() => {
  // The image, built like the others (cached by its inputs: a warm run takes a second; cold,
  // about 4 min with PyPI), its progress shown as it goes.
  let t = Date.now();
  execFileSync("bash", [IMAGES, "build", "fl-tf"], { stdio: ["ignore", "inherit", "inherit"], timeout: 1_800_000 });
  timings.flImageBuild = (Date.now() - t) / 1000;
  const archive = real.sh([IMAGES, "list"]).split("\n").map((l) => l.split(" ")).find(([name]) => name === "fl-tf")![1];
  image = fs.readFileSync(path.join(path.dirname(archive), "images.txt"), "utf8").trim();
  measures["fl-tf archive (MB)"] = Math.round(fs.statSync(archive).size / 1e6);

  const started = real.startRealEnv("v1.9-shape");
  env = started.env;
  timings.hostNodeUp = started.hostNodeUpSeconds;
  // The site mirror serves the archive to the vNodes (a link: the archive is not copied).
  mirrorArchive = path.join(started.mirrorDir, "vk8s-fl-tf.tar");
  try { fs.linkSync(archive, mirrorArchive); } catch { fs.copyFileSync(archive, mirrorArchive); }
  t = Date.now();
  cluster = real.quickstartStack(env, CLUSTER_STACK, {
    kubeflowVersion: "26.03",
    kubernetesVersion: "1.34",
    workers: "1",
    // EfficientNetB0 training (TensorFlow) needs more memory than realvnodes' 6Gi on the
    // master, which holds the server, the model server and a client.
    nodeResources: { requests: { cpu: "250m", memory: "1Gi" }, limits: { cpu: "2", memory: "9Gi" } },
    apiServerNodePort: String(API_NODE_PORT),
    ports: [{ name: "predict", port: PREDICT_PORT, targetPort: PREDICT_PORT }],
    bootstrap: { ...started.bootstrap, imageArchives: [{ kind: "mirror", url: `${started.mirrorUrl}/vk8s-fl-tf.tar` }] },
  }, PASSWORD);
  fl = new Stack(env, "realfl-apps", path.join(REPO, "test/real/fl-program"));
  fl.init({
    clusterStack: `organization/vk8s-quickstart/${CLUSTER_STACK}`,
    image,
    group: GROUP,
    project: PROJECT,
    rounds: String(ROUNDS),
    clients: CLIENTS,
    hostDir: HOST_DIR,
    predictNodePort: String(PREDICT_PORT),
  });
  timings.stackInit = (Date.now() - t) / 1000;
}, 1_800_000);

afterAll(() => {
  if (!env) return;
  const down = stopEnv(env);
  if (mirrorArchive) fs.rmSync(mirrorArchive, { force: true });
  fs.rmSync(path.join(env.state, "fl-check"), { recursive: true, force: true });
  console.log(`real FL timings (s): ${JSON.stringify(timings)}; down: exit ${down.code}\n${down.stderr.slice(-2000)}`);
  console.log(`real FL measures: ${JSON.stringify(measures, null, 1)}`);
  if (process.env.VK8S_REAL_FL_MEASURES) fs.writeFileSync(process.env.VK8S_REAL_FL_MEASURES, JSON.stringify({ ...measures, timings }, null, 2));
}, 600_000);

/**
 * Why a pod of the namespace cannot start (its image is not in the inner containerd), or
 * undefined. (Not CrashLoopBackOff: the Flower server's Deployment restarts it once it has
 * finished its rounds, a back-off that is no failure.)
 */
function stuckPods(namespace: string): string | undefined {
  const fatal = /ErrImagePull|ImagePullBackOff|ErrImageNeverPull|InvalidImageName|CreateContainerError/;
  for (const pod of innerJson(["get", "pods", "-n", namespace]).items) {
    for (const s of [...(pod.status.initContainerStatuses ?? []), ...(pod.status.containerStatuses ?? [])]) {
      const reason = s.state?.waiting?.reason ?? "";
      if (fatal.test(reason)) return `${pod.metadata.name}/${s.name}: ${reason} ${s.state.waiting.message ?? ""}`;
    }
  }
  return undefined;
}

/** What the inner cluster says about the FL namespace, for failure messages. */
function describeFl(): string {
  const tail = (args: string[]) => { try { return inner(args); } catch (e) { return String(e); } };
  return [
    tail(["get", "pods,jobs,pvc", "-n", FL_NAMESPACE, "-o", "wide"]),
    tail(["get", "events", "-n", FL_NAMESPACE, "--sort-by", ".lastTimestamp"]).split("\n").slice(-25).join("\n"),
    tail(["logs", "-n", FL_NAMESPACE, "deployment/fl-flower-server", "--tail", "30"]),
    tail(["logs", "-n", FL_NAMESPACE, "deployment/fl-model-server", "--all-containers", "--tail", "30"]),
    ...CLIENTS.map((c) => tail(["logs", "-n", FL_NAMESPACE, `job/fl-${c.id}`, "--all-containers", "--tail", "20"])),
  ].join("\n");
}

/** A POST of `body` to `url` (retried for `seconds` while nothing answers), parsed. */
async function postJson(url: string, body: unknown, seconds = 90): Promise<{ status: number; json: any }> {
  let last: unknown;
  for (let i = 0; i < seconds / 3; i++) {
    try {
      const r = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
      return { status: r.status, json: await r.json() };
    } catch (e) {
      last = e;
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
  throw new Error(`POST ${url}: no answer within ${seconds} s (${String(last)})`);
}

describe("federated learning in a virtual cluster of real vNodes", () => {
  test("pulumi up: two inner nodes Ready, each with the vk8s-fl image imported from the site mirror", () => {
    const up = must(step(cluster, "clusterUp", ["up", "--yes", "--skip-preview", "--json"]), "pulumi up (cluster)");
    innerKubeconfig = path.join(env.state, "inner.kubeconfig");
    fs.writeFileSync(innerKubeconfig, cluster.outputs(true).kubeconfig, { mode: 0o600 });
    const nodes = real.waitInnerNodesReady(innerKubeconfig, 180);
    expect(nodes.map((n) => [n.name, n.ready]).sort()).toEqual([["master", "True"], ["worker-1", "True"]]);
    for (const n of nodes) expect(n.images).toContain(image);
    for (const [urn, { start, end }] of commandSpans(engineEvents(up.stdout))) {
      const id = urn.replace(/^.*::/, "");
      if (/-(02-kubeadm-init|06-join-worker-\d+)$/.test(id)) measures[`step ${id} incl. fl-tf import (s)`] = end - start;
    }
  });

  test("pulumi up of the FL program: FederatedLearning through the cluster's kubeconfig, server and clients as pods on the inner nodes", () => {
    flUpStarted = Date.now();
    must(step(fl, "flUp", ["up", "--yes", "--skip-preview", "--json"]), "pulumi up (FederatedLearning)");
    flOutputs = fl.outputs();
    expect(flOutputs.predictUrl).toBe(`http://127.0.0.1:${PREDICT_PORT}/v1/models/fl-model:predict`);
    expect(flOutputs.storagePrefix).toBe(`${GROUP}/${PROJECT}`);
    expect(flOutputs.namespace).toBe(FL_NAMESPACE);
    // The objects are in the virtual cluster, not in the host cluster.
    const hostNamespaces = kubectlJson(env.hostKubeconfig, ["get", "namespaces"]).items.map((n: any) => n.metadata.name);
    expect(hostNamespaces).not.toContain(FL_NAMESPACE);

    // Where each pod runs (the scheduler places the Jobs' pods at once; bounded wait).
    let placed: Record<string, string> = {};
    for (let i = 0; i < 60; i++) {
      placed = Object.fromEntries(innerJson(["get", "pods", "-n", FL_NAMESPACE]).items
        .filter((p: any) => p.spec.nodeName)
        .map((p: any) => [p.metadata.labels["job-name"] ?? p.metadata.labels["app.kubernetes.io/component"], p.spec.nodeName]));
      if (Object.keys(placed).length >= 4) break;
      sleep(1);
    }
    expect(placed).toMatchObject({ "flower-server": "master", "model-server": "master", "fl-client-0": "master", "fl-client-1": "worker-1" });
    const server = innerJson(["get", "pods", "-n", FL_NAMESPACE, "-l", "app.kubernetes.io/component=flower-server"]).items;
    expect(server.map((p: any) => p.status.phase)).toEqual(["Running"]);
  });

  test(`${ROUNDS} FedAvg rounds of EfficientNetB0 stored at {group}/{project}/{round}, each the example-weighted mean of the clients' updates`, () => {
    if (!flOutputs.predictUrl) throw new Error("the FL program is not up (see the test before)");
    const master = real.vNodeRoot(env, "quickstart-master-0");
    const worker = real.vNodeRoot(env, "quickstart-worker-1-0");
    const roundDir = (r: number) => path.join(master, HOST_DIR, "volume/models", GROUP, PROJECT, String(r));
    let done: { succeeded: number; failed: number }[] = [];
    const deadline = Date.now() + ROUNDS_TIMEOUT_S * 1000;
    while (Date.now() < deadline) {
      done = CLIENTS.map((c) => innerJson(["get", "job", "-n", FL_NAMESPACE, `fl-${c.id}`]).status).map((s: any) => ({ succeeded: s.succeeded ?? 0, failed: s.failed ?? 0 }));
      if (done.some((d) => d.failed > 0)) throw new Error(`a client Job failed:\n${describeFl()}`);
      const stuck = stuckPods(FL_NAMESPACE);
      if (stuck) throw new Error(`a pod cannot run: ${stuck}\n${describeFl()}`);
      if (!firstRoundStored && fs.existsSync(path.join(roundDir(1), "meta.json"))) {
        firstRoundStored = true;
        measures["pulumi up (FL) -> round 1 stored (s)"] = (fs.statSync(path.join(roundDir(1), "meta.json")).mtimeMs - flUpStarted) / 1000;
      }
      if (done.every((d) => d.succeeded === 1)) break;
      sleep(10);
    }
    if (!done.every((d) => d.succeeded === 1)) throw new Error(`the clients did not finish within ${ROUNDS_TIMEOUT_S} s:\n${describeFl()}`);
    timings.roundsAfterFlUp = (Date.now() - flUpStarted) / 1000;

    // Measures from the clients' own logs: "<id> round <r>: trained on <n> examples in <s>s".
    for (const c of CLIENTS) {
      const out = inner(["logs", "-n", FL_NAMESPACE, `job/fl-${c.id}`, "-c", "client"]);
      logs.push(out);
      for (const m of out.matchAll(/(client-\d+) round (\d+): trained on (\d+) examples in ([\d.]+)s/g)) {
        measures[`${m[1]} round ${m[2]}: seconds (${m[3]} examples)`] = Number(m[4]);
      }
    }

    // The volume and the captured updates, as the inner nodes hold them.
    const check = path.join(env.state, "fl-check");
    fs.rmSync(check, { recursive: true, force: true });
    fs.mkdirSync(path.join(check, "capture"), { recursive: true });
    fs.cpSync(path.join(master, HOST_DIR, "volume"), path.join(check, "volume"), { recursive: true });
    for (const root of [master, worker]) fs.cpSync(path.join(root, HOST_DIR, "capture"), path.join(check, "capture"), { recursive: true });
    const stored = fs.readdirSync(path.join(check, "volume/models", GROUP, PROJECT)).sort();
    expect(stored).toEqual(Array.from({ length: ROUNDS }, (_, i) => String(i + 1)));

    const report = JSON.parse(execFileSync("docker", ["run", "--rm", "--network", "none", "-v", `${check}:/s:ro`, image, "python", "-c", WEIGHTED_MEAN_CHECK,
      `/s/volume/models/${GROUP}/${PROJECT}`, "/s/capture", String(ROUNDS)], { encoding: "utf8", timeout: 600_000, maxBuffer: 16 * 1024 * 1024 }));
    console.log(`stored rounds: ${JSON.stringify(report, null, 1)}`);
    for (const [i, r] of report.rounds.entries()) {
      expect(r.round).toBe(i + 1);
      expect(r.meta).toMatchObject({ round: i + 1, num_clients: CLIENTS.length, num_examples: CLIENTS.reduce((s, c) => s + c.examples, 0) });
      expect(r.clients).toEqual(CLIENTS.map((c) => [c.id, c.examples]));
      expect(r.layers).toBeGreaterThan(0);
      expect(r.layers).toBe(r.capturedLayers);
      expect(r.notWeightedMean).toEqual([]);
      // The check can tell: the clients' updates differ, and weighting them by examples matters.
      expect(r.maxUpdateDifference).toBeGreaterThan(1e-4);
      expect(r.maxWeightedVsUnweighted).toBeGreaterThan(1e-5);
    }
    measures.parameters = report.rounds[0].parameters;
    measures["model size in memory (MB, float32)"] = Math.round(report.rounds[0].parameters * 4 / 1e4) / 100;
    measures["stored weights.npz (MB)"] = Math.round(fs.statSync(path.join(check, "volume/models", GROUP, PROJECT, "1/weights.npz")).size / 1e4) / 100;
  });

  test("the model server answers POST /v1/models/<name>:predict from the host through its NodePort, probabilities summing to 1", async () => {
    if (!firstRoundStored) throw new Error("no round was stored: nothing to serve (see the test before)");
    let ready = false;
    for (let i = 0; i < 60 && !ready; i++) {
      const pods = innerJson(["get", "pods", "-n", FL_NAMESPACE, "-l", "app.kubernetes.io/component=model-server"]).items;
      ready = pods.some((p: any) => p.status.conditions?.some((c: any) => c.type === "Ready" && c.status === "True"));
      if (!ready) sleep(5);
    }
    if (!ready) throw new Error(`the model server is not Ready after 300 s:\n${describeFl()}`);
    // Three CIFAR-shaped images (32x32x3 pixels in [0, 255]), deterministic.
    const pixels = (k: number) => Array.from({ length: 32 }, (_, y) => Array.from({ length: 32 }, (_, x) => [0, 1, 2].map((c) => (x * 7 + y * 13 + c * 29 + k * 31) % 256)));
    const body = { instances: [0, 1, 2].map(pixels) };
    const workerIp = real.vNodePods(env).find((p) => p.name === "quickstart-worker-1-0")!.ip;
    const routes: [string, string][] = [
      ["the host NodePort (predictUrl)", flOutputs.predictUrl],
      ["the worker vNode's inner NodePort", `http://${workerIp}:${PREDICT_PORT}/v1/models/fl-model:predict`],
    ];
    for (const [route, url] of routes) {
      const t = Date.now();
      const { status, json } = await postJson(url, body);
      measures[`first predict via ${route} (s)`] = (Date.now() - t) / 1000;
      expect([url, status]).toEqual([url, 200]);
      expect(json.predictions).toHaveLength(3);
      for (const row of json.predictions) {
        expect(row).toHaveLength(10);
        expect(Math.min(...row)).toBeGreaterThanOrEqual(0);
        expect(Math.abs(row.reduce((s: number, p: number) => s + p, 0) - 1)).toBeLessThan(1e-5);
      }
    }
  });

  test("pulumi destroy of both stacks leaves nothing in the virtual cluster or on the host node", () => {
    // The cluster is destroyed whatever happened before: its kubelet then removes the vNodes'
    // volumes (GBs of inner images), which stopping the host node alone leaves on disk.
    try {
      must(step(fl, "flDestroy", ["destroy", "--yes", "--skip-preview"]), "pulumi destroy (FederatedLearning)");
      if (!innerKubeconfig) throw new Error("the cluster never came up (see the first test): nothing to check inside it");
      const namespaces = innerJson(["get", "namespaces"]).items.map((n: any) => n.metadata.name);
      expect(namespaces).not.toContain(FL_NAMESPACE);
      expect(innerJson(["get", "persistentvolumes"]).items).toEqual([]);
    } finally {
      must(step(cluster, "clusterDestroy", ["destroy", "--yes", "--skip-preview"]), "pulumi destroy (cluster)");
    }
    expect(kubectlJson(env.hostKubeconfig, ["get", "namespaces"]).items.map((n: any) => n.metadata.name)).not.toContain(NS);
    expect(real.waitNoContainers(env, NS, 180)).toBe("");
    expect(real.podMountsLeft(env)).toEqual([]);
  });
});

test("no secret appears in the command output", () => {
  const all = logs.join("\n");
  expect(all).not.toContain(PASSWORD);
  expect(all).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
  expect(all).not.toContain("client-key-data");
});

/**
 * Run in the vk8s-fl image (numpy), network none: argv ROUNDS_DIR CAPTURE_DIR N. For each
 * round: the stored weights against the example-weighted mean of the captured updates
 * (`round-<r>/<client>.npz`: layer_000.., num_examples), as JSON.
 */
const WEIGHTED_MEAN_CHECK = `import json
import sys
from pathlib import Path

import numpy as np

rounds_dir, capture, n = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
out = []
for r in range(1, n + 1):
    stored = np.load(rounds_dir / str(r) / "weights.npz")
    meta = json.loads((rounds_dir / str(r) / "meta.json").read_text())
    paths = sorted((capture / f"round-{r:03d}").glob("*.npz"))
    updates = [np.load(p) for p in paths]
    k = [int(u["num_examples"]) for u in updates]
    layers = [f for f in stored.files if f.startswith("layer_")]
    bad, diff, unweighted, spread = [], 0.0, 0.0, 0.0
    for layer in layers:
        arrays = [u[layer].astype(np.float64) for u in updates]
        mean = sum(a * w for a, w in zip(arrays, k)) / sum(k)
        got = stored[layer].astype(np.float64)
        if got.shape != mean.shape or not np.allclose(got, mean, rtol=1e-5, atol=1e-6):
            bad.append(layer)
            continue
        diff = max(diff, float(np.max(np.abs(got - mean), initial=0)))
        unweighted = max(unweighted, float(np.max(np.abs(mean - sum(arrays) / len(arrays)), initial=0)))
        spread = max(spread, float(np.max(np.abs(arrays[0] - arrays[-1]), initial=0)))
    out.append({"round": r, "meta": meta, "clients": [[p.stem, c] for p, c in zip(paths, k)],
                "layers": len(layers), "capturedLayers": len([f for f in updates[0].files if f.startswith("layer_")]) if updates else 0,
                "parameters": int(sum(stored[f].size for f in layers)), "notWeightedMean": bad,
                "maxAbsDifference": diff, "maxWeightedVsUnweighted": unweighted, "maxUpdateDifference": spread})
print(json.dumps({"rounds": out}))
`;
