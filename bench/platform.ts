/**
 * Scale benchmark of a platform stack (mock runtime, no assertions): program evaluation
 * time and resources registered for 1, 10 and 50 users, with and without the bootstrap.
 *
 *   npx ts-node -P tsconfig.json --transpile-only bench/platform.ts [users...]
 *
 * Columns:
 *   pure ms/user  our pure code once per user: planPlatform() (validation, port allocation,
 *                 tenant objects) + renderHostObjects() + planBootstrap() when on
 *   eval ms       wall time from `new Vk8sPlatform` until the mock monitor received the
 *                 last registration (nothing new for IDLE_MS); the program's whole work
 *   cpu ms        process CPU time over the same span (user + system)
 *   ms/user       eval ms / users
 *   resources     registrations the monitor received
 *   heap MB       heap used after the run (after a GC when node runs with --expose-gc)
 *
 * With the bootstrap on, each user's dex password is bcrypt-hashed (cost 10, on purpose
 * slow): the `bcrypt ms` line measures one hash so it can be told apart from our own code.
 *
 * Most of the rest is the Pulumi SDK: every promise it makes captures `new Error().stack`
 * (runtime/debuggable.js), and under ts-node each stack is source-mapped. Set
 * VK8S_BENCH_NO_STACKS=1 to run with `Error.stackTraceLimit = 0` and see that share.
 * The real-engine tier (`pulumi preview`) is not run here (no provider plugin or host cluster).
 */
if (process.env.VK8S_BENCH_NO_STACKS === "1") Error.stackTraceLimit = 0;
import * as pulumi from "@pulumi/pulumi";
import { performance } from "node:perf_hooks";
import { Vk8sPlatform, type Vk8sPlatformUser } from "../components/platform";
import { hashDexPassword } from "../src/bootstrap/password";
import { planBootstrap } from "../src/bootstrap/plan";
import { planPlatform } from "../src/platform/plan";
import { renderHostObjects } from "../src/render/host";
import type { PlatformSettings } from "../src/platform/types";

/** Registrations quiet for this long: the program is done. */
const IDLE_MS = 150;

let registered = 0;
let lastRegistration = 0;
pulumi.runtime.setMocks({
  newResource(args) {
    registered++;
    lastRegistration = performance.now();
    const state = args.type.startsWith("command:") ? { ...args.inputs, stdout: "", stderr: "" }
      : args.type === "pulumi-nodejs:dynamic/vk8s:DexPasswordSalt" ? { ...args.inputs, salt: "$2b$10$BenchBenchBenchBenchBe" }
      : args.type.startsWith("pulumi-nodejs:dynamic") ? { ...args.inputs, publicKeyOpenssh: "ssh-ed25519 AAAAbench vk8s", privateKeyPem: "bench-key-0123456789abcdef0123456789abcdef" }
        : args.inputs;
    return { id: `${args.name}-id`, state };
  },
  call: (args) => args.inputs,
}, "bench", "bench", false);

const SETTINGS: PlatformSettings = {
  hostCidrs: ["10.42.0.0/16", "10.43.0.0/16"],
  defaults: { quota: { cpu: "32", memory: "128Gi", gpus: 2, storage: "500Gi" }, storage: { size: "50Gi" } },
};

/** `count` users alternating Kubeflow 1.3 and 1.4, a master and a worker each, every fifth worker with a GPU. */
function users(count: number): Vk8sPlatformUser[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `user-${String(i).padStart(3, "0")}`;
    const size = { requests: { cpu: "4", memory: "16Gi" }, limits: { cpu: "8", memory: "32Gi" } };
    return {
      name,
      kubeflowPassword: pulumi.secret(`bench-password-${i}`),
      cluster: {
        nodes: [
          { name: "master", role: "master" as const, resources: size },
          { name: "worker", role: "worker" as const, resources: i % 5 === 0 ? { ...size, limits: { ...size.limits, "nvidia.com/gpu": 1 } } : size },
        ],
        kubernetes: { version: "1.20" },
        kubeflow: { version: i % 2 === 0 ? "v1.3.0" : "v1.4.0", email: `${name}@example.com` },
      },
    };
  });
}

async function settled(): Promise<void> {
  for (;;) {
    await new Promise((r) => setTimeout(r, 25));
    if (performance.now() - lastRegistration > IDLE_MS) return;
  }
}

interface Row { users: number; bootstrap: boolean; pureMs: number; evalMs: number; cpuMs: number; resources: number; heapMb: number }

async function run(count: number, bootstrap: boolean): Promise<Row> {
  const input = users(count);
  const t0 = performance.now();
  for (const tenant of planPlatform(input, SETTINGS).tenants) {
    renderHostObjects(tenant.cluster, tenant.hostRender);
    if (bootstrap) planBootstrap(tenant.cluster, {});
  }
  const pureMs = performance.now() - t0;
  await settled();
  const before = registered;
  const cpu = process.cpuUsage();
  const start = performance.now();
  lastRegistration = start;
  new Vk8sPlatform(`bench-${count}-${bootstrap ? "on" : "off"}`, { users: input, settings: SETTINGS, bootstrap: bootstrap ? {} : false });
  await settled();
  const evalMs = lastRegistration - start;
  const used = process.cpuUsage(cpu);
  (globalThis as { gc?: () => void }).gc?.();
  return {
    users: count, bootstrap, pureMs, evalMs, cpuMs: (used.user + used.system) / 1000,
    resources: registered - before, heapMb: process.memoryUsage().heapUsed / 2 ** 20,
  };
}

function table(rows: Row[]): string {
  const head = ["users", "bootstrap", "eval ms", "cpu ms", "ms/user", "pure ms/user", "resources", "res/user", "heap MB"];
  const body = rows.map((r) => [
    String(r.users), r.bootstrap ? "on" : "off", r.evalMs.toFixed(0), r.cpuMs.toFixed(0),
    (r.evalMs / r.users).toFixed(1), (r.pureMs / r.users).toFixed(2), String(r.resources), (r.resources / r.users).toFixed(1), r.heapMb.toFixed(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join("  ");
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

async function main(): Promise<void> {
  const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const sizes = counts.length > 0 ? counts : [1, 10, 50];
  // Warm-up: module loading and JIT are not per-user costs.
  await run(1, true);
  const rows: Row[] = [];
  for (const bootstrap of [false, true]) for (const n of sizes) rows.push(await run(n, bootstrap));
  const h0 = performance.now();
  hashDexPassword("bench-password", "$2b$10$BenchBenchBenchBenchBe");
  const bcryptMs = performance.now() - h0;
  const stacks = Error.stackTraceLimit === 0 ? "stack traces off" : "stack traces on";
  console.log(`vk8s platform benchmark (mock runtime, ${stacks}), node ${process.version}`);
  console.log(table(rows));
  console.log(`bcrypt ms (one dex password hash, cost 10, included in bootstrap=on): ${bcryptMs.toFixed(1)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
