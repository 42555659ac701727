/**
 * GPU isolation (reference, section 5): the resources and env of a vNode, and the
 * isolation script run for real against a fake /dev of a host with 2 GPUs.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gpuEnv, renderGpuIsolationScript, vNodeResources } from "../src/render/gpu";
import { renderNodeAddressScript, renderVNodeStartScript } from "../src/render/vnode";
import type { ResolvedNode } from "../src/cluster/resolved";
import { gpuCluster } from "./fixtures/clusters";

const worker = gpuCluster.nodes[1];

describe("vNodeResources", () => {
  it.each<[string, Partial<ResolvedNode>, object]>([
    ["N in requests and limits", { gpus: 2, requests: { cpu: "1", "nvidia.com/gpu": "2" }, limits: { "nvidia.com/gpu": "2" } },
      { requests: { cpu: "1", "nvidia.com/gpu": "2" }, limits: { "nvidia.com/gpu": "2" } }],
    ["N in limits only", { gpus: 1, requests: { cpu: "1" }, limits: { cpu: "2", "nvidia.com/gpu": "1" } },
      { requests: { cpu: "1" }, limits: { cpu: "2", "nvidia.com/gpu": "1" } }],
    ["the count from gpus, whatever the maps say", { gpus: 1, requests: { "nvidia.com/gpu": "3" }, limits: { "nvidia.com/gpu": "3" } },
      { requests: { "nvidia.com/gpu": "1" }, limits: { "nvidia.com/gpu": "1" } }],
    ["no GPU key when N is 0", { gpus: 0, requests: { cpu: "1", "nvidia.com/gpu": "0" }, limits: { "nvidia.com/gpu": "0" } },
      { requests: { cpu: "1" }, limits: {} }],
  ])("%s", (_, fields, expected) => {
    expect(vNodeResources({ ...worker, ...fields })).toEqual(expected);
  });

  it("does not change the node it reads", () => {
    const node = { ...worker, gpus: 0 };
    vNodeResources(node);
    expect(node.limits["nvidia.com/gpu"]).toBe("2");
  });
});

describe("gpuEnv", () => {
  it.each<[number, object[]]>([
    [0, [{ name: "VK8S_EXPECTED_GPUS", value: "0" }, { name: "NVIDIA_VISIBLE_DEVICES", value: "void" }]],
    [2, [{ name: "VK8S_EXPECTED_GPUS", value: "2" }, { name: "NVIDIA_DRIVER_CAPABILITIES", value: "all" }]],
  ])("for %i GPU(s)", (gpus, env) => {
    expect(gpuEnv({ ...worker, gpus })).toEqual(env);
  });
});

// ---- the script, run for real ------------------------------------------------------------

const GPU_A = "GPU-aaaaaaaa-1111-2222-3333-444444444444";
const GPU_B = "GPU-bbbbbbbb-1111-2222-3333-444444444444";
const HOST_GPUS = [
  { bus: "0000:00:1e.0", uuid: GPU_A, minor: 0 },
  { bus: "0000:00:1f.0", uuid: GPU_B, minor: 1 },
];
const NON_GPU_NODES = ["nvidia-modeset", "nvidia-uvm", "nvidia-uvm-tools", "nvidiactl"];

interface FakeHost {
  root: string;
  dev: string;
  proc: string;
  mounts: string;
  cfg: string;
}

/** A host with 2 GPUs as the vNode sees it: /dev nodes, the driver's /proc list, no mounts. */
function fakeHost(opts: { procGpus?: typeof HOST_GPUS | null; devMinors?: number[] } = {}): FakeHost {
  const root = mkdtempSync(join(tmpdir(), "vk8s-gpu-"));
  const host = { root, dev: join(root, "dev"), proc: join(root, "proc-gpus"), mounts: join(root, "nvidia-container-devices"), cfg: join(root, "etc-vk8s") };
  mkdirSync(join(host.dev, "nvidia-caps"), { recursive: true });
  for (const n of [...(opts.devMinors ?? [0, 1]).map((m) => `nvidia${m}`), ...NON_GPU_NODES]) writeFileSync(join(host.dev, n), "");
  for (const g of opts.procGpus === undefined ? HOST_GPUS : opts.procGpus ?? []) {
    mkdirSync(join(host.proc, g.bus), { recursive: true });
    writeFileSync(join(host.proc, g.bus, "information"),
      `Model: \t\t Tesla V100-SXM2-16GB\nIRQ: \t\t 42\nGPU UUID: \t ${g.uuid}\nVideo BIOS: \t 88.00.4f.00.09\nBus Type: \t PCIe\nBus Location: \t ${g.bus}\nDevice Minor: \t ${g.minor}\n`);
  }
  return host;
}

function run(script: string, host: FakeHost, env: Record<string, string>) {
  const file = join(host.root, "script.sh");
  writeFileSync(file, script);
  const result = spawnSync("sh", [file], {
    encoding: "utf8",
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      VK8S_DEV_ROOT: host.dev,
      VK8S_PROC_GPUS_DIR: host.proc,
      VK8S_NVIDIA_DEVICES_DIR: host.mounts,
      VK8S_CONFIG_DIR: host.cfg,
      VK8S_RUN_DIR: join(host.root, "run"),
      VK8S_MASK_PROC: "0",
      ...env,
    },
  });
  return { status: result.status, stderr: result.stderr };
}

const gpuNodesLeft = (host: FakeHost) => readdirSync(host.dev).filter((n) => /^nvidia[0-9]+$/.test(n)).sort();

const hosts: FakeHost[] = [];
function newHost(opts?: Parameters<typeof fakeHost>[0]): FakeHost {
  const h = fakeHost(opts);
  hosts.push(h);
  return h;
}
afterAll(() => hosts.forEach((h) => rmSync(h.root, { recursive: true, force: true })));

describe("renderGpuIsolationScript on a fake host with 2 GPUs", () => {
  it.each<[string, Record<string, string>, string[], string]>([
    ["1 GPU by UUID", { VK8S_EXPECTED_GPUS: "1", NVIDIA_VISIBLE_DEVICES: GPU_B }, ["nvidia1"], GPU_B],
    ["1 GPU by index", { VK8S_EXPECTED_GPUS: "1", NVIDIA_VISIBLE_DEVICES: "0" }, ["nvidia0"], GPU_A],
    ["2 GPUs by UUID", { VK8S_EXPECTED_GPUS: "2", NVIDIA_VISIBLE_DEVICES: `${GPU_B},${GPU_A}` }, ["nvidia0", "nvidia1"], `${GPU_B},${GPU_A}`],
    ["no GPU, no allocation", { VK8S_EXPECTED_GPUS: "0" }, [], "void"],
    ["no GPU, image says all", { VK8S_EXPECTED_GPUS: "0", NVIDIA_VISIBLE_DEVICES: "all" }, [], "void"],
  ])("%s: keeps only the allocated /dev/nvidiaN and records them", (_, env, left, visible) => {
    const host = newHost();
    const { status, stderr } = run(renderGpuIsolationScript(), host, env);
    expect(stderr).toContain(`kept ${left.length} GPU(s) [${visible}]`);
    expect(status).toBe(0);
    expect(gpuNodesLeft(host)).toEqual(left);
    for (const n of NON_GPU_NODES) expect(existsSync(join(host.dev, n))).toBe(true);
    expect(existsSync(join(host.dev, "nvidia-caps"))).toBe(true);
    expect(readFileSync(join(host.cfg, "gpu.env"), "utf8")).toBe(`NVIDIA_VISIBLE_DEVICES=${visible}\n`);
    expect(readFileSync(join(host.cfg, "gpus"), "utf8")).toBe(visible === "void" ? "" : `${visible.split(",").join("\n")}\n`);
  });

  it("reads the allocation from the device plugin's mounts (volume-mounts strategy)", () => {
    const host = newHost();
    mkdirSync(host.mounts);
    writeFileSync(join(host.mounts, GPU_B), "");
    const { status } = run(renderGpuIsolationScript(), host, { VK8S_EXPECTED_GPUS: "1", NVIDIA_VISIBLE_DEVICES: host.mounts });
    expect(status).toBe(0);
    expect(gpuNodesLeft(host)).toEqual(["nvidia1"]);
  });

  it("maps UUIDs with nvidia-smi when the driver's /proc list is absent", () => {
    const host = newHost({ procGpus: null });
    const bin = join(host.root, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "nvidia-smi"), `#!/bin/sh\nprintf '0, ${GPU_A}, 00000000:00:1E.0\\n1, ${GPU_B}, 00000000:00:1F.0\\n'\n`);
    chmodSync(join(bin, "nvidia-smi"), 0o755);
    const { status } = run(renderGpuIsolationScript(), host, { VK8S_EXPECTED_GPUS: "1", NVIDIA_VISIBLE_DEVICES: GPU_A, PATH: `${bin}:${process.env.PATH}` });
    expect(status).toBe(0);
    expect(gpuNodesLeft(host)).toEqual(["nvidia0"]);
  });

  it.each<[string, boolean]>([
    ["wants to mask /proc when it lists unallocated GPUs", true],
    ["leaves /proc alone when the host runtime already masked it", false],
  ])("%s", (_, listsBoth) => {
    const host = newHost({ procGpus: listsBoth ? HOST_GPUS : [HOST_GPUS[1]] });
    const { status, stderr } = run(renderGpuIsolationScript(), host, { VK8S_EXPECTED_GPUS: "1", NVIDIA_VISIBLE_DEVICES: GPU_B });
    expect(status).toBe(0);
    expect(stderr.includes(`not masking ${host.proc} (VK8S_MASK_PROC=0)`)).toBe(listsBoth);
  });

  const fix = "(check the vNode's nvidia.com/gpu limit and that the host's NVIDIA device plugin runs on this node)";
  it.each<[string, Record<string, string>, string]>([
    ["fewer GPUs allocated than expected", { VK8S_EXPECTED_GPUS: "2", NVIDIA_VISIBLE_DEVICES: GPU_A },
      `expected 2 GPU(s) (VK8S_EXPECTED_GPUS) but the host allocated 1 from NVIDIA_VISIBLE_DEVICES='${GPU_A}' ${fix}`],
    ["no allocation at all", { VK8S_EXPECTED_GPUS: "1" },
      `expected 1 GPU(s) (VK8S_EXPECTED_GPUS) but the host allocated 0 from NVIDIA_VISIBLE_DEVICES='' ${fix}`],
    ["a UUID the host does not have", { VK8S_EXPECTED_GPUS: "1", NVIDIA_VISIBLE_DEVICES: "GPU-zzz" },
      "device 'GPU-zzz' from NVIDIA_VISIBLE_DEVICES='GPU-zzz' is not one of the 2 GPU(s) of this host (check the host's NVIDIA device plugin and driver)"],
    ["a MIG device", { VK8S_EXPECTED_GPUS: "1", NVIDIA_VISIBLE_DEVICES: "MIG-1234" },
      "device 'MIG-1234' from NVIDIA_VISIBLE_DEVICES='MIG-1234' is neither a GPU UUID nor an index (give the vNode whole GPUs: MIG devices are not supported)"],
    ["no expected count", {},
      "VK8S_EXPECTED_GPUS='' is not a whole number (set it to the vNode's nvidia.com/gpu limit)"],
  ])("fails loudly on %s and hides nothing", (_, env, message) => {
    const host = newHost();
    const { status, stderr } = run(renderGpuIsolationScript(), host, env);
    expect(status).toBe(1);
    expect(stderr).toBe(`vk8s gpu isolation: ERROR: ${message}\n`);
    expect(gpuNodesLeft(host)).toEqual(["nvidia0", "nvidia1"]);
    expect(existsSync(join(host.cfg, "gpus"))).toBe(false);
  });

  it("fails when the allocated device node is missing from /dev", () => {
    const host = newHost({ devMinors: [0] });
    const { status, stderr } = run(renderGpuIsolationScript(), host, { VK8S_EXPECTED_GPUS: "1", NVIDIA_VISIBLE_DEVICES: GPU_B });
    expect(status).toBe(1);
    expect(stderr).toContain(`ERROR: 0 GPU device node(s) left in ${host.dev}, expected 1 (the host runtime did not expose the allocated /dev/nvidiaN: check the host's NVIDIA container toolkit)`);
  });
});

describe("renderVNodeStartScript", () => {
  function boot(host: FakeHost): Record<string, string> {
    const dir = join(host.root, "boot");
    mkdirSync(dir);
    writeFileSync(join(dir, "gpu-isolation.sh"), renderGpuIsolationScript());
    writeFileSync(join(dir, "node-address.sh"), renderNodeAddressScript());
    const init = join(host.root, "init");
    writeFileSync(init, `#!/bin/sh\necho "init $$ NVIDIA_VISIBLE_DEVICES=$NVIDIA_VISIBLE_DEVICES" > "${host.root}/init.out"\n`);
    chmodSync(init, 0o755);
    // node-address.sh reads its record under VK8S_STATE_ROOT: an empty one (a fresh node).
    return { VK8S_BOOT_DIR: dir, VK8S_INIT: init, VK8S_STATE_ROOT: join(host.root, "node-state") };
  }

  it("runs the isolation, then execs the init with the allocation exported", () => {
    const host = newHost();
    const { status, stderr } = run(renderVNodeStartScript(), host, { ...boot(host), VK8S_EXPECTED_GPUS: "1", NVIDIA_VISIBLE_DEVICES: GPU_A });
    expect(status).toBe(0);
    expect(stderr).not.toContain("vk8s: ");
    expect(readFileSync(join(host.root, "init.out"), "utf8")).toMatch(new RegExp(`^init [0-9]+ NVIDIA_VISIBLE_DEVICES=${GPU_A}\\n$`));
    expect(gpuNodesLeft(host)).toEqual(["nvidia0"]);
  });

  it("never starts the init when the isolation fails", () => {
    const host = newHost();
    const { status } = run(renderVNodeStartScript(), host, { ...boot(host), VK8S_EXPECTED_GPUS: "2", NVIDIA_VISIBLE_DEVICES: GPU_A });
    expect(status).toBe(1);
    expect(existsSync(join(host.root, "init.out"))).toBe(false);
  });
});

describe("shellcheck", () => {
  const found = spawnSync("shellcheck", ["--version"]).status === 0;
  if (!found) {
    // Visible in the test output: the scripts were not linted on this machine.
    console.warn("SKIPPED shellcheck of vNode scripts: shellcheck is not installed (apt-get install -y shellcheck)");
  }
  it.each<[string, () => string]>([
    ["gpu-isolation.sh", renderGpuIsolationScript],
    ["start.sh", renderVNodeStartScript],
  ])(found ? "%s passes shellcheck -s sh" : "%s (SKIPPED: shellcheck not installed)", (_, render) => {
    if (!found) return;
    const result = spawnSync("shellcheck", ["-s", "sh", "-"], { input: render(), encoding: "utf8" });
    expect(result.stdout).toBe("");
    expect(result.status).toBe(0);
  });

  // The real-container check (run by the real tier, test/real/gpu-isolation.real.test.ts) and
  // the one prepared for a GPU machine.
  it.each(["gpu-isolation.sh", "gpu-device.sh"])(found ? "test/real/%s passes shellcheck -s bash" : "test/real/%s (SKIPPED: shellcheck not installed)", (file) => {
    if (!found) return;
    const result = spawnSync("shellcheck", ["-s", "bash", join(__dirname, "real", file)], { encoding: "utf8" });
    expect(result.stdout).toBe("");
    expect(result.status).toBe(0);
  });
});
