/**
 * GPU isolation at a real container start (reference, section 5): runs
 * test/real/gpu-isolation.sh, which starts the kink image with docker, with the command, env and
 * boot ConfigMap vk8s renders, on a fake host of 4 GPUs (mknod'ed /dev/nvidiaN, a fake
 * /proc/driver/nvidia tree, a fake device-plugin allocation; the script's header says exactly
 * what is faked) and checks what stays visible inside. Skipped, with the reason printed, where
 * docker, root or the kink image is missing.
 */
import { spawnSync } from "child_process";
import * as path from "path";

const REPO = path.join(__dirname, "../..");
const SCRIPT = path.join(REPO, "test/real/gpu-isolation.sh");

function missing(): string | undefined {
  if (process.getuid?.() !== 0) return "not root (mknod needs CAP_MKNOD)";
  const docker = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { encoding: "utf8" });
  if (docker.error || docker.status !== 0) return `docker does not answer (${docker.error?.message ?? docker.stderr.trim()})`;
  const minor = /^KUBERNETES_VERSION=(\d+\.\d+)/m.exec(spawnSync("cat", [path.join(REPO, "tools/toolchain.sh")], { encoding: "utf8" }).stdout)?.[1];
  const image = process.env.VK8S_KINK_IMAGE ?? `ghcr.io/vk8s/kink:v${minor}`;
  if (spawnSync("docker", ["image", "inspect", image]).status !== 0) return `image ${image} is missing (scripts/images.sh build)`;
  return undefined;
}

const reason = missing();
if (reason) console.warn(`SKIPPED GPU isolation in a real container: ${reason}`);

(reason ? describe.skip : describe)("GPU isolation at a real vNode container start (4 fake GPUs)", () => {
  let run: { status: number | null; out: string };
  beforeAll(() => {
    const r = spawnSync("bash", [SCRIPT], { encoding: "utf8", timeout: 300_000, maxBuffer: 16 * 1024 * 1024 });
    run = { status: r.status, out: `${r.stdout}${r.stderr}` };
    console.log(run.out);
  });

  it("passes every check and leaves no container behind", () => {
    expect(run.out).not.toContain("FAIL");
    expect(run.out).toMatch(/PASS: \d+ checks/);
    expect(run.status).toBe(0);
  });

  it.each([
    ["by UUID", "uuid", "nvidia0 nvidia1", "0000:3b:00.0 0000:af:00.0"],
    ["by index", "index", "nvidia2 nvidia3", "0000:18:00.0 0000:86:00.0"],
    ["by the device plugin's mounts", "mounts", "nvidia0 nvidia2", "0000:18:00.0 0000:3b:00.0"],
  ])("2 of 4 allocated %s: only their /dev/nvidiaN and /proc entries stay", (_, name, devs, buses) => {
    expect(run.out).toMatch(new RegExp(`gpu-iso-\\d+-${name}: /dev: nvidia-modeset nvidia-uvm nvidia-uvm-tools ${devs} nvidiactl; /proc/driver/nvidia/gpus: ${buses}\\n`));
  });

  it("the master (no GPU) hides all four and its image's init runs", () => {
    expect(run.out).toMatch(/gpu-iso-\d+-master: \/dev: nvidia-modeset nvidia-uvm nvidia-uvm-tools nvidiactl; \/proc\/driver\/nvidia\/gpus: \n/);
    expect(run.out).toContain("vk8s gpu isolation: kept 0 GPU(s) [void]; removed [nvidia0 nvidia1 nvidia2 nvidia3]");
  });

  it("a count mismatch stops the container with the isolation's message", () => {
    expect(run.out).toContain("vk8s gpu isolation: ERROR: expected 2 GPU(s) (VK8S_EXPECTED_GPUS) but the host allocated 1 from NVIDIA_VISIBLE_DEVICES=");
  });
});
