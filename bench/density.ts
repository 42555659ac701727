/**
 * Density benchmark (issue 16): how many single-node virtual clusters this machine carries.
 * Brings up 1, 2, 3... virtual clusters of one master vNode each (the quickstart program,
 * Kubeflow 26.03 with the local environment's stand-in images, Kubernetes 1.34) on the local
 * host node, one stack after another, until one is not Ready within the timeout or the limit
 * is reached; prints per cluster the time to Ready (`pulumi up` end to end) and, once all are
 * up, the memory of each idle vNode (cgroup usage, page cache included) and the host's free
 * memory. Prints numbers, asserts nothing. Everything is destroyed at the end.
 *   npm run bench:density [-- --max N] [--timeout SECONDS]
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { kubectlJson, REPO, startEnv, Stack, stopEnv } from "../test/e2e/harness";

const { values } = parseArgs({ options: { max: { type: "string", default: "8" }, timeout: { type: "string", default: "900" } } });
const max = Number(values.max);
const timeoutSeconds = Number(values.timeout);
const LOCALENV = path.join(REPO, "test/localenv");
const sh = (args: string[]) => execFileSync("bash", args, { encoding: "utf8", timeout: 900_000, maxBuffer: 64 * 1024 * 1024 });

function memoryMiB(hostKubeconfig: string, namespace: string): number | undefined {
  const pod = kubectlJson(hostKubeconfig, ["get", "pods", "-n", namespace, "-l", "vnode"]).items[0];
  if (!pod) return undefined;
  const found = execFileSync("sh", ["-c", `find /sys/fs/cgroup/memory/vk8s-host/kubepods -maxdepth 3 -type d -name 'pod${pod.metadata.uid}' | head -1`], { encoding: "utf8" }).trim();
  return found ? Math.round(Number(fs.readFileSync(`${found}/memory.usage_in_bytes`, "utf8")) / 1048576) : undefined;
}

const availableMiB = () => Math.round(Number(/MemAvailable:\s+(\d+)/.exec(fs.readFileSync("/proc/meminfo", "utf8"))![1]) / 1024);

function main(): void {
  process.env.VK8S_HOST_PVS = String(max + 2);
  const env = startEnv();
  const stacks: Stack[] = [];
  const rows: { cluster: string; readySeconds?: number; result: string }[] = [];
  try {
    sh([path.join(LOCALENV, "hostnode.sh"), "up", env.state]);
    sh([path.join(LOCALENV, "mirror.sh"), env.state, "v1.9-shape"]);
    const bootstrap = JSON.parse(sh([path.join(LOCALENV, "bootstrap-options.sh"), env.state, "v1.9-shape"]));
    console.log(`density: host memory available before: ${availableMiB()} MiB; up to ${max} clusters, ${timeoutSeconds} s each`);
    for (let i = 1; i <= max; i++) {
      const name = `d${i}`;
      const stack = new Stack(env, name, path.join(REPO, "examples/quickstart"));
      stack.init({
        clusterName: name, kubeflowVersion: "26.03", kubernetesVersion: "1.34", workers: "0", kubeflowNodePort: String(30000 + i),
        nodeResources: { requests: { cpu: "100m", memory: "512Mi" }, limits: { cpu: "2", memory: "4Gi" } },
        bootstrap,
      }, { kubeflowPassword: "density-Passw0rd-1" });
      stacks.push(stack);
      const up = stack.withConfig(["up", "--yes", "--skip-preview"], timeoutSeconds * 1000);
      const ok = up.code === 0;
      rows.push({ cluster: name, readySeconds: ok ? Math.round(up.seconds) : undefined, result: ok ? "Ready" : `not Ready within ${timeoutSeconds} s (exit ${up.code})` });
      console.log(`density: cluster ${i}: ${rows[rows.length - 1].result}${ok ? ` in ${Math.round(up.seconds)} s` : ""}; host memory available ${availableMiB()} MiB`);
      if (!ok) break;
    }
    console.log("\ndensity: cluster | pulumi up to Ready (s) | idle vNode memory (MiB)");
    for (const row of rows) console.log(`  ${row.cluster} | ${row.readySeconds ?? row.result} | ${memoryMiB(env.hostKubeconfig, `vk8s-${row.cluster}`) ?? "-"}`);
    console.log(`density: reached ${rows.filter((r) => r.result === "Ready").length} Ready cluster(s); host memory available ${availableMiB()} MiB; load ${fs.readFileSync("/proc/loadavg", "utf8").trim()}`);
  } finally {
    for (const stack of stacks.reverse()) stack.withConfig(["destroy", "--yes", "--skip-preview"], 900_000);
    stopEnv(env);
  }
}

main();
