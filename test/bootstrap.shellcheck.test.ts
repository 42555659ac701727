/**
 * `shellcheck -s sh` over the step programs themselves (src/bootstrap/programs/*.sh, with
 * lib.sh followed), and over every command text that carries them (and delete command) of
 * every fixture, with each option variant that changes the data. shellcheck is the Debian package
 * (`apt-get install -y shellcheck`): in CI (CI=true) a missing shellcheck fails the suite;
 * elsewhere these tests are skipped, visibly.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { programNames } from "../src/bootstrap/bundle";
import { planBootstrap } from "../src/bootstrap/plan";
import type { BootstrapOptionsInput } from "../src/bootstrap/types";
import { ALL_FIXTURES, GPU_WORKERS } from "./fixtures/bootstrapClusters";

const available = spawnSync("shellcheck", ["--version"], { encoding: "utf8" }).status === 0;

if (!available && process.env.CI === "true") {
  test("shellcheck is installed (CI)", () => {
    throw new Error("shellcheck is missing: install it with `apt-get update && apt-get install -y shellcheck` before the tests");
  });
}
if (!available) {
  // eslint-disable-next-line no-console
  console.warn("shellcheck not found: skipping the shellcheck tests (apt-get install -y shellcheck)");
}

const VARIANTS: [string, BootstrapOptionsInput][] = [
  ["defaults", {}],
  ["tls + local sources", {
    exposure: "tls",
    kubeflowSource: { kind: "local", path: "/opt/vk8s/manifests-{version}" },
    kustomizeSource: { kind: "local", path: "/opt/vk8s/bin/kustomize" },
    calicoSource: { kind: "local", path: "/opt/vk8s/calico" },
    devicePluginSource: { kind: "local", path: "/opt/vk8s/nvidia" },
    imageArchives: [{ kind: "local", path: "/opt/vk8s/images/k8s.tar" }],
  }],
  ["mirrors", {
    kubeflowSource: { kind: "mirror", url: "https://mirror.example.com/kf-{version}.tar.gz" },
    kustomizeSource: { kind: "mirror", url: "https://mirror.example.com/kustomize-{version}" },
    calicoSource: { kind: "mirror", url: "https://mirror.example.com/calico-{version}.yaml" },
    devicePluginSource: { kind: "mirror", url: "https://mirror.example.com/nvidia-{version}.yml" },
  }],
];

const cases = [
  ...Object.entries(ALL_FIXTURES).map(([name, cluster]) => [`${name} (defaults)`, cluster, {}] as const),
  ...VARIANTS.slice(1).map(([variant, options]) => [`1.4-gpu-workers (${variant})`, GPU_WORKERS, options] as const),
];

(available ? describe : describe.skip)("shellcheck -s sh", () => {
  test("the step programs and lib.sh pass, as files in the repository", () => {
    const dir = path.join(__dirname, "..", "src", "bootstrap", "programs");
    const names = programNames();
    expect(names).toEqual(expect.arrayContaining(["lib.sh", "kubeadm-init.sh", "join.sh", "calico.sh", "kubeflow.sh", "dex-login.sh"]));
    const result = spawnSync("shellcheck", ["-s", "sh", "-x", ...names], { cwd: dir, encoding: "utf8" });
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  test.each(cases)("%s: every command text passes", (_, cluster, options) => {
    const files = planBootstrap(cluster, options).flatMap((step) => [
      { path: `${step.id}.sh`, content: step.script },
      ...(step.deleteScript ? [{ path: `${step.id}.delete.sh`, content: step.deleteScript }] : []),
    ]);
    expect(files.length).toBeGreaterThan(5);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vk8s-shellcheck-"));
    try {
      for (const file of files) {
        fs.mkdirSync(path.join(dir, path.dirname(file.path)), { recursive: true });
        fs.writeFileSync(path.join(dir, file.path), file.content);
      }
      const result = spawnSync("shellcheck", ["-s", "sh", ...files.map((f) => f.path)], { cwd: dir, encoding: "utf8" });
      expect(result.stdout + result.stderr).toBe("");
      expect(result.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("shellcheck does catch a broken script (the check can fail)", () => {
    const result = spawnSync("shellcheck", ["-s", "sh", "-"], { input: "#!/bin/sh\nset -eu\necho $undefined_var\n", encoding: "utf8" });
    expect(result.status).not.toBe(0);
  });
});
