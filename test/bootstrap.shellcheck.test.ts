/**
 * `shellcheck -s sh` over every rendered script (and delete script) of every fixture, with
 * each option variant that changes the text. shellcheck is the Debian package
 * (`apt-get install -y shellcheck`): in CI (CI=true) a missing shellcheck fails the suite;
 * elsewhere these tests are skipped, visibly.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderBootstrapFiles } from "../src/bootstrap/files";
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
  test.each(cases)("%s: every script passes", (_, cluster, options) => {
    const files = renderBootstrapFiles(cluster, options);
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
