/**
 * `vk8s render --out` writes only where asked (issue 11, item 2): no symlink followed,
 * nothing removed that vk8s did not write, a clear error for an output that is a file,
 * and a failure leaves the previous tree as it was.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main, type CliDeps } from "../bin/cli";
import { MANIFEST_NAME } from "../bin/outputTree";

const SAMPLE = path.join(__dirname, "fixtures/samples/sample-kf13.yaml");
const PLATFORM = path.join(__dirname, "../examples/platform/users.yaml");

async function run(argv: string[], deps?: CliDeps): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) }, deps);
  return { code, stdout, stderr };
}

const fake = (files: { path: string; content: string }[]): CliDeps => ({ renderClusterFiles: () => files });
const TWO = [{ path: "host/a.yaml", content: "a\n" }, { path: "host/b.yaml", content: "b\n" }];

/** Every entry under `dir` (links as `-> target`, not followed), so "untouched" means untouched. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(d, e.name);
      const rel = path.relative(dir, full);
      if (e.isSymbolicLink()) out[rel] = `-> ${fs.readlinkSync(full)}`;
      else if (e.isDirectory()) walk(full);
      else out[rel] = fs.readFileSync(full, "utf8");
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vk8s-out-"));
});
afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("render --out never follows a symlink", () => {
  test("OUT/<cluster> a symlink to another folder: refused by name, that folder untouched", async () => {
    const elsewhere = path.join(tmp, "elsewhere");
    fs.mkdirSync(elsewhere);
    fs.writeFileSync(path.join(elsewhere, "precious.txt"), "mine\n");
    const out = path.join(tmp, "out");
    fs.mkdirSync(out);
    fs.symlinkSync(elsewhere, path.join(out, "sample3"));
    const r = await run(["render", SAMPLE, "--out", out], fake(TWO));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`vk8s: cannot write ${out}: ${path.join(out, "sample3")} is a symlink: vk8s never writes through links (give the real folder, or another one)\nvk8s: nothing written\n`);
    expect(snapshot(elsewhere)).toEqual({ "precious.txt": "mine\n" });
    expect(snapshot(out)).toEqual({ sample3: `-> ${elsewhere}` });
  });

  test("a symlinked file in the tree: refused, the file it points to is not overwritten", async () => {
    const out = path.join(tmp, "out");
    expect((await run(["render", SAMPLE, "--out", out], fake(TWO))).code).toBe(0);
    const target = path.join(tmp, "outside.yaml");
    fs.writeFileSync(target, "outside\n");
    fs.rmSync(path.join(out, "sample3/host/a.yaml"));
    fs.symlinkSync(target, path.join(out, "sample3/host/a.yaml"));
    const before = snapshot(out);
    const r = await run(["render", SAMPLE, "--out", out], fake([{ path: "host/a.yaml", content: "new\n" }, TWO[1]]));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${path.join(out, "sample3/host/a.yaml")} is a symlink: vk8s never writes through links`);
    expect(fs.readFileSync(target, "utf8")).toBe("outside\n");
    expect(snapshot(out)).toEqual(before);
  });

  test("--out itself a symlink: refused", async () => {
    const real = path.join(tmp, "real");
    fs.mkdirSync(real);
    fs.symlinkSync(real, path.join(tmp, "link"));
    const r = await run(["render", SAMPLE, "--out", path.join(tmp, "link")], fake(TWO));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${path.join(tmp, "link")} is a symlink`);
    expect(fs.readdirSync(real)).toEqual([]);
  });

  test("platform mode: a symlinked user folder is refused before anything is written, not reported written", async () => {
    const elsewhere = path.join(tmp, "elsewhere");
    fs.mkdirSync(elsewhere);
    fs.writeFileSync(path.join(elsewhere, "precious.txt"), "mine\n");
    const out = path.join(tmp, "out");
    fs.mkdirSync(out);
    fs.symlinkSync(elsewhere, path.join(out, "user-a"));
    const r = await run(["render", "--platform", PLATFORM, "--out", out]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`${path.join(out, "user-a")} is a symlink`);
    expect(snapshot(elsewhere)).toEqual({ "precious.txt": "mine\n" });
    expect(snapshot(out)).toEqual({ "user-a": `-> ${elsewhere}` });
  });
});

describe("render --out removes only what vk8s wrote", () => {
  test("platform --out . beside users.yaml, kustomization.yaml and docs/README.md: they stay, across renders", async () => {
    const dir = path.join(tmp, "repo");
    fs.mkdirSync(path.join(dir, "docs"), { recursive: true });
    fs.copyFileSync(PLATFORM, path.join(dir, "users.yaml"));
    fs.writeFileSync(path.join(dir, "kustomization.yaml"), "resources: []\n");
    fs.writeFileSync(path.join(dir, "docs/README.md"), "# docs\n");
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const first = await run(["render", "--platform", "users.yaml", "--out", "."]);
      expect(first.code).toBe(0);
      const record = JSON.parse(fs.readFileSync(MANIFEST_NAME, "utf8")) as { files: string[] };
      expect(record.files).toContain("_platform/nodeports.yaml");
      expect(record.files).not.toContain("users.yaml");
      // Drop user-b: its files go, the foreign files stay.
      const text = fs.readFileSync("users.yaml", "utf8");
      fs.writeFileSync("users.yaml", text.slice(0, text.indexOf("---\napiVersion: vk8s.dev/v1alpha1\nkind: Vk8s\nmetadata: { name: user-b }")));
      const second = await run(["render", "--platform", "users.yaml", "--out", "."]);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/^1 user\(s\), \d+ file\(s\) in \. \(\d+ changed, [1-9]\d* removed\)\n$/);
    } finally {
      process.chdir(cwd);
    }
    expect(fs.existsSync(path.join(dir, "user-b"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "user-a/host"))).toBe(true);
    expect(fs.readFileSync(path.join(dir, "kustomization.yaml"), "utf8")).toBe("resources: []\n");
    expect(fs.readFileSync(path.join(dir, "docs/README.md"), "utf8")).toBe("# docs\n");
    expect(fs.readFileSync(path.join(dir, "users.yaml"), "utf8")).toContain("user-a");
    expect(fs.readdirSync(dir).filter((n) => n.startsWith(".vk8s-staging-"))).toEqual([]);
  });

  test("a cluster named like a folder of the repo (docs): its README.md and .git/HEAD stay", async () => {
    const out = path.join(tmp, "repo");
    fs.mkdirSync(path.join(out, "docs/.git"), { recursive: true });
    fs.writeFileSync(path.join(out, "docs/.git/HEAD"), "ref: refs/heads/main\n");
    fs.writeFileSync(path.join(out, "docs/README.md"), "# docs\n");
    const spec = path.join(tmp, "docs.yaml");
    fs.writeFileSync(spec, fs.readFileSync(SAMPLE, "utf8").replace("name: sample3", "name: docs"));
    expect((await run(["render", spec, "--out", out], fake(TWO))).code).toBe(0);
    const shrunk = await run(["render", spec, "--out", out], fake([TWO[0]]));
    expect(shrunk.stdout).toBe(`docs: 1 file(s) in ${path.join(out, "docs")} (0 changed, 1 removed)\n`);
    expect(snapshot(out)).toEqual({
      "docs/.git/HEAD": "ref: refs/heads/main\n",
      [`docs/${MANIFEST_NAME}`]: `${JSON.stringify({ comment: "Files written by vk8s render: the only ones it ever removes.", files: ["host/a.yaml"] }, null, 2)}\n`,
      "docs/README.md": "# docs\n",
      "docs/host/a.yaml": "a\n",
    });
  });

  test("a record that lists a foreign file does not make it removable unless vk8s could have written it", async () => {
    const out = path.join(tmp, "out");
    expect((await run(["render", SAMPLE, "--out", out], fake(TWO))).code).toBe(0);
    fs.writeFileSync(path.join(out, "sample3", MANIFEST_NAME), "{ not json");
    const before = snapshot(out);
    const r = await run(["render", SAMPLE, "--out", out], fake([TWO[0]]));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${path.join(out, "sample3", MANIFEST_NAME)} is not valid JSON`);
    expect(snapshot(out)).toEqual(before);
  });
});

describe("render --out: bad output folders and failures", () => {
  test("--out naming a file: a clear error, exit 2, no stack trace, the file untouched", async () => {
    const file = path.join(tmp, "file.txt");
    fs.writeFileSync(file, "x\n");
    const r = await run(["render", SAMPLE, "--out", file], fake(TWO));
    expect(r).toEqual({ code: 2, stdout: "", stderr: `vk8s: cannot write ${file}: ${file} is a file, not a folder (give --out a folder)\nvk8s: nothing written\n` });
    expect(fs.readFileSync(file, "utf8")).toBe("x\n");
    const platform = await run(["render", "--platform", PLATFORM, "--out", file]);
    expect(platform.code).toBe(2);
    expect(platform.stderr).toContain("is a file, not a folder");
    expect(platform.stderr).not.toMatch(/\n\s+at /);
  });

  test("a tree where host is a file: refused before writing, the previous tree kept", async () => {
    const out = path.join(tmp, "out");
    expect((await run(["render", SAMPLE, "--out", out], fake([{ path: "top.yaml", content: "t\n" }]))).code).toBe(0);
    fs.writeFileSync(path.join(out, "sample3/host"), "a file\n");
    const before = snapshot(out);
    const r = await run(["render", SAMPLE, "--out", out], fake([...TWO, { path: "top.yaml", content: "t2\n" }]));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${path.join(out, "sample3/host")} is a file where vk8s writes the folder`);
    expect(snapshot(out)).toEqual(before);
  });

  test("a write failing half-way (disk full) leaves the previous tree exactly as it was", async () => {
    const out = path.join(tmp, "out");
    expect((await run(["render", SAMPLE, "--out", out], fake(TWO))).code).toBe(0);
    const before = snapshot(out);
    // The fs module itself (the `import * as` namespace above has read-only bindings).
    const nodeFs = require("fs") as typeof fs;
    const real = nodeFs.writeFileSync;
    let calls = 0;
    jest.spyOn(nodeFs, "writeFileSync").mockImplementation(((...args: Parameters<typeof fs.writeFileSync>) => {
      if (++calls === 2) throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
      return real(...args);
    }) as typeof fs.writeFileSync);
    const r = await run(["render", SAMPLE, "--out", out], fake([{ path: "host/a.yaml", content: "A\n" }, { path: "host/b.yaml", content: "B\n" }]));
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("ENOSPC (the previous tree is unchanged)");
    expect(snapshot(out)).toEqual(before);
  });
});
