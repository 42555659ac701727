/**
 * Arguments that arrive as Outputs of other resources, on the real engine: a stack feeds
 * `hostAddress` and the master's memory limit from `local.Command` stdout
 * (test/e2e/fixtures/inputs). Good values reach the StatefulSet and the endpoints; a bad
 * one is refused with the field, the rule and the fix before the namespace exists.
 */
import * as path from "path";
import { kubectl, kubectlJson, must, readable, REPO, startEnv, stopEnv, Stack, type Env } from "./harness";

const PROGRAM = path.join(REPO, "test/e2e/fixtures/inputs");
let env: Env;
beforeAll(() => { env = startEnv(); });
afterAll(() => { if (env) stopEnv(env); });

function namespaceExists(): boolean {
  return kubectl(env.hostKubeconfig, ["get", "namespaces", "-o", "name"]).split("\n").includes("namespace/vk8s-inputs");
}

test("a bad hostAddress from a command's stdout is refused before the namespace exists", () => {
  const stack = new Stack(env, "inputs-bad", PROGRAM);
  stack.init({ hostAddress: "not an address!", memoryLimit: "4Gi" }, { kubeflowPassword: "e2e-inputs-Passw0rd-5b" });
  const up = stack.withConfig(["up", "--yes", "--skip-preview"]);
  const output = `${readable(up.stdout)}\n${up.stderr}`;
  console.log(`bad Output: pulumi up failed after ${up.seconds}s`);
  expect(up.code).not.toBe(0);
  expect(output).toContain('hostAddress: "not an address!" is not an IPv4 address or DNS name (give a host node\'s address, e.g. 10.1.2.3 or node-1.example.com)');
  expect(namespaceExists()).toBe(false);
  const state = JSON.parse(stack.exportState());
  const types = (state.deployment?.resources ?? []).map((r: { type: string }) => r.type);
  expect(types).toContain("command:local:Command"); // the values' sources ran
  expect(types.filter((t: string) => t.startsWith("kubernetes:"))).toEqual([]);
  must(stack.withConfig(["destroy", "--yes", "--skip-preview"]), "destroy");
});

test("good Outputs: hostAddress into the endpoint, the memory limit into the vNode StatefulSet", () => {
  const stack = new Stack(env, "inputs-good", PROGRAM);
  stack.init({ hostAddress: "10.11.12.13", memoryLimit: "6Gi" }, { kubeflowPassword: "e2e-inputs-Passw0rd-5b" });
  const up = must(stack.withConfig(["up", "--yes", "--skip-preview"]), "up");
  console.log(`good Outputs: pulumi up took ${up.seconds}s`);
  expect(namespaceExists()).toBe(true);
  const sts = kubectlJson(env.hostKubeconfig, ["-n", "vk8s-inputs", "get", "statefulset", "inputs-master"]);
  expect(sts.spec.template.spec.containers[0].resources.limits.memory).toBe("6Gi");
  expect(stack.outputs().sshEndpoint).toMatch(/^ssh:\/\/vk8s@10\.11\.12\.13:\d+$/);
  must(stack.withConfig(["destroy", "--yes", "--skip-preview"]), "destroy");
});
