/**
 * The kink image (images/kink): its files kept in step with the pod vk8s renders (paths,
 * ports, the init hook), its scripts linted, and the runc wrapper run for real. The image
 * itself is built by scripts/images.sh and run by test/real/kink-smoke.sh (docker, root).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GPU_ENV_FILE, GPU_LIST_FILE } from "../src/render/gpu";
import { KINK_INIT, VNODE_BOOT_DIR, VNODE_SSH_DIR, VNODE_SSH_PORT, VNODE_STATE_PATHS } from "../src/render/vnode";

const repo = join(__dirname, "..");
const kink = (file: string) => readFileSync(join(repo, "images", "kink", file), "utf8");

describe("images/kink", () => {
  const readme = kink("README.md");
  const dockerfile = kink("Dockerfile");

  it.each([KINK_INIT, VNODE_BOOT_DIR, `${VNODE_SSH_DIR}/authorized_keys`, GPU_LIST_FILE, GPU_ENV_FILE, ...Object.values(VNODE_STATE_PATHS)])(
    "README names %s",
    (path) => expect(readme).toContain(`\`${path}`),
  );

  it("Dockerfile installs the init hook where the start script execs it, pinned by KUBERNETES_VERSION", () => {
    expect(dockerfile).toContain(`COPY start ${KINK_INIT}\n`);
    expect(dockerfile).toMatch(/^ARG KUBERNETES_VERSION$/m);
    expect(dockerfile).toContain('https://dl.k8s.io/release/v${KUBERNETES_VERSION}/bin/linux/${TARGETARCH}');
    // The binaries must be the tagged version, whichever way they came in.
    expect(dockerfile).toContain('test "$(kubeadm version -o short)" = "v${KUBERNETES_VERSION}"');
  });

  it("Dockerfile: downloads by default and checks each against its sha256; NVIDIA toolkit on by default", () => {
    expect(dockerfile).toMatch(/^ARG BINARIES=download$/m);
    expect(dockerfile).toMatch(/^ARG NVIDIA_TOOLKIT=true$/m);
    expect(dockerfile).toMatch(/^ARG BASE_IMAGE=debian:bookworm-slim$/m);
    expect(dockerfile.match(/sha256sum -c -/g)).toHaveLength(3);
  });

  it("containerd and the kubelet share the cgroupfs driver, stated in /etc/vk8s/cgroup-driver", () => {
    expect(kink("files/cgroup-driver")).toBe("cgroupfs\n");
    expect(dockerfile).toContain("grep -q 'SystemdCgroup = false' /etc/containerd/config.toml");
    expect(dockerfile).toContain("COPY files/cgroup-driver /etc/vk8s/cgroup-driver\n");
    expect(readme).toContain("`/etc/vk8s/cgroup-driver`");
  });

  it("tini runs runsvdir over the three services; no systemd", () => {
    expect(kink("start")).toMatch(/^exec tini -- runsvdir \/etc\/vk8s\/service$/m);
    expect(dockerfile).not.toMatch(/systemd-sysv|systemctl/);
    expect(dockerfile).toContain("COPY files/service/ /etc/vk8s/service/\n");
    expect(dockerfile).toMatch(/^STOPSIGNAL SIGHUP$/m);
  });

  it("the kubelet service waits for kubeadm's config, then runs the kubelet as kubeadm's drop-in does", () => {
    const run = kink("files/service/kubelet/run");
    expect(run).toContain('while [ ! -s "$config" ]');
    expect(run).toContain("config=/var/lib/kubelet/config.yaml");
    expect(run).toContain(". /var/lib/kubelet/kubeadm-flags.env");
    expect(run).toMatch(/exec kubelet --config="\$config" \\\n\s+--kubeconfig=\/etc\/kubernetes\/kubelet.conf \\\n\s+--bootstrap-kubeconfig=\/etc\/kubernetes\/bootstrap-kubelet.conf \\\n\s+\$KUBELET_KUBEADM_ARGS \$KUBELET_EXTRA_ARGS\n/);
  });

  it("the preloaded images are imported before sshd starts", () => {
    expect(kink("files/service/sshd/run")).toMatch(/^\/usr\/local\/sbin\/vk8s-preload\n(.*\n)*exec \/usr\/sbin\/sshd -D -e\n$/m);
    expect(kink("files/preload")).toContain('ctr -n k8s.io images import "$archive"');
  });

  it("sshd listens on the vNode ssh port and reads the mounted authorized_keys", () => {
    const sshd = kink("files/sshd-vk8s.conf");
    expect(sshd).toMatch(new RegExp(`^Port ${VNODE_SSH_PORT}$`, "m"));
    expect(sshd).toContain(`AuthorizedKeysCommand /usr/bin/cat ${VNODE_SSH_DIR}/authorized_keys\n`);
    expect(sshd).toMatch(/^PasswordAuthentication no$/m);
  });

  it("containerd reads the env file the GPU isolation writes", () => {
    expect(kink("files/service/containerd/run")).toContain(`  . ${GPU_ENV_FILE}\n`);
  });

  it("the start hook configures the NVIDIA runtime only when GPUs were kept, and fails without the toolkit", () => {
    expect(kink("start")).toContain(`if [ -s ${GPU_LIST_FILE} ]; then`);
    expect(kink("start")).toContain("this image has no NVIDIA container toolkit (build it with NVIDIA_TOOLKIT=true)");
  });
});

const shellcheck = spawnSync("shellcheck", ["--version"]).status === 0;
if (!shellcheck) console.warn("SKIPPED shellcheck of the image scripts: shellcheck is not installed (apt-get install -y shellcheck)");

describe("image scripts pass shellcheck", () => {
  it.each([
    ["sh", "images/kink/start"],
    ["sh", "images/kink/files/runc-vk8s"],
    ["sh", "images/kink/files/preload"],
    ["sh", "images/kink/files/service/containerd/run"],
    ["sh", "images/kink/files/service/sshd/run"],
    ["sh", "images/kink/files/service/kubelet/run"],
    ["sh", "images/access/entry.sh"],
    ["bash", "scripts/images.sh"],
    ["bash", "test/real/kink-smoke.sh"],
    ["bash", "test/real/access-smoke.sh"],
  ])(shellcheck ? "shellcheck -s %s %s" : "%s %s (SKIPPED: shellcheck not installed)", (shell, file) => {
    if (!shellcheck) return;
    const result = spawnSync("shellcheck", ["-x", "-s", shell, join(repo, file)], { encoding: "utf8" });
    expect(result.stdout).toBe("");
    expect(result.status).toBe(0);
  });
});

const jq = spawnSync("jq", ["--version"]).status === 0;
if (!jq) console.warn("SKIPPED runc-vk8s run: jq is not installed (apt-get install -y jq)");

describe("runc-vk8s (containerd's runc when CAP_SYS_RESOURCE is missing)", () => {
  /** Runs the wrapper with `echo` as runc; returns its output and the edited files. */
  function wrap(args: (dir: string) => string[], config: object, processFile?: object) {
    const dir = mkdtempSync(join(tmpdir(), "runc-vk8s-"));
    mkdirSync(join(dir, "bundle"));
    writeFileSync(join(dir, "bundle", "config.json"), JSON.stringify(config));
    if (processFile) writeFileSync(join(dir, "process.json"), JSON.stringify(processFile));
    const result = spawnSync("sh", [join(repo, "images/kink/files/runc-vk8s"), ...args(dir)], {
      encoding: "utf8",
      env: { ...process.env, VK8S_RUNC: "echo" },
    });
    return {
      result,
      config: JSON.parse(readFileSync(join(dir, "bundle", "config.json"), "utf8")),
      process: processFile ? JSON.parse(readFileSync(join(dir, "process.json"), "utf8")) : undefined,
    };
  }
  const privileged = {
    ociVersion: "1.0.2",
    process: {
      oomScoreAdj: -998,
      capabilities: { bounding: ["CAP_CHOWN", "CAP_SYS_RESOURCE"], effective: ["CAP_SYS_RESOURCE", "CAP_KILL"] },
    },
  };

  (jq ? it : it.skip)("create --bundle: drops CAP_SYS_RESOURCE, raises a negative oomScoreAdj to 0, passes every argument to runc", () => {
    const { result, config } = wrap((d) => ["--root", "/run/r", "create", "--bundle", join(d, "bundle"), "--pid-file", "p", "id1"], privileged);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^--root \/run\/r create --bundle \S+\/bundle --pid-file p id1\n$/);
    expect(config.process).toEqual({ oomScoreAdj: 0, capabilities: { bounding: ["CAP_CHOWN"], effective: ["CAP_KILL"] } });
    expect(config.ociVersion).toBe("1.0.2");
  });

  (jq ? it : it.skip)("leaves a spec without the capability and with oomScoreAdj >= 0 as it was", () => {
    const plain = { process: { oomScoreAdj: 5, args: ["pause"] } };
    const { config } = wrap((d) => ["create", `--bundle=${join(d, "bundle")}`, "id2"], plain);
    expect(config).toEqual(plain);
  });

  (jq ? it : it.skip)("exec --process: edits the process file", () => {
    const { result, process: proc } = wrap((d) => ["exec", "--process", join(d, "process.json"), "id3"], {}, {
      args: ["sh"],
      capabilities: { bounding: ["CAP_SYS_RESOURCE", "CAP_NET_ADMIN"] },
    });
    expect(result.status).toBe(0);
    expect(proc).toEqual({ args: ["sh"], capabilities: { bounding: ["CAP_NET_ADMIN"] } });
  });
});

describe("scripts/images.sh", () => {
  const run = (...args: string[]) => spawnSync("bash", [join(repo, "scripts/images.sh"), ...args], { encoding: "utf8" });

  it("import without --address names the flag and an example", () => {
    const result = run("import");
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("images: ERROR: import: --address SOCKET is required (the containerd socket, e.g. /run/vk8s/containerd.sock)\n");
  });

  it("import with an address that is not a socket says so", () => {
    const result = run("import", "--address", "/nonexistent.sock");
    expect(result.stderr).toBe("images: ERROR: import: --address /nonexistent.sock is not a socket (is that containerd running?)\n");
  });

  it("an unknown command is refused with the list of commands", () => {
    expect(run("bogus").stderr).toBe("images: ERROR: unknown command 'bogus' (build, import, list, prune; --help)\n");
  });

  it("--help prints the header: the images and the import command", () => {
    const help = run("--help").stdout;
    expect(help).toContain("ghcr.io/vk8s/kink:v<minor>");
    expect(help).toContain("scripts/images.sh import --address SOCKET [--namespace NS] [IMAGE...]");
  });
});
