/**
 * Every fact once (issue 13, item 2). Two kinds of check, each proven to fail:
 *   - a scan of the code in src/, components/, bin/, plugin/ and policy/ (TypeScript through
 *     its parser: numbers, strings, template pieces and regular expressions, never comments;
 *     shell files line by line, comment lines skipped) for the literal forms of each fact,
 *     which may appear only in the fact's home (or a mirror whose equality a test checks);
 *   - derivations where a fact must also stand in a static file: the GPU allocation file in
 *     programs/lib.sh, each step's phase marker in its program, the step id and title only in
 *     the wrapper the plan writes, the reserved labels against what the renderer sets, the
 *     image tag against package.json.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ts from "typescript";
import { programNames, programText } from "../src/bootstrap/bundle";
import { checkBootstrapOptions } from "../src/bootstrap/options";
import { WORK_DIR } from "../src/bootstrap/shell";
import type { BootstrapOptionsInput } from "../src/bootstrap/types";
import { validateCluster } from "../src/cluster/validate";
import { isDns1123Subdomain, isPlainEmail } from "../src/core/names";
import { resolveStorage } from "../src/platform/storage";
import { formatProblem, formatProblems } from "../src/core/errors";
import { checkHostRenderOptions } from "../src/render/host";
import { planBootstrap } from "../src/bootstrap/plan";
import { PHASES, type BootstrapStep } from "../src/bootstrap/types";
import { RESERVED_LABELS } from "../src/core/labels";
import { VK8S_IMAGE_TAG } from "../src/matrix/table";
import { GPU_LIST_FILE } from "../src/render/gpu";
import { vNodeLabels } from "../src/render/labels";
import { FL_DEFAULTS } from "../src/fl/spec";
import { BOOTSTRAP_DEFAULTS } from "../src/cluster/defaults";
import { MIN_PASSWORD_LENGTH } from "../src/cluster/rules/kubeflow";
import { BCRYPT_HASH_PATTERN, isAbsoluteDirectory, isBcryptHash } from "../src/core/names";
import { NODE_PORT_RANGE_TEXT } from "../src/core/ports";
import { BUSYBOX_IMAGE } from "../src/matrix/table";
import { HOST_PREPARATION_DEFAULTS } from "../src/platform/hostPreparation";
import { checkPlatformSettings } from "../src/platform/settings";
import { INGRESS_GATEWAY_PORTS } from "../src/bootstrap/steps/expose";
import { renderAccessDeployment } from "../src/render/access";
import { VNODE_CONFIG_DIR } from "../src/render/gpu";
import { KINK_INIT, renderVNodeStatefulSet, VNODE_BOOT_DIR, VNODE_SSH_DIR } from "../src/render/vnode";
import { ALL_FIXTURES, SAMPLE_1_3 } from "./fixtures/bootstrapClusters";

const REPO = path.resolve(__dirname, "..");
const SCANNED = ["src", "components", "bin", "plugin", "policy", "examples"];

interface Fact {
  name: string;
  /** Files (repository paths) where the literal may stand: its one definition. */
  home: string[];
  /** Only files under these folders are scanned for it (a fact whose literal is common elsewhere). @default every scanned file */
  within?: string[];
  /** Whether one literal (a number's text, a string, a template piece, a regex source, a shell line) is this fact. */
  matches: (literal: string, kind: "number" | "text" | "regex" | "shell") => boolean;
}

const isNumber = (n: number) => (lit: string, kind: string) => kind === "number" && Number(lit) === n;
const contains = (re: RegExp) => (lit: string, kind: string) => kind !== "number" && re.test(lit);
const either = (...fs: Fact["matches"][]) => (lit: string, kind: "number" | "text" | "regex" | "shell") => fs.some((f) => f(lit, kind));

/** The facts of issue 13's list (and those found beside them), with their homes. */
export const FACTS: Fact[] = [
  { name: "NodePort range", home: ["src/core/ports.ts"], matches: either(isNumber(30000), isNumber(32767), contains(/(^|\D)(30000|32767)(\D|$)/)) },
  { name: "API server port 6443", home: ["src/core/ports.ts"], matches: either(isNumber(6443), contains(/(^|\D)6443(\D|$)/)) },
  {
    name: "DNS-1123 regex",
    home: ["src/core/names.ts"],
    matches: (lit, kind) => (kind === "regex" || kind === "text") && /\[a-z0-9\]\(\[-?a-z0-9\.?-?\]\*\[a-z0-9\]\)\?/.test(lit.replace(/\\\./g, ".")),
  },
  { name: "email regex", home: ["src/core/names.ts"], matches: (lit, kind) => (kind === "regex" || kind === "text") && lit.includes("A-Za-z0-9._%+-") },
  { name: "kustomize 3.2.0 (amd64-only release)", home: ["src/matrix/table.ts"], matches: contains(/(^|[^\d.])3\.2\.0([^\d.]|$)/) },
  { name: "NVIDIA device plugin version", home: ["src/matrix/table.ts"], matches: contains(/0\.17\.4/) },
  { name: "flannel version", home: ["src/matrix/table.ts"], matches: contains(/0\.28\.10/) },
  { name: "local-path-provisioner version", home: ["src/matrix/table.ts"], matches: contains(/0\.0\.31/) },
  { name: "calico manifest-in-repo switch (3.24)", home: ["src/matrix/table.ts"], matches: contains(/(^|[^\d.])3\.24([^\d]|$)/) },
  // Images that follow a pin (the package version, the flannel release); kink's tag is the Kubernetes minor, by design.
  { name: "tag of a vk8s image", home: [], matches: contains(/ghcr\.io\/vk8s\/(access|vk8s-fl|flannel):v?\d/) },
  { name: "GPU allocation file", home: ["src/bootstrap/programs/lib.sh"], matches: contains(/\/etc\/vk8s\/gpus(\W|$)/) },
  { name: "GPU resource name", home: ["src/core/labels.ts", "policy/workloads.ts"], matches: (lit, kind) => kind === "text" && lit === "nvidia.com/gpu" },
  { name: "reserved vNode labels", home: ["src/core/labels.ts"], matches: (lit, kind) => kind === "text" && ["sidecar.istio.io/inject", "<statefulset name>", "<cluster name>"].includes(lit) },
  {
    name: "install phase",
    home: ["src/bootstrap/types.ts", "src/bootstrap/programs/wait-master.sh", "src/bootstrap/programs/kubeadm-init.sh", "src/bootstrap/programs/kubeflow.sh", "src/bootstrap/programs/status.sh"],
    // "Running" alone is also a pod phase: as the fourth install phase it is the exact text or a shell `phase 'Running'`.
    matches: (lit, kind) =>
      contains(/Waiting: creating node|Installing: configuring master node|Installing: installing kubeflow/)(lit, kind) ||
      (kind === "text" && lit === "Running") || (kind === "shell" && /\bphase 'Running'/.test(lit)),
  },
  { name: "upstream default login", home: ["src/cluster/rules/kubeflow.ts", "policy/workloads.ts"], matches: contains(/user@example\.com|(^|\D)12341234(\D|$)/) },
  { name: "user storage mount path", home: ["src/cluster/defaults.ts"], matches: contains(/\/mnt\/vk8s-storage/) },
  { name: "vNode work directory", home: ["src/bootstrap/shell.ts", "src/bootstrap/programs/lib.sh"], matches: contains(/\/var\/lib\/vk8s(\W|$)/) },
  { name: "busybox image tag", home: ["src/matrix/table.ts"], matches: contains(/busybox:/) },
  { name: "vNode config directory /etc/vk8s", home: ["src/render/gpu.ts", "src/bootstrap/programs/lib.sh", "policy/workloads.ts"], matches: contains(/\/etc\/vk8s(\W|$)/) },
  { name: "skipAwait annotation", home: ["src/core/labels.ts"], matches: contains(/pulumi\.com\/skipAwait/) },
  { name: "port number range 1-65535", home: ["src/core/ports.ts"], matches: either(isNumber(65535), contains(/(^|\D)65535(\D|$)/)) },
  { name: "absolute directory rule", home: [], matches: (lit, kind) => kind === "regex" && lit.startsWith("/^\\/") && lit.includes("A-Za-z0-9._") },
  {
    name: "bcrypt hash shape",
    home: ["src/core/names.ts", "src/bootstrap/programs/dex-login.sh", "policy/rules.ts"],
    matches: contains(/2\[aby\].*\{53\}/),
  },
  { name: "minimum password length in words", home: [], matches: contains(/(^|\D)8 characters/) },
  { name: "DNS-1123 label written by hand", home: [], matches: (lit, kind) => kind === "regex" && lit.includes("[a-z0-9-]{1,63}") },
  { name: "IPv4 address checked as a /32 block", home: [], matches: (lit, kind) => kind === "text" && lit === "/32" },
  {
    name: "istio-ingressgateway port of an exposure",
    home: ["src/bootstrap/steps/expose.ts"],
    within: ["src/bootstrap/steps/", "src/bootstrap/programs/"],
    matches: either(isNumber(80), isNumber(443), (lit, kind) => kind !== "number" && /(^|[^\w.-])(80|443)([^\w.-]|$)/.test(lit)),
  },
  { name: "API server service URL", home: ["src/core/naming.ts"], matches: contains(/-apiserver\.$|\.svc:$/) },
];

/**
 * Literals outside their home in files this branch may not change (another engineer is
 * rewriting them at the same time); each must still be there (a stale entry fails), so the
 * lead removes it when the owner's change is merged. `file` + `fact` -> who removes it.
 */
export const PENDING: { file: string; fact: string; owner: string }[] = [
];

/** Repository paths of the scanned code files under `root`. */
function codeFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name === "dist" || entry.name.startsWith(".")) continue;
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (/\.(ts|sh)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(rel);
    }
  };
  for (const dir of SCANNED) if (fs.existsSync(path.join(root, dir))) walk(dir);
  return out.sort();
}

/** Every literal of a file with its line: TypeScript through its parser (no comments), shell lines that are not comments. */
function literals(file: string, text: string): { literal: string; kind: "number" | "text" | "regex" | "shell"; line: number }[] {
  if (file.endsWith(".sh")) {
    return text.split("\n").flatMap((l, i) => (/^\s*#/.test(l) ? [] : [{ literal: l, kind: "shell" as const, line: i + 1 }]));
  }
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: { literal: string; kind: "number" | "text" | "regex" | "shell"; line: number }[] = [];
  const visit = (node: ts.Node) => {
    const line = () => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    if (ts.isNumericLiteral(node)) out.push({ literal: node.text, kind: "number", line: line() });
    else if (ts.isRegularExpressionLiteral(node)) out.push({ literal: node.text, kind: "regex", line: line() });
    else if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) out.push({ literal: node.text, kind: "text", line: line() });
    else if (ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) out.push({ literal: node.text, kind: "text", line: line() });
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

interface Finding { file: string; line: number; fact: string; literal: string }

/** Each literal form of a fact outside its home, in the code under `root`. */
export function scanFacts(root: string, facts: Fact[] = FACTS): Finding[] {
  const findings: Finding[] = [];
  for (const file of codeFiles(root)) {
    const text = fs.readFileSync(path.join(root, file), "utf8");
    for (const { literal, kind, line } of literals(file, text)) {
      for (const fact of facts) {
        if (fact.home.includes(file) || (fact.within && !fact.within.some((w) => file.startsWith(w))) || !fact.matches(literal, kind)) continue;
        if (!findings.some((f) => f.file === file && f.line === line && f.fact === fact.name)) findings.push({ file, line, fact: fact.name, literal: literal.slice(0, 120) });
      }
    }
  }
  return findings;
}

const isPending = (f: Finding) => PENDING.some((p) => p.file === f.file && p.fact === f.fact);

describe("every fact once: the scan", () => {
  const findings = scanFacts(REPO);

  test("no listed fact is written outside its home", () => {
    expect(findings.filter((f) => !isPending(f)).map((f) => `${f.file}:${f.line} ${f.fact}: ${JSON.stringify(f.literal)}`)).toEqual([]);
  });

  test("each pending allowance (another branch's file) still matches something: remove it once that branch is merged", () => {
    for (const p of PENDING) {
      expect([p.file, p.fact, findings.some((f) => f.file === p.file && f.fact === p.fact)]).toEqual([p.file, p.fact, true]);
    }
  });

  test("each home holds its fact (the scan looks for the right forms)", () => {
    for (const fact of FACTS) {
      for (const home of fact.home) {
        const text = fs.readFileSync(path.join(REPO, home), "utf8");
        expect([fact.name, home, literals(home, text).some((l) => fact.matches(l.literal, l.kind))]).toEqual([fact.name, home, true]);
      }
    }
  });

  describe("fails on a fact written again (temp copy)", () => {
    let copy: string;
    beforeAll(() => {
      copy = fs.mkdtempSync(path.join(os.tmpdir(), "vk8s-facts-"));
      for (const dir of ["src/core", "src/render", "src/bootstrap/programs", "src/bootstrap/steps", "components"]) fs.mkdirSync(path.join(copy, dir), { recursive: true });
      fs.copyFileSync(path.join(REPO, "src/core/ports.ts"), path.join(copy, "src/core/ports.ts"));
      fs.copyFileSync(path.join(REPO, "src/core/names.ts"), path.join(copy, "src/core/names.ts"));
      fs.writeFileSync(path.join(copy, "src/render/stray.ts"), [
        "// 6443 in a comment is documentation, not a definition",
        "export const PORT = 6443;",
        "export const RANGE = { min: 30000, max: 32767 };",
        "export const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;",
        "export const URL = `https://${'x'}-apiserver.${'ns'}.svc:${PORT}`;",
        "export const EMAIL = /^[A-Za-z0-9._%+-]+@example\\.com$/;",
        "export const KUSTOMIZE = \"3.2.0\";",
        "export const ACCESS = \"ghcr.io/vk8s/access:0.1.0\";",
        "export const BUSYBOX = \"docker.io/library/busybox:1.36\";",
        "export const SKIP = { \"pulumi.com/skipAwait\": \"true\" };",
        "export const MAX_PORT = 65535;",
        "export const DIR = /^\\/[A-Za-z0-9._/-]*$/;",
        "export const HASH = /^\\$2[aby]\\$\\d{2}\\$[./A-Za-z0-9]{53}$/;",
        "export const FIX = \"use at least 8 characters\";",
        "export const NAME = /^[a-z0-9-]{1,63}$/;",
        "export const HOST = `${\"10.0.0.1\"}/32`;",
        "export const PHASE = \"Running\";",
        "export const BOOT = \"/etc/vk8s/boot\";",
        "export const WEB = 443; // outside src/bootstrap: not the gateway's port",
        "",
      ].join("\n"));
      fs.writeFileSync(path.join(copy, "src/bootstrap/steps/stray.ts"), "export const HTTPS = 443;\n");
      fs.writeFileSync(path.join(copy, "components/stray.ts"), 'export const PHASE = "Installing: installing kubeflow";\n');
      fs.writeFileSync(path.join(copy, "src/bootstrap/programs/stray.sh"), "# /etc/vk8s/gpus in a comment\ncat /etc/vk8s/gpus\n");
    });
    afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));

    test("names each stray literal with file, line and fact; the homes and comments pass", () => {
      const found = scanFacts(copy).map((f) => `${f.file}:${f.line} ${f.fact}`);
      expect(found).toEqual([
        "components/stray.ts:1 install phase",
        "src/bootstrap/programs/stray.sh:2 GPU allocation file",
        "src/bootstrap/programs/stray.sh:2 vNode config directory /etc/vk8s",
        "src/bootstrap/steps/stray.ts:1 istio-ingressgateway port of an exposure",
        "src/render/stray.ts:2 API server port 6443",
        "src/render/stray.ts:3 NodePort range",
        "src/render/stray.ts:4 DNS-1123 regex",
        "src/render/stray.ts:5 API server service URL",
        "src/render/stray.ts:6 email regex",
        "src/render/stray.ts:7 kustomize 3.2.0 (amd64-only release)",
        "src/render/stray.ts:8 tag of a vk8s image",
        "src/render/stray.ts:9 busybox image tag",
        "src/render/stray.ts:10 skipAwait annotation",
        "src/render/stray.ts:11 port number range 1-65535",
        "src/render/stray.ts:12 absolute directory rule",
        "src/render/stray.ts:13 bcrypt hash shape",
        "src/render/stray.ts:14 minimum password length in words",
        "src/render/stray.ts:15 DNS-1123 label written by hand",
        "src/render/stray.ts:16 IPv4 address checked as a /32 block",
        "src/render/stray.ts:17 install phase",
        "src/render/stray.ts:18 vNode config directory /etc/vk8s",
      ]);
    });
  });
});

describe("every fact once: derivations from the one home", () => {
  test("programs/lib.sh's GPU_ALLOCATION_FILE is GPU_LIST_FILE (src/render/gpu.ts)", () => {
    const lines = programText("lib.sh").split("\n").filter((l) => l.startsWith("GPU_ALLOCATION_FILE="));
    expect(lines).toEqual([`GPU_ALLOCATION_FILE=${GPU_LIST_FILE}`]);
  });

  const plans: [string, BootstrapStep[]][] = [
    ...Object.entries(ALL_FIXTURES).map(([name, c]): [string, BootstrapStep[]] => [name, planBootstrap(c)]),
    ["flannel", planBootstrap(SAMPLE_1_3, { cni: "flannel" })],
    ["no storage", planBootstrap(SAMPLE_1_3, { defaultStorageClass: "none" })],
  ];

  test("programs/lib.sh's default work directory is WORK_DIR (src/bootstrap/shell.ts)", () => {
    expect(programText("lib.sh").split("\n").filter((l) => l.startsWith("work="))).toEqual([`work="\${VK8S_WORK_DIR:-${WORK_DIR}}"`]);
  });

  test.each(plans)("%s: a program's phase marker is the plan's phase of every step that runs it", (_, steps) => {
    for (const step of steps) {
      for (const run of [step.run, ...(step.deleteRun ? [step.deleteRun] : [])]) {
        const markers = [...programText(run.program).matchAll(/^\s*phase '([^']*)'/gm)].map((m) => m[1]);
        expect(markers.length).toBeLessThanOrEqual(1);
        if (markers.length === 1 && run === step.run) expect([step.id, markers[0]]).toEqual([step.id, step.phase]);
      }
    }
  });

  test.each(plans)("%s: each phase is printed by the first step of that phase", (_, steps) => {
    for (const phase of PHASES) {
      const first = steps.find((s) => s.phase === phase);
      if (first) expect([phase, programText(first.run.program)]).toEqual([phase, expect.stringContaining(`\nphase '${phase}'\n`)]);
    }
  });

  test.each(plans)("%s: a step's id and title stand once, in the wrapper the plan writes", (_, steps) => {
    for (const step of steps) {
      expect(step.script.match(/^# vk8s bootstrap step .*$/gm)).toEqual([`# vk8s bootstrap step ${step.id}: ${step.title}`]);
    }
  });

  test("no program claims a step id or title of its own", () => {
    for (const name of programNames()) expect([name, /^# vk8s (bootstrap step|delete program)/m.test(programText(name))]).toEqual([name, false]);
  });

  test("RESERVED_LABELS is exactly what the renderer sets on a vNode beyond the user's labels", () => {
    const cluster = { ...SAMPLE_1_3, labels: {} };
    const node = { ...cluster.master, labels: {} };
    expect(Object.keys(vNodeLabels(cluster, node)).sort()).toEqual(Object.keys(RESERVED_LABELS).sort());
  });

  /** Non-comment lines of a repository file. */
  const codeLines = (file: string) => fs.readFileSync(path.join(REPO, file), "utf8").split("\n").filter((l) => !/^\s*#/.test(l));

  test("images/kink/start reads the allocation file at GPU_LIST_FILE, and its other /etc/vk8s paths are the image's own", () => {
    const paths = codeLines("images/kink/start").flatMap((l) => [...l.matchAll(/\/etc\/vk8s\/[\w.-]+/g)].map((m) => m[0]));
    expect([...new Set(paths)].sort()).toEqual([GPU_LIST_FILE, `${VNODE_CONFIG_DIR}/service`].sort());
    expect(codeLines("images/kink/start")).toContain(`if [ -s ${GPU_LIST_FILE} ]; then`);
  });

  test("the local environment's kube-apiserver uses NODE_PORT_RANGE (test/localenv/lib/controlplane.sh)", () => {
    const flags = codeLines("test/localenv/lib/controlplane.sh").filter((l) => l.includes("--service-node-port-range"));
    expect(flags.map((l) => l.trim())).toEqual([`--service-node-port-range=${NODE_PORT_RANGE_TEXT} \\`]);
  });

  test("the /etc/vk8s paths of vNodes and the access pod derive from VNODE_CONFIG_DIR", () => {
    expect([VNODE_BOOT_DIR, VNODE_SSH_DIR, KINK_INIT, GPU_LIST_FILE]).toEqual(["boot", "ssh", "start", "gpus"].map((n) => `${VNODE_CONFIG_DIR}/${n}`));
    const mounts = (o: { spec?: unknown }) => JSON.stringify(o).match(/"name":"ssh","mountPath":"[^"]*"/g) ?? [];
    const vNodeMounts = mounts(renderVNodeStatefulSet(SAMPLE_1_3, SAMPLE_1_3.master));
    expect(vNodeMounts).toEqual([`"name":"ssh","mountPath":"${VNODE_SSH_DIR}"`]);
    expect(mounts(renderAccessDeployment(SAMPLE_1_3)).length).toBeGreaterThan(0);
    expect(new Set(mounts(renderAccessDeployment(SAMPLE_1_3)))).toEqual(new Set(vNodeMounts));
  });

  test("the busybox helpers of the bootstrap and of the host preparation are BUSYBOX_IMAGE", () => {
    expect([BOOTSTRAP_DEFAULTS.localPathHelperImage, HOST_PREPARATION_DEFAULTS.image]).toEqual([BUSYBOX_IMAGE, BUSYBOX_IMAGE]);
    expect(BUSYBOX_IMAGE).toMatch(/^docker\.io\/library\/busybox:\d+\.\d+$/);
  });

  test("the bcrypt shape's copies in programs/dex-login.sh and policy/rules.ts are BCRYPT_HASH_PATTERN", () => {
    expect(programText("dex-login.sh").split("\n").filter((l) => l.includes("grep -Eq"))).toEqual([
      `printf '%s\\n' "$hash" | grep -Eq '^${BCRYPT_HASH_PATTERN}$' \\`,
    ]);
    expect(codeLines("policy/rules.ts").filter((l) => l.startsWith("const BCRYPT ="))).toEqual([`const BCRYPT = new RegExp(${JSON.stringify(BCRYPT_HASH_PATTERN)}, "g");`]);
    const hash = `$2b$10$${"a".repeat(53)}`;
    expect([isBcryptHash(hash), isBcryptHash(`${hash}a`), isBcryptHash(hash.replace("$2b", "$2x")), isBcryptHash(`x${hash}`)]).toEqual([true, false, false, false]);
    expect(checkBootstrapOptions({ dexPasswordHash: hash }).problems).toEqual([]);
    expect(checkBootstrapOptions({ dexPasswordHash: "$2b$10$short" }).problems.map(formatProblem)).toEqual([
      "options.dexPasswordHash: is not a bcrypt hash (pass the result of hashDexPassword, never the password)",
    ]);
  });

  test("the password rules' fix text states MIN_PASSWORD_LENGTH", () => {
    const fixes = (password: string) => (validateCluster("c", { kubeflow: { email: "a@example.com", password } }).problems as { path: string; fix?: string }[])
      .filter((p) => p.path === "kubeflow.password").map((p) => p.fix);
    expect(fixes("12341234")).toEqual([`choose your own password of at least ${MIN_PASSWORD_LENGTH} characters`]);
    expect(fixes("short")).toEqual([`choose a password of at least ${MIN_PASSWORD_LENGTH} characters`]);
  });

  test.each(["http-nodeport", "tls"] as const)("%s: expose.sh and status.sh get istio-ingressgateway's port from INGRESS_GATEWAY_PORTS", (exposure) => {
    const steps = planBootstrap(SAMPLE_1_3, { exposure });
    const env = (program: string) => steps.find((s) => s.run.program === program)?.run.env ?? {};
    const { number, name } = INGRESS_GATEWAY_PORTS[exposure];
    expect(env("expose.sh")).toMatchObject({ VK8S_SERVICE_PORT: String(number), VK8S_SERVICE_PORT_NAME: name });
    expect(env("status.sh")).toMatchObject({ VK8S_SERVICE_PORT: String(number) });
    expect(number).toBe(exposure === "tls" ? 443 : 80);
  });

  test("VK8S_IMAGE_TAG is the package version (scripts/images.sh tags vk8s's images with it)", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));
    expect(VK8S_IMAGE_TAG).toBe(pkg.version);
    expect(FL_DEFAULTS.image).toBe(`ghcr.io/vk8s/vk8s-fl:${pkg.version}`);
  });
});

/*
 * Where one rule replaced two that differed, inputs on which the old ones disagreed; each
 * case is a behaviour change named in the note (/work/notes/s4/facts-note.md).
 */
describe("one rule where there were two: the inputs on which they differed", () => {
  const emails = ["team-a@example.com", "a@-x.com", "a@x-.com", `${"a".repeat(65)}@example.com`, "a'b@example.com", "a@x"];

  test.each(emails)("email %s: the bootstrap planner and the validation agree (one isPlainEmail)", (email) => {
    const validation = validateCluster("c", { kubeflow: { email, password: "long-enough-pw" } });
    const validationRefuses = validation.problems.some((p) => p.path === "kubeflow.email");
    const planner = () => planBootstrap({ ...SAMPLE_1_3, kubeflow: { ...SAMPLE_1_3.kubeflow, email } });
    if (validationRefuses) expect(planner).toThrow(/^kubeflow\.email: /m);
    else expect(planner).not.toThrow();
    expect(isPlainEmail(email)).toBe(!validationRefuses);
  });

  test("a@-x.com (a domain label starting with '-'): the planner now refuses it, as the validation always did", () => {
    expect(isPlainEmail("a@-x.com")).toBe(false);
    expect(() => planBootstrap({ ...SAMPLE_1_3, kubeflow: { ...SAMPLE_1_3.kubeflow, email: "a@-x.com" } })).toThrow(
      'kubeflow.email: "a@-x.com" is not an email address (write it like team-a@example.com)',
    );
  });

  test("a claim or StorageClass name with an empty DNS label (a..b) is refused before anything is created", () => {
    expect(isDns1123Subdomain("a..b")).toBe(false);
    expect(isDns1123Subdomain("a.b")).toBe(true);
    expect(checkHostRenderOptions(SAMPLE_1_3, { userStorage: { claimName: "a..b" } })).toEqual([
      { path: "options.userStorage.claimName", message: '"a..b" is not a claim name', fix: "use lower-case letters, digits, - and ." },
    ]);
    const { problems } = resolveStorage("users.a", SAMPLE_1_3, { storageClassName: "fast..ssd" }, undefined, "/mnt/vk8s-storage");
    expect(problems).toEqual([
      { path: "users.a.storage.storageClassName", message: '"fast..ssd" is not a storage class name', fix: "name a class of the host cluster, e.g. standard" },
    ]);
  });

  /*
   * One isAbsoluteDirectory where three rules differed: options.localPathDir and
   * settings.storageMountPath (a plain-character regex; the settings also refused . and ..
   * segments) and options.userStorage.mountPath (only "/" first, not "/" alone, no "..").
   */
  const directories: [string, boolean][] = [
    ["/mnt/vk8s-storage", true],
    ["/data/models_v1.2", true],
    ["/mnt/a..b", true], // userStorage refused any "..": now only a ".." segment
    ["/", false],
    ["mnt/data", false],
    ["/mnt/../etc", false], // localPathDir accepted it
    ["/mnt/./data", false], // localPathDir accepted it
    ["/mnt//data", false], // localPathDir and the settings accepted it
    ["/mnt/data/", false], // userStorage accepted it
    ["/mnt/my data", false], // userStorage accepted it
    ["/mnt/$(id)", false], // userStorage accepted it
  ];

  test.each(directories)("directory %s: isAbsoluteDirectory %s, and the three options agree", (dir, ok) => {
    expect(isAbsoluteDirectory(dir)).toBe(ok);
    const local = checkBootstrapOptions({ localPathDir: dir }).problems.filter((p) => p.path === "options.localPathDir");
    const settings = checkPlatformSettings({ storageMountPath: dir }).filter((p) => p.path === "settings.storageMountPath");
    const user = checkHostRenderOptions(SAMPLE_1_3, { userStorage: { claimName: "data", mountPath: dir } }).filter((p) => p.path === "options.userStorage.mountPath");
    expect([local.length, settings.length, user.length]).toEqual(ok ? [0, 0, 0] : [1, 1, 1]);
  });

  test("bootstrap image options follow the distribution/reference grammar of src/core/names.ts", () => {
    const problems = (o: BootstrapOptionsInput) => formatProblems(checkBootstrapOptions(o).problems);
    // Accepted now (containerd accepts them): an upper-case registry host, a non-sha256 digest.
    expect(problems({ kubeadmImageRepository: "Registry.Example.com/k8s" })).toEqual([]);
    expect(problems({ localPathHelperImage: `docker.io/library/busybox:1.36@sha512:${"a".repeat(128)}` })).toEqual([]);
    // Refused as before: an empty host label, an upper-case path.
    expect(problems({ kubeadmImageRepository: "registry..example.com/k8s" })).toEqual([
      'options.kubeadmImageRepository: "registry..example.com/k8s" is not an image repository (give host[:port]/path without a scheme or tag, e.g. registry.example.com/k8s)',
    ]);
    expect(problems({ localPathHelperImage: "docker.io/Library/busybox:1.36" })).toHaveLength(1);
    expect(problems({ kubeadmEtcdImageTag: "3.6.16" })).toEqual([]);
    expect(problems({ kubeadmEtcdImageTag: "-3.6" })).toHaveLength(1);
  });
});
