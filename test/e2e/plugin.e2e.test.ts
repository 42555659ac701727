/**
 * The plugin package (plugin/) through the real CLI: `pulumi package get-schema plugin` starts
 * it with the Node.js language host's RunPlugin and prints the schema; with the YAML language
 * host on PATH, a YAML program (fixtures/plugin-yaml) creates a cluster's host objects through
 * it. tools/toolchain.sh builds the YAML host (pulumi-language-yaml v1.25.0); the test is skipped,
 * saying so, only where the toolchain reported it unavailable (VK8S_TOOLCHAIN_MISSING), and fails
 * when the host is simply not on PATH.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { kubectlJson, must, REPO, startEnv, stopEnv, Stack, type Env } from "./harness";

const yamlHost = !(process.env.VK8S_TOOLCHAIN_MISSING ?? "").split(/\s+/).includes("pulumi-language-yaml");
if (!yamlHost) console.warn("tools/toolchain.sh reported pulumi-language-yaml unavailable (VK8S_TOOLCHAIN_MISSING): the YAML program test is skipped");

test("pulumi package get-schema plugin prints vk8s:index:Vk8sCluster", () => {
  const r = spawnSync("pulumi", ["package", "get-schema", path.join(REPO, "plugin")], {
    cwd: REPO, encoding: "utf8", timeout: 300_000,
    env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true" },
  });
  if (r.status !== 0) throw new Error(`get-schema failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  const schema = JSON.parse(r.stdout);
  expect([schema.name, schema.version]).toEqual(["vk8s", "0.1.0"]);
  expect(schema.resources["vk8s:index:Vk8sCluster"]).toMatchObject({ isComponent: true, requiredInputs: expect.arrayContaining(["nodes", "kubeflow"]) });
});

describe("a YAML program", () => {
  let env: Env;
  beforeAll(() => { if (yamlHost) env = startEnv(); });
  afterAll(() => { if (env) stopEnv(env); });

  (yamlHost ? test : test.skip)("creates a virtual cluster's host objects through the plugin package", () => {
    expect(spawnSync("sh", ["-c", "command -v pulumi-language-yaml"], { encoding: "utf8" }).stdout).toContain("pulumi-language-yaml");
    const stack = new Stack(env, "plugin-yaml", path.join(REPO, "test/e2e/fixtures/plugin-yaml"));
    stack.init({}, { kubeflowPassword: "yaml-Test-Passw0rd-8b2e" });
    must(stack.withConfig(["up", "--yes", "--skip-preview"]), "up");
    expect(stack.outputs().namespace).toBe("vk8s-team-y");
    expect(kubectlJson(env.hostKubeconfig, ["-n", "vk8s-team-y", "get", "statefulsets"]).items.map((s: any) => s.metadata.name)).toEqual(["team-y-master"]);
    must(stack.withConfig(["destroy", "--yes"]), "destroy");
  });
});
