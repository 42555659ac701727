/**
 * Bounded failures on the real engine: an unreachable vNode fails its first step within
 * the dial bound with a clear message; a Kubeflow apply that never succeeds stops after
 * its bounded retries with the last error.
 */
import * as path from "path";
import { localBootstrap, REPO, startEnv, startVNodes, stopEnv, Stack, type Env } from "./harness";

let env: Env;
beforeAll(() => { env = startEnv(); });
afterAll(() => { if (env) stopEnv(env); });

test("an unreachable vNode fails within the configured dial bound", () => {
  const stack = new Stack(env, "unreachable");
  stack.init({
    clusterName: "unreachable",
    // Nothing listens on port 1 of the loopback address.
    ssh: { nodeEndpoints: { master: { host: "127.0.0.1", port: 1 } }, dialErrorLimit: 2, perDialTimeout: 2 },
    awaitVNodes: "false",
    bootstrap: localBootstrap(env, "v1.8-shape", "3.2.0"),
  }, { kubeflowPassword: "e2e-unreachable-Passw0rd" });
  const up = stack.withConfig(["up", "--yes", "--skip-preview"]);
  console.log(`unreachable vNode: pulumi up failed after ${up.seconds}s`);
  expect(up.code).not.toBe(0);
  // dialErrorLimit counts tolerated failures, as in pulumi-command: 2 means 3 attempts.
  expect(`${up.stdout}\n${up.stderr}`).toMatch(/unable to reach root@127\.0\.0\.1:1 after 3 attempts/);
  // Host objects are created first; the bound is on the SSH step: 2 dials of at most 2 s.
  expect(up.seconds).toBeLessThan(240);
  // What was created before the failure is destroyed cleanly (and frees NodePort 30000).
  expect(stack.withConfig(["destroy", "--yes", "--skip-preview"]).code).toBe(0);
});

test("a Kubeflow apply that never succeeds stops after its bounded retries", () => {
  const ports = startVNodes(env, "broken", ["master"]);
  const stack = new Stack(env, "broken");
  const bootstrap = {
    ...localBootstrap(env, "v1.8-shape", "3.2.0"),
    kubeflowSource: { kind: "local", path: path.join(REPO, "test/e2e/fixtures/kubeflow-broken") },
    apply: { attempts: 3, backoffSeconds: 1, maxBackoffSeconds: 2, timeoutSeconds: 120 },
  };
  stack.init({
    clusterName: "broken",
    ssh: { nodeEndpoints: { master: { host: "127.0.0.1", port: ports.master } }, dialErrorLimit: 3, perDialTimeout: 5 },
    awaitVNodes: "false",
    bootstrap,
  }, { kubeflowPassword: "e2e-broken-Passw0rd-77" });
  const up = stack.withConfig(["up", "--yes", "--skip-preview"]);
  console.log(`never-succeeding apply: pulumi up failed after ${up.seconds}s`);
  expect(up.code).not.toBe(0);
  const text = `${up.stdout}\n${up.stderr}`;
  expect(text).toContain("kubeflow apply: attempt 3/3 failed, no attempts left");
  expect(text).toContain("does-not-exist.yaml");
});
