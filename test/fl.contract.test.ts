/**
 * The rendered containers and the Python package must agree on names: every VK8S_FL_*
 * variable we set must be a flag the module declares (`add_option(p, "--flag", ...)` reads
 * `VK8S_FL_FLAG`), and the storage layout rules must be the same on both sides.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FL_FLAGS, FL_MODULES, flEnvName } from "../src/fl/contract";
import { renderPipeline } from "../src/fl/pipeline";
import { renderResolved } from "../src/fl/render";
import { resolveFederatedLearning } from "../src/fl/validate";

const FL_DIR = join(__dirname, "..", "fl", "vk8s_fl");
const source = (module: string) => readFileSync(join(FL_DIR, `${module}.py`), "utf8");

/** Flags a Python module declares, plus the shared storage options when it adds them. */
function declaredFlags(module: "server" | "client" | "serve"): Set<string> {
  const text = source(module);
  const flags = [...text.matchAll(/add_option\(\s*\w+,\s*"(--[a-z0-9-]+)"/g)].map((m) => m[1]);
  if (text.includes("add_storage_options(")) {
    flags.push(...[...source("cli").matchAll(/add_option\(\s*parser,\s*"(--[a-z0-9-]+)"/g)].map((m) => m[1]));
  }
  return new Set(flags);
}

const specs = [
  resolveFederatedLearning({ group: "g", project: "p" }),
  resolveFederatedLearning({ group: "g", project: "p", dataset: "digits", serving: { mode: "kserve" }, storage: { s3: { endpoint: "http://m:9000", bucket: "b-1", credentialsSecret: "s" } } }),
];

type Container = { command: string[]; env?: { name: string }[] };

/** Every container that runs a vk8s_fl module, with the module it runs. */
function moduleContainers(): [string, Container][] {
  const out: [string, Container][] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== "object") return;
    const c = node as Container;
    if (Array.isArray(c.command) && c.command[0] === "python" && c.command[1] === "-m") out.push([c.command[2], c]);
    Object.values(node).forEach(visit);
  };
  for (const spec of specs) {
    visit(renderResolved(spec));
    visit(renderPipeline(spec));
  }
  return out;
}

describe("contract with fl/vk8s_fl", () => {
  it("uses the same env prefix and flag-to-env rule as vk8s_fl.cli", () => {
    const cli = source("cli");
    expect(cli).toContain(`ENV_PREFIX = "VK8S_FL_"`);
    expect(cli).toContain(`return ENV_PREFIX + flag.lstrip("-").upper().replace("-", "_")`);
    expect(flEnvName("--min-clients")).toBe("VK8S_FL_MIN_CLIENTS");
  });

  it.each(Object.entries(FL_MODULES))("module %s (%s) exists and declares every flag of FL_FLAGS", (key, module) => {
    const file = module.replace("vk8s_fl.", "");
    const declared = declaredFlags(file as "server" | "client" | "serve");
    const ours = Object.values(FL_FLAGS[key as keyof typeof FL_MODULES]);
    expect(ours.filter((f) => !declared.has(f))).toEqual([]);
    expect(source(file)).toContain(`if __name__ == "__main__":`);
  });

  it("sets only VK8S_FL_* variables that the module run by each container reads", () => {
    const containers = moduleContainers();
    expect(new Set(containers.map(([m]) => m))).toEqual(new Set(Object.values(FL_MODULES)));
    for (const [module, container] of containers) {
      const declared = new Set([...declaredFlags(module.replace("vk8s_fl.", "") as "server")].map(flEnvName));
      const unknown = (container.env ?? []).map((e) => e.name).filter((n) => n.startsWith("VK8S_FL_") && !declared.has(n));
      expect({ module, unknown }).toEqual({ module, unknown: [] });
    }
  });

  it("names a storage path segment with the same rule as vk8s_fl.storage", () => {
    expect(source("storage")).toContain(`_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")`);
  });

  it("imports in the step scripts only names vk8s_fl defines", () => {
    const steps = readFileSync(join(__dirname, "..", "src", "fl", "steps.ts"), "utf8");
    const imports = [...steps.matchAll(/from vk8s_fl\.(\w+) import ([\w, ]+)/g)];
    expect(imports.length).toBeGreaterThanOrEqual(5); // was > 5: preprocess and evaluate now import only the package entry points (issue 13 item 5)
    for (const [, module, names] of imports) {
      const text = source(module);
      for (const name of names.split(",").map((n) => n.trim())) {
        expect({ module, name, defined: new RegExp(`^(def|class) ${name}\\b`, "m").test(text) }).toEqual({ module, name, defined: true });
      }
    }
  });
});
