/**
 * The Kubeflow 1.9 line on the real engine: Kubernetes 1.29 picked by the matrix, the
 * login hash in secret `dex-passwords` (not the dex config map), kustomize 5.2.1.
 */
import * as bcrypt from "bcryptjs";
import * as fs from "fs";
import * as path from "path";
import { kubectlJson, localBootstrap, must, startEnv, startVNodes, stopEnv, Stack, type Env } from "./harness";

const PASSWORD = "e2e-kf19-Passw0rd-3e8a";
let env: Env;
let stack: Stack;

beforeAll(() => {
  env = startEnv();
  const ports = startVNodes(env, "kf19", ["master"]);
  stack = new Stack(env, "kf19");
  stack.init({
    clusterName: "kf19",
    kubeflowVersion: "v1.9.1",
    ssh: { nodeEndpoints: { master: { host: "127.0.0.1", port: ports.master } } },
    awaitVNodes: "false",
    bootstrap: localBootstrap(env, "v1.9-shape", "5.2.1"),
  }, { kubeflowPassword: PASSWORD });
});

afterAll(() => { if (env) stopEnv(env); });

test("Kubeflow 1.9 installs on Kubernetes 1.29 with the login hash in secret dex-passwords", () => {
  must(stack.withConfig(["up", "--yes", "--skip-preview"]), "up");
  const out = stack.outputs(true);
  expect(out.kubernetesVersion).toMatch(/^1\.29\./);
  const kc = path.join(env.state, "kf19.kubeconfig");
  fs.writeFileSync(kc, out.kubeconfig, { mode: 0o600 });
  const secret = kubectlJson(kc, ["-n", "auth", "get", "secret", "dex-passwords"]);
  const hash = Buffer.from(secret.data.DEX_USER_PASSWORD, "base64").toString("utf8");
  expect(bcrypt.compareSync(PASSWORD, hash)).toBe(true);
  must(stack.withConfig(["destroy", "--yes", "--skip-preview"]), "destroy");
});
