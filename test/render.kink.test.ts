/**
 * The kink image (images/kink) cannot be built here (no container engine), so these tests
 * keep its files in step with the pod vk8s renders: paths, ports, the init hook.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GPU_ENV_FILE, GPU_LIST_FILE } from "../src/render/gpu";
import { KINK_INIT, VNODE_BOOT_DIR, VNODE_SSH_DIR, VNODE_SSH_PORT, VNODE_STATE_PATHS } from "../src/render/vnode";

const kink = (file: string) => readFileSync(join(__dirname, "..", "images", "kink", file), "utf8");

describe("images/kink", () => {
  const readme = kink("README.md");
  const dockerfile = kink("Dockerfile");

  it.each([KINK_INIT, VNODE_BOOT_DIR, `${VNODE_SSH_DIR}/authorized_keys`, GPU_LIST_FILE, GPU_ENV_FILE, ...Object.values(VNODE_STATE_PATHS)])(
    "README names %s",
    (path) => expect(readme).toContain(`\`${path}`),
  );

  it("Dockerfile installs the init hook where the start script execs it, pinned by KUBERNETES_VERSION", () => {
    expect(dockerfile).toContain(`COPY --chmod=0755 start ${KINK_INIT}\n`);
    expect(dockerfile).toMatch(/^ARG KUBERNETES_VERSION$/m);
    expect(dockerfile).toContain('https://dl.k8s.io/release/v${KUBERNETES_VERSION}/bin/linux/${TARGETARCH}');
    expect(dockerfile).toContain("NOT BUILT ON THE vk8s DEVELOPMENT MACHINES");
  });

  it("sshd listens on the vNode ssh port and reads the mounted authorized_keys", () => {
    const sshd = kink("files/sshd-vk8s.conf");
    expect(sshd).toMatch(new RegExp(`^Port ${VNODE_SSH_PORT}$`, "m"));
    expect(sshd).toContain(`AuthorizedKeysCommand /usr/bin/cat ${VNODE_SSH_DIR}/authorized_keys\n`);
    expect(sshd).toMatch(/^PasswordAuthentication no$/m);
  });

  it("containerd reads the env file the GPU isolation writes", () => {
    expect(kink("files/containerd-vk8s.conf")).toContain(`EnvironmentFile=-${GPU_ENV_FILE}\n`);
  });

  it("the start hook configures the NVIDIA runtime only when GPUs were kept", () => {
    expect(kink("start")).toContain(`if [ -s ${GPU_LIST_FILE} ]; then`);
  });

  const found = spawnSync("shellcheck", ["--version"]).status === 0;
  if (!found) console.warn("SKIPPED shellcheck of images/kink/start: shellcheck is not installed (apt-get install -y shellcheck)");
  it(found ? "start passes shellcheck -s sh" : "start (SKIPPED: shellcheck not installed)", () => {
    if (!found) return;
    const result = spawnSync("shellcheck", ["-s", "sh", "-"], { input: kink("start"), encoding: "utf8" });
    expect(result.stdout).toBe("");
    expect(result.status).toBe(0);
  });
});
