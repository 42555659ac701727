/**
 * The `vk8s` command line: the same checks and renders as the Pulumi components, for GitOps
 * pipelines without Pulumi. `main()` is the whole program (testable); `vk8s.ts` only wires it
 * to the process.
 *
 * Exit codes: 0 ok; 1 a cluster spec is invalid (every problem on stderr); 2 usage error,
 * unreadable file, YAML that is not a set of `kind: Vk8s` documents, or an output folder
 * that cannot be written safely (see `outputTree.ts`).
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs as parseArgv } from "node:util";
import { parseVk8sDocuments, type Vk8sDocument } from "../src/manifest";
import { renderMatrix } from "../src/matrix/resolve";
import { renderClusterTree } from "../src/gitops/clusterTree";
import { formatProblems, quote, Vk8sValidationError, type Problem } from "../src/core/errors";
import type { ResolvedCluster } from "../src/cluster/resolved";
import { validateCluster } from "../src/cluster/validate";
import { isDns1123Label } from "../src/core/names";
import { kubeflowSizeWarnings } from "../src/cluster/rules/kubeflowSize";
import { parsePlatformFile } from "../src/platform/file";
import { renderPlatformFiles } from "../src/platform/files";
import { planPlatform, type PlatformPlan } from "../src/platform/plan";
import { checkRoot, isSafeRelativePath, OutputTreeError, writeTree } from "./outputTree";

/** Where the CLI writes; each call is whole lines ending in `\n`. */
export interface CliIo {
  stdout(s: string): void;
  stderr(s: string): void;
}

/** What the CLI renders with; replaceable in tests. */
export interface CliDeps {
  renderClusterFiles(cluster: ResolvedCluster): { path: string; content: string }[];
}

export const USAGE = `Usage:
  vk8s validate FILE... [--host-cidr CIDR]...
      Check every kind: Vk8s document; print one summary line per cluster.
  vk8s render FILE... --out DIR [--host-cidr CIDR]...
      Write each cluster's host manifests to DIR/<cluster>/ (deterministic YAML);
      files vk8s wrote there before (listed in .vk8s-rendered.json) that the spec
      no longer produces are removed; nothing else is. Symlinks are
      refused, never followed; a failure leaves the previous tree as it was.
  vk8s validate --platform FILE
      Check a platform file (kind: Vk8s users, optional kind: Vk8sPlatform settings);
      print each user's cluster and NodePorts.
  vk8s render --platform FILE --out DIR
      Write every user's manifests to DIR/<user>/ (host/, bootstrap/, virtual/,
      secrets.yaml: references only) and DIR/_platform/nodeports.yaml; as above,
      only files vk8s wrote (DIR/.vk8s-rendered.json) are ever removed.
  vk8s matrix
      Print the Kubeflow x Kubernetes x kustomize x calico compatibility table.
  vk8s help
      Print this help.

Options:
  --out DIR          output directory of render (required for render)
  --platform FILE    a platform file instead of cluster files
  --host-cidr CIDR   a pod/service CIDR of the host cluster; virtual clusters must not overlap it

Exit codes: 0 ok, 1 invalid cluster spec, 2 usage error, unreadable file, YAML error
or an output folder vk8s cannot write safely (a symlink, a file where a folder goes).
`;

const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

interface Args {
  command?: string;
  files: string[];
  out?: string;
  platform?: string;
  hostCidrs: string[];
  help: boolean;
  error?: string;
}

/** The options, as `node:util` `parseArgs` declares them. */
const OPTIONS = {
  out: { type: "string" },
  platform: { type: "string" },
  "host-cidr": { type: "string", multiple: true },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * argv through `node:util` `parseArgs` (`--flag value`, `--flag=value`, `-h`, `--` ends the
 * options). Not strict: its tokens are checked here instead, so the messages stay ours
 * (`unknown option --strict`, `--out needs a value`) and name the argument as written.
 */
function parseArgs(argv: string[]): Args {
  const { positionals, tokens } = parseArgv({ args: argv, options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const [command, ...files] = positionals;
  const args: Args = { command, files, hostCidrs: [], help: false };
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    if (token.name === "help") {
      args.help = true;
      continue;
    }
    if (!Object.hasOwn(OPTIONS, token.name)) return { ...args, error: `unknown option ${argv[token.index]}` };
    const value = token.value;
    if (value === undefined || value === "") return { ...args, error: `${token.rawName} needs a value` };
    if (token.name === "out") args.out = value;
    else if (token.name === "platform") args.platform = value;
    else args.hostCidrs.push(value);
  }
  return args;
}

/** Runs `vk8s <argv>` (argv without node and script) and returns the exit code. */
export async function main(argv: string[], io: CliIo, deps: CliDeps = { renderClusterFiles: (c) => renderClusterTree(c) }): Promise<number> {
  const args = parseArgs(argv);
  const usageError = (message: string) => {
    io.stderr(`vk8s: ${message}\n\n${USAGE}`);
    return EXIT.usage;
  };
  if (args.error) return usageError(args.error);
  if (args.help || args.command === "help") {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  switch (args.command) {
    case "matrix":
      if (args.files.length > 0) return usageError("matrix takes no files");
      io.stdout(renderMatrix());
      return EXIT.ok;
    case "validate":
    case "render": {
      if (args.platform !== undefined) {
        if (args.files.length > 0) return usageError("--platform takes its file instead of cluster FILEs");
        if (args.command === "render" && args.out === undefined) return usageError("render needs --out DIR");
        return runPlatform(args.command, args.platform, args.out, args.hostCidrs, io);
      }
      if (args.files.length === 0) return usageError(`${args.command} needs at least one FILE`);
      if (args.command === "render" && args.out === undefined) return usageError("render needs --out DIR");
      const loaded = loadClusters(args.files, args.hostCidrs, io);
      if (args.command === "validate") {
        for (const c of loaded.clusters) {
          io.stdout(`${summary(c.cluster)}\n`);
          // Warnings, not problems: the exit code stays 0.
          for (const w of kubeflowSizeWarnings(c.cluster)) io.stdout(`${c.file}: ${c.cluster.name}: warning: ${w}\n`);
        }
        return loaded.code;
      }
      if (loaded.code !== EXIT.ok) {
        io.stderr("vk8s: nothing written: fix the problems above first\n");
        return loaded.code;
      }
      return renderAll(loaded.clusters, args.out as string, io, deps);
    }
    case undefined:
      return usageError("missing command");
    default:
      return usageError(`unknown command ${JSON.stringify(args.command)}`);
  }
}

/** Every problem on its own line in the one format, after `prefix` (`<file>: <cluster>: `). */
function printProblems(io: CliIo, problems: readonly Problem[], prefix: string): void {
  for (const line of formatProblems(problems, prefix)) io.stderr(`${line}\n`);
}

/** A render that failed: each problem of a `Vk8sValidationError` on its own line (as validate prints them), else the error's message; then that nothing was written. */
function reportRenderError(io: CliIo, prefix: string, e: unknown): void {
  if (e instanceof Vk8sValidationError) printProblems(io, e.problems, prefix);
  else io.stderr(`${prefix}${(e as Error).message}\n`);
  io.stderr("vk8s: nothing written\n");
}

/** A file that is not a set of documents vk8s reads: its problems (they name `<file>:<line>:<col>`), or why it cannot be read. */
function reportUnreadable(io: CliIo, file: string, e: unknown): void {
  if (e instanceof Vk8sValidationError) printProblems(io, e.problems, "");
  else io.stderr(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
}

interface LoadedCluster {
  file: string;
  document: Vk8sDocument;
  cluster: ResolvedCluster;
}

/** Reads, parses and validates every file; reports every problem; the exit code is the worst seen. */
function loadClusters(files: string[], hostCidrs: string[], io: CliIo): { clusters: LoadedCluster[]; code: number } {
  let code: number = EXIT.ok;
  const clusters: LoadedCluster[] = [];
  const seen = new Map<string, { file: string; line: number }>();
  for (const file of files) {
    let documents: Vk8sDocument[];
    try {
      documents = parseVk8sDocuments(fs.readFileSync(file, "utf8"), file);
    } catch (e) {
      reportUnreadable(io, file, e);
      code = EXIT.usage;
      continue;
    }
    if (documents.length === 0) {
      io.stderr(`${file}: no kind: Vk8s document found\n`);
      code = EXIT.usage;
      continue;
    }
    for (const document of documents) {
      const result = validateCluster(document.name, document.spec, { hostCidrs });
      const problems = result.ok ? [] : [...result.problems];
      const first = seen.get(document.name);
      if (first) {
        problems.unshift({ path: "metadata.name", message: `cluster ${JSON.stringify(document.name)} is also defined in ${first.file} line ${first.line}`, fix: "give every cluster a unique name" });
      } else {
        seen.set(document.name, { file, line: document.line });
      }
      // A name that is not a plain short label is quoted and shortened (a 5 MB name must not repeat per line).
      const label = isDns1123Label(document.name) ? document.name : quote(document.name);
      printProblems(io, problems, `${file}: ${label}: `);
      if (problems.length > 0) code = Math.max(code, EXIT.invalid);
      else if (result.ok) clusters.push({ file, document, cluster: result.cluster });
    }
  }
  return { clusters, code };
}

/** `sample3: kubernetes 1.20.15 (field-verified), kubeflow v1.3.0, calico 3.20.6, 1 node(s), 0 GPU(s)`. */
export function summary(cluster: ResolvedCluster): string {
  const gpus = cluster.nodes.reduce((sum, n) => sum + n.gpus, 0);
  const m = cluster.matrix;
  return `${cluster.name}: kubernetes ${m.kubernetesVersion} (${m.evidence}), kubeflow ${cluster.kubeflow.version}, calico ${m.calico}, ${cluster.nodes.length} node(s), ${gpus} GPU(s)`;
}

/** Renders every cluster in memory first, checks every output tree, then writes: a failure writes nothing. */
function renderAll(clusters: LoadedCluster[], out: string, io: CliIo, deps: CliDeps): number {
  const planned: { cluster: ResolvedCluster; files: { path: string; content: string }[] }[] = [];
  for (const { file, cluster } of clusters) {
    try {
      const files = deps.renderClusterFiles(cluster);
      const unsafe = files.find((f) => !isSafeRelativePath(f.path));
      if (unsafe) throw new Error(`renderer returned an unsafe path ${JSON.stringify(unsafe.path)}`);
      planned.push({ cluster, files });
    } catch (e) {
      reportRenderError(io, `${file}: ${cluster.name}: cannot render: `, e);
      return EXIT.invalid;
    }
  }
  return writeTrees(io, out, planned.map(({ cluster, files }) => ({ root: path.join(out, cluster.name), files, label: `${cluster.name}: ` })));
}

/**
 * Checks every tree (`outputTree.ts`: no symlink followed, nothing foreign removed), then
 * writes each; an unsafe output is exit 2 with the reason and nothing written.
 */
function writeTrees(io: CliIo, out: string, trees: { root: string; files: { path: string; content: string }[]; label: string }[]): number {
  try {
    checkRoot(out);
    for (const t of trees) writeTree(t.root, t.files, { dryRun: true });
    for (const t of trees) {
      const { changed, removed, kept } = writeTree(t.root, t.files);
      const keptNote = kept.length > 0 ? `, ${kept.length} kept: no longer what vk8s wrote (${kept.join(", ")})` : "";
      io.stdout(`${t.label}${t.files.length} file(s) in ${t.root} (${changed} changed, ${removed} removed${keptNote})\n`);
    }
    return EXIT.ok;
  } catch (e) {
    if (!(e instanceof OutputTreeError)) throw e;
    io.stderr(`vk8s: cannot write ${out}: ${e.message}\n`);
    io.stderr("vk8s: nothing written\n");
    return EXIT.usage;
  }
}

/** `validate|render --platform FILE`: plan every user; render writes the whole tree at once. */
function runPlatform(command: "validate" | "render", file: string, out: string | undefined, hostCidrs: string[], io: CliIo): number {
  let plan: PlatformPlan;
  try {
    const parsed = parsePlatformFile(fs.readFileSync(file, "utf8"), file);
    const settings = { ...parsed.settings, hostCidrs: [...(parsed.settings.hostCidrs ?? []), ...hostCidrs] };
    plan = planPlatform(parsed.users, settings);
  } catch (e) {
    if (e instanceof Vk8sValidationError && e.subject.kind !== "file") {
      printProblems(io, e.problems, `${file}: `);
      if (command === "render") io.stderr("vk8s: nothing written: fix the problems above first\n");
      return EXIT.invalid;
    }
    reportUnreadable(io, file, e);
    return EXIT.usage;
  }
  if (command === "validate") {
    for (const t of plan.tenants) {
      const ports = Object.entries(t.nodePorts.ports).map(([k, v]) => `${k}=${v}`).join(" ");
      io.stdout(`${summary(t.cluster)}, nodePorts ${ports}\n`);
    }
    return EXIT.ok;
  }
  const dir = out as string;
  if (fs.existsSync(path.join(dir, ".git"))) {
    io.stderr(`vk8s: ${dir} holds .git: render --platform owns its output directory (use a subdirectory such as deploy/vk8s)\n`);
    return EXIT.usage;
  }
  let files: { path: string; content: string }[];
  try {
    files = renderPlatformFiles(plan);
  } catch (e) {
    reportRenderError(io, `${file}: cannot render: `, e);
    return EXIT.invalid;
  }
  return writeTrees(io, dir, [{ root: dir, files, label: `${plan.tenants.length} user(s), ` }]);
}
