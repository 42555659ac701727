/**
 * Issue 16 on real vNodes: faults done to a running virtual cluster (master + one worker, node
 * state on claims of the host's default StorageClass, the local environment's `vk8s-local`),
 * and what vk8s does about them:
 *   - a deleted master vNode pod comes back on its claim (new pod IP: node-address.sh
 *     re-addresses it), the inner nodes turn Ready again, an object made before is still there,
 *     and `pulumi preview` has nothing to do;
 *   - the inner kube-apiserver and containerd killed inside the master: it recovers by itself;
 *   - a worker whose state is lost (claim and pod deleted): `health` says so, `pulumi preview`
 *     shows the re-bootstrap of exactly that node, `pulumi up` does it, `health` is Ready again;
 *   - a worker cut off the network, then `pulumi destroy`: it ends, and leaves no object, pod,
 *     container, mount or process.
 * Times are printed (measures), never asserted; the waits are bounds, so a fault that does not
 * heal fails the test instead of hanging it.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { commandSpans, engineEvents, kubectl, kubectlJson, must, Stack, stopEnv, withoutDebugLines, type Env, type Run } from "../e2e/harness";
import * as real from "./vcluster";
import { NS } from "./vcluster";

const PASSWORD = "fault-Tier-Passw0rd-81d2";
const API_NODE_PORT = 31645;
const MASTER_POD = "quickstart-master-0";
const WORKER_POD = "quickstart-worker-1-0";
let env: Env;
let stack: Stack;
let inner = "";
/** The local environment's bootstrap options (test/localenv/bootstrap-options.sh). */
let bootstrap: any;
const measures: Record<string, number | string> = {};
const logs: string[] = [];

function pulumi(args: string[], what: string, timeoutMs = 1_800_000): Run {
  const r = stack.withConfig(args, timeoutMs);
  logs.push(args.includes("--json") ? withoutDebugLines(r.stdout) : r.stdout, r.stderr);
  return must(r, what);
}

/** Polls `check` every 2 s until it returns true, at most `seconds`; returns the seconds it took. */
function waitFor(what: string, seconds: number, check: () => boolean): number {
  const started = Date.now();
  for (;;) {
    let ok = false;
    try { ok = check(); } catch { ok = false; }
    if (ok) return (Date.now() - started) / 1000;
    if (Date.now() - started > seconds * 1000) throw new Error(`${what}: not within ${seconds} s`);
    execFileSync("sleep", ["2"]);
  }
}

/** kubectl with its stderr kept out of the test output (polls fail on purpose while a fault heals). */
function quiet(kubeconfig: string, args: string[]): string {
  return execFileSync("kubectl", ["--kubeconfig", kubeconfig, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
}

const hostPod = (name: string): any => kubectlJson(env.hostKubeconfig, ["get", "pod", "-n", NS, name]);
const podReady = (p: any) => (p.status.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True");
function innerReady(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of JSON.parse(quiet(inner, ["get", "nodes", "--request-timeout=5s", "-o", "json"])).items) {
    out[n.metadata.name] = n.status.conditions.find((c: any) => c.type === "Ready")?.status;
  }
  return out;
}
const allReady = () => { const r = innerReady(); return r.master === "True" && r["worker-1"] === "True"; };

/** The vNode container of a host pod, as the host node's containerd knows it. */
function vNodeContainer(pod: string): string {
  return crictl(["ps", "-q", "--label", `io.kubernetes.pod.name=${pod}`, "--label", "io.kubernetes.container.name=vnode"]).trim().split("\n")[0];
}
const crictl = (args: string[]) => real.crictl(env, args);

/** Step ids a `pulumi preview --json` would create, replace or update (reads and sames left out). */
function plannedSteps(json: string): string[] {
  const steps: any[] = JSON.parse(json).steps ?? [];
  return [...new Set(steps.filter((s) => !["same", "read", "refresh"].includes(s.op) && s.urn.includes("command:remote:Command"))
    .map((s) => s.urn.replace(/^.*::quickstart-/, "")))].sort();
}

/** Step ids whose command a `pulumi up --json` ran (created, replaced or updated; unchanged ones left out). */
function ranSteps(stdout: string): string[] {
  const ran = new Set<string>();
  for (const e of engineEvents(stdout)) {
    const m = e.resourcePreEvent?.metadata;
    if (m && m.urn.includes("command:remote:Command") && !["same", "read", "refresh", "delete", "delete-replaced"].includes(m.op)) ran.add(m.urn.replace(/^.*::quickstart-/, ""));
  }
  return [...ran].sort();
}

/** The `health` output after a `refresh --run-program` (the program reads it live). */
function liveHealth(): any {
  pulumi(["refresh", "--run-program", "--yes", "--skip-preview"], "pulumi refresh --run-program");
  return stack.outputs().health;
}

beforeAll(() => {
  const started = real.startRealEnv();
  env = started.env;
  bootstrap = started.bootstrap;
  stack = real.quickstartStack(env, "faults", {
    kubeflowVersion: "26.03",
    kubernetesVersion: "1.34",
    workers: "1",
    nodeResources: { requests: { cpu: "250m", memory: "1Gi" }, limits: { cpu: "2", memory: "6Gi" } },
    apiServerNodePort: String(API_NODE_PORT),
    bootstrap,
  }, PASSWORD);
}, 1_800_000);

afterAll(() => {
  if (!env) return;
  const down = stopEnv(env);
  console.log(`fault measures (s): ${JSON.stringify(measures, null, 1)}\ndown: exit ${down.code}\n${down.stderr.slice(-1500)}`);
  if (process.env.VK8S_FAULT_MEASURES) fs.writeFileSync(process.env.VK8S_FAULT_MEASURES, JSON.stringify(measures, null, 2));
}, 600_000);

describe("faults on a virtual cluster of real vNodes", () => {
  test("a first up whose Kubeflow step fails, then the fixed input: the next up runs exactly the failed step and what follows", () => {
    const bad = { ...bootstrap, kubeflowSource: { kind: "mirror", url: bootstrap.kubeflowSource.url.replace(/\.tar\.gz$/, "-missing.tar.gz") } };
    must(stack.withConfig(["config", "set", "bootstrap", JSON.stringify(bad)]), "config set bootstrap (a missing Kubeflow archive)");
    const failed = stack.withConfig(["up", "--yes", "--skip-preview", "--json"], 1_800_000);
    logs.push(withoutDebugLines(failed.stdout), failed.stderr);
    expect(failed.code).not.toBe(0);
    expect(failed.stdout).toContain("-missing.tar.gz failed");
    measures.failedUpSeconds = failed.seconds;
    // Commands that finished (the engine's outputs event) before the update stopped at 08.
    const succeeded = [...commandSpans(engineEvents(failed.stdout)).keys()].map((u) => u.replace(/^.*::quickstart-/, ""));
    expect(succeeded).toEqual(expect.arrayContaining(["01-wait-master", "02-kubeadm-init", "04-flannel"]));
    expect(succeeded).not.toContain("08-kubeflow");
    must(stack.withConfig(["config", "set", "bootstrap", JSON.stringify(bootstrap)]), "config set bootstrap (fixed)");
    const up = pulumi(["up", "--yes", "--skip-preview", "--json"], "pulumi up (fixed input)");
    measures.fixedUpSeconds = up.seconds;
    const ran = ranSteps(up.stdout);
    // Exactly what had not succeeded: the failed step, what follows it, and what the stop left out.
    expect(ran.filter((id) => succeeded.includes(id))).toEqual([]);
    expect(ran).toEqual(expect.arrayContaining(["08-kubeflow", "09-dex-login", "10-expose", "11-status"]));
    expect([...new Set([...succeeded, ...ran])].sort()).toEqual([
      "01-wait-master", "02-kubeadm-init", "03-kubeconfig", "04-flannel", "05-join-token-worker-1", "06-join-worker-1",
      "06-join-worker-1-cleanup", "08-kubeflow", "09-dex-login", "10-expose", "11-status",
    ]);
    console.log(`failed up finished ${succeeded.join(" ")}; the fixed up ran ${ran.join(" ")}`);
  });

  test("up: node state on claims of the host's default StorageClass, both inner nodes Ready, health Ready", () => {
    inner = path.join(env.state, "inner.kubeconfig");
    fs.writeFileSync(inner, stack.outputs(true).kubeconfig, { mode: 0o600 });
    const claims = kubectlJson(env.hostKubeconfig, ["get", "pvc", "-n", NS]).items;
    expect(claims.map((c: any) => [c.metadata.name, c.status.phase, c.spec.storageClassName]).sort()).toEqual([
      [`vnode-data-${MASTER_POD}`, "Bound", "vk8s-local"], [`vnode-data-${WORKER_POD}`, "Bound", "vk8s-local"],
    ]);
    measures.workerReadyAfterUp = waitFor("both inner nodes Ready", 180, allReady);
    const health = liveHealth();
    expect(health.status).toBe("Ready");
    expect(health.nodes).toEqual([{ name: "master", ready: "True" }, { name: "worker-1", ready: "True" }]);
    expect(health.vNodes.map((v: any) => [v.pod, v.phase, v.ready])).toEqual([[MASTER_POD, "Running", true], [WORKER_POD, "Running", true]]);
    kubectl(inner, ["create", "configmap", "fault-probe", "-n", "default", "--from-literal=made=before-the-faults"]);
  });

  test("a deleted master vNode pod comes back on its claim with a new IP: Ready again, its objects kept, nothing to re-run", () => {
    const before = hostPod(MASTER_POD);
    kubectl(env.hostKubeconfig, ["delete", "pod", "-n", NS, MASTER_POD, "--wait=true", "--timeout=180s"]);
    const started = Date.now();
    waitFor("a new master vNode pod Ready", 300, () => { const p = hostPod(MASTER_POD); return p.metadata.uid !== before.metadata.uid && podReady(p); });
    const after = hostPod(MASTER_POD);
    console.log(`master vNode pod IP ${before.status.podIP} -> ${after.status.podIP}`);
    waitFor("the inner API server answering", 300, () => quiet(inner, ["get", "--raw=/readyz", "--request-timeout=5s"]).trim() === "ok");
    waitFor("both inner nodes Ready", 300, allReady);
    measures.masterPodRecreatedToReady = (Date.now() - started) / 1000;
    expect(kubectlJson(inner, ["get", "configmap", "-n", "default", "fault-probe"]).data).toEqual({ made: "before-the-faults" });
    const masterNode = kubectlJson(inner, ["get", "node", "master"]);
    expect(masterNode.status.addresses.find((a: any) => a.type === "InternalIP").address).toBe(after.status.podIP);
    const preview = pulumi(["preview", "--expect-no-changes"], "preview --expect-no-changes after the pod came back");
    measures.previewSeconds = preview.seconds;
  });

  test("kube-apiserver and containerd killed inside the master vNode: it recovers by itself", () => {
    const id = vNodeContainer(MASTER_POD);
    const started = Date.now();
    crictl(["exec", id, "pkill", "-x", "containerd"]);
    crictl(["exec", id, "pkill", "-f", "^kube-apiserver "]);
    waitFor("the inner API server answering again", 300, () => quiet(inner, ["get", "--raw=/readyz", "--request-timeout=5s"]).trim() === "ok");
    waitFor("both inner nodes Ready", 300, allReady);
    measures.apiServerAndContainerdKilledToReady = (Date.now() - started) / 1000;
    expect(crictl(["exec", id, "pgrep", "-x", "containerd"]).trim()).toMatch(/^[0-9]+$/);
    expect(kubectlJson(inner, ["get", "configmap", "-n", "default", "fault-probe"]).data.made).toBe("before-the-faults");
  });

  test("a worker whose state is lost: health says so, preview shows the re-bootstrap of that node only, up does it", () => {
    const claim = `vnode-data-${WORKER_POD}`;
    const oldClaim = kubectlJson(env.hostKubeconfig, ["get", "pvc", "-n", NS, claim]).metadata.uid;
    kubectl(env.hostKubeconfig, ["delete", "pvc", "-n", NS, claim, "--wait=false"]);
    kubectl(env.hostKubeconfig, ["delete", "pod", "-n", NS, WORKER_POD, "--wait=true", "--timeout=180s"]);
    waitFor("a new claim for the worker", 300, () => {
      const c = kubectlJson(env.hostKubeconfig, ["get", "pvc", "-n", NS, claim]);
      return c.metadata.uid !== oldClaim && c.status.phase === "Bound";
    });
    waitFor("the new worker vNode pod Ready", 300, () => podReady(hostPod(WORKER_POD)));
    // The fresh vNode has no kubelet: the inner node it was turns NotReady (node-monitor-grace-period).
    waitFor("inner worker-1 not Ready", 180, () => innerReady()["worker-1"] !== "True");
    const before = liveHealth();
    expect(before.status).toBe("Degraded");
    expect(before.nodes.find((n: any) => n.name === "worker-1").ready).not.toBe("True");

    const preview = pulumi(["preview", "--json"], "pulumi preview");
    expect(plannedSteps(preview.stdout)).toEqual(["05-join-token-worker-1", "06-join-worker-1"]);
    const up = pulumi(["up", "--yes", "--skip-preview", "--json"], "pulumi up (re-bootstrap of worker-1)");
    expect(ranSteps(up.stdout)).toEqual(["05-join-token-worker-1", "06-join-worker-1"]);
    measures.workerRebootstrapUpSeconds = up.seconds;
    measures.workerReadyAfterRebootstrap = waitFor("both inner nodes Ready", 180, allReady);
    const after = liveHealth();
    expect(after.status).toBe("Ready");
    expect(after.nodes).toEqual([{ name: "master", ready: "True" }, { name: "worker-1", ready: "True" }]);
  });

  test("a worker cut off the network, then pulumi destroy: it ends and leaves no object, pod, container, mount or process", () => {
    const id = vNodeContainer(WORKER_POD);
    const pid = JSON.parse(crictl(["inspect", id])).info.pid;
    // Every packet into the worker's network namespace is dropped, but loopback: no SSH, no kubelet.
    execFileSync("nsenter", ["-t", String(pid), "-n", "iptables", "-I", "INPUT", "!", "-i", "lo", "-j", "DROP"]);
    waitFor("inner worker-1 not Ready", 180, () => innerReady()["worker-1"] !== "True");
    const shims = () => spawnSync("pgrep", ["-f", `containerd-shim.*-address ${env.state}/hostnode/containerd.sock`], { encoding: "utf8" }).stdout.trim();
    const destroy = pulumi(["destroy", "--yes", "--skip-preview"], "pulumi destroy with an unreachable worker", 900_000);
    measures.destroyUnreachableWorkerSeconds = destroy.seconds;
    expect(kubectlJson(env.hostKubeconfig, ["get", "namespaces"]).items.map((n: any) => n.metadata.name)).not.toContain(NS);
    expect(real.waitNoContainers(env, NS, 180)).toBe("");
    waitFor("no pod sandbox of the cluster left", 120, () => crictl(["pods", "--namespace", NS, "-q"]).trim() === "");
    expect(real.podMountsLeft(env)).toEqual([]);
    expect(shims()).toBe("");
    const listing = must(stack.run(["stack", "--show-urns"]), "pulumi stack");
    expect(listing.stdout).not.toContain("command:remote:Command");
  });
});

test("no secret appears in the command output", () => {
  const all = logs.join("\n");
  expect(all).not.toContain(PASSWORD);
  expect(all).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
  expect(all).not.toContain("client-key-data");
});
