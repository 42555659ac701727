/**
 * `pulumi preview` wall time of the platform program on the real engine (the toolchain
 * and a local host control plane), for 1 and 10 users, bootstrap on. Prints numbers;
 * asserts nothing. Run: npm run bench:engine (needs tools/toolchain.sh built).
 */
import * as path from "path";
import { must, REPO, startEnv, stopEnv, Stack } from "../test/e2e/harness";

function user(i: number) {
  return {
    name: `user-${i}`,
    cluster: {
      nodes: [{ name: "master", role: "master", resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } } }],
      kubernetes: { podNetworkCidr: "80.244.0.0/16", serviceCidr: "80.96.0.0/12" },
      kubeflow: { version: "v1.4.0", email: `user-${i}@example.com` },
    },
    quota: { cpu: "8", memory: "32Gi", gpus: 0, storage: "100Gi" },
  };
}

const env = startEnv();
try {
  console.log("users | preview wall s | per user s");
  for (const n of [1, 10]) {
    const stack = new Stack(env, `bench-${n}`, path.join(REPO, "examples/platform"));
    stack.init({ users: Array.from({ length: n }, (_, i) => user(i + 1)), awaitVNodes: "false" });
    for (let i = 1; i <= n; i++) {
      must(stack.withConfig(["config", "set", "--secret", "--path", `kubeflowPasswords.user-${i}`, `bench-Passw0rd-${i}-x`]), "password");
    }
    const r = must(stack.withConfig(["preview"]), "preview");
    console.log(`${String(n).padStart(5)} | ${r.seconds.toFixed(1).padStart(14)} | ${(r.seconds / n).toFixed(2).padStart(10)}`);
  }
} finally {
  stopEnv(env);
}
