/**
 * The vk8s policy pack (policy/) inside the real engine: `pulumi preview --policy-pack policy`
 * runs it through the Node.js language host's RunPlugin (how Pulumi 3.274 starts a Node.js
 * policy pack), the platform program passes, and a program with a privileged pod outside a
 * vNode namespace is refused with the policy's message before anything is created.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { kubectlJson, must, readable, REPO, startEnv, stopEnv, Stack, type Env } from "./harness";

const POLICY = path.join(REPO, "policy");
let env: Env;

beforeAll(() => {
  if (!fs.existsSync(path.join(POLICY, "node_modules/@pulumi/policy"))) {
    execFileSync("npm", ["ci", "--prefix", POLICY, "--no-audit", "--no-fund"], { stdio: "inherit", timeout: 600_000 });
  }
  env = startEnv();
});

afterAll(() => { if (env) stopEnv(env); });

test("the language host stand-in's plugin tests pass (go test)", () => {
  const r = execFileSync("bash", [path.join(REPO, "tools/standins/gotest.sh"), "langhost-nodejs", "--", "-v"], { encoding: "utf8", timeout: 600_000 });
  for (const t of ["TestPluginCommand", "TestRunPluginStreamsOutputAndExitCode", "TestRunPluginComponentProvider", "TestRunPluginWithoutPulumiInstalled", "TestMissingDependencies"]) {
    expect(r).toContain(`--- PASS: ${t} `);
  }
});

test("the platform program (examples/platform) passes the policy pack in pulumi preview", () => {
  const stack = new Stack(env, "policy-good", path.join(REPO, "examples/platform"));
  stack.init({ awaitVNodes: "false" });
  for (const [u, p] of [["user-a", "policy-Good-Passw0rd-3e1d"], ["user-b", "policy-Good-Passw0rd-77a0"]]) {
    must(stack.withConfig(["config", "set", "--secret", "--path", `kubeflowPasswords.${u}`, p]), "password");
  }
  const r = must(stack.withConfig(["preview", "--policy-pack", POLICY]), "preview with the policy pack");
  // The CLI lists the packs it ran; a pack that did not start fails the preview.
  expect(r.stdout).toContain("vk8s@v0.1.0");
  expect(r.stdout).not.toContain("[mandatory]");
});

/**
 * Recorded behaviour, not a wish: the lone quickstart cluster has no quota, limit range or
 * default-deny policy, so the mandatory tenant-isolation policy refuses it (its message points
 * to Vk8sPlatform).
 */
test("the quickstart program (a cluster outside a platform) is refused by vk8s-tenant-isolation", () => {
  const stack = new Stack(env, "policy-quickstart");
  stack.init({ awaitVNodes: "false" }, { kubeflowPassword: "policy-Good-Passw0rd-3e1d" });
  const r = stack.withConfig(["preview", "--policy-pack", POLICY]);
  expect(r.code).not.toBe(0);
  expect(r.stdout).toContain("tenant namespace vk8s-quickstart lacks a ResourceQuota, a LimitRange, a default-deny NetworkPolicy");
});

test("a privileged pod outside a vNode namespace is refused with the policy's message, and nothing is created", () => {
  const stack = new Stack(env, "policy-bad", path.join(REPO, "test/e2e/fixtures/policy-bad"));
  stack.init({});
  const r = stack.withConfig(["up", "--yes", "--policy-pack", POLICY]);
  const output = `${readable(r.stdout)}\n${r.stderr}`;
  expect(r.code).not.toBe(0);
  expect(output).toContain("vk8s-privileged-only-vnodes");
  expect(output).toContain("Pod default/debug runs privileged container(s) shell but is not a vk8s vNode (drop securityContext.privileged)");
  expect(kubectlJson(env.hostKubeconfig, ["-n", "default", "get", "pods"]).items).toEqual([]);
  const state = JSON.parse(stack.exportState());
  expect((state.deployment?.resources ?? []).map((res: { type: string }) => res.type).filter((t: string) => t.startsWith("kubernetes:"))).toEqual([]);
});
