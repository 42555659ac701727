/**
 * How a step program reaches its vNode. A remote command runs one shell text (its
 * `create`), so each step's text is a fixed wrapper that carries the step: it writes the
 * helper library, the program (both static files of `src/bootstrap/programs/`), the step's
 * data environment (`step.env`) and its data files into the step directory
 * `$VK8S_WORK_DIR/steps/<id>` (default `/var/lib/vk8s`, mode 0700), then runs the program
 * with the command's stdin. Files travel as quoted here-documents: byte for byte, readable
 * in a diff, and deterministic. Only the command's `create`/`delete`/`stdin` are used, so
 * any provider of `command:remote:Command` runs it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { shq, WORK_DIR } from "./shell";
import type { StepProgram } from "./types";

/** The here-document delimiter; no carried file may hold it as a line. */
const END = "VK8S_FILE_END";

/** The directory of the static programs: next to this module (sources, ts-node, jest) or in the package's `src/`. */
function programsDir(): string {
  const candidates = [path.join(__dirname, "programs"), path.resolve(__dirname, "../../../src/bootstrap/programs")];
  const found = candidates.find((d) => fs.existsSync(path.join(d, "lib.sh")));
  if (!found) throw new Error(`vk8s: the bootstrap programs are missing (looked in ${candidates.join(", ")}); reinstall the package`);
  return found;
}

const cache = new Map<string, string>();

/** Text of a static program (or `lib.sh`), e.g. `programText("calico.sh")`. */
export function programText(name: string): string {
  if (!/^[a-z0-9-]+\.sh$/.test(name)) throw new Error(`vk8s: ${JSON.stringify(name)} is not a bootstrap program name`);
  let text = cache.get(name);
  if (text === undefined) {
    text = fs.readFileSync(path.join(programsDir(), name), "utf8");
    cache.set(name, text);
  }
  return text;
}

/** Names of every static program and the helper library, sorted. */
export function programNames(): string[] {
  return fs.readdirSync(programsDir()).filter((f) => f.endsWith(".sh")).sort();
}

/** The step's data environment: `VK8S_STEP_ID` first, then the variables sorted by name, single-quoted. */
export function renderEnv(stepId: string, run: StepProgram): string {
  const keys = Object.keys(run.env).sort();
  for (const key of keys) {
    if (!/^VK8S_[A-Z0-9_]+$/.test(key)) throw new Error(`vk8s: step ${stepId}: ${key} is not a VK8S_* variable name`);
  }
  return [`VK8S_STEP_ID=${shq(stepId)}`, ...keys.map((k) => `${k}=${shq(run.env[k])}`)].join("\n") + "\n";
}

function carry(dest: string, content: string, what: string): string {
  if (content.split("\n").includes(END)) throw new Error(`vk8s: ${what} holds the line ${END}, which cannot be carried`);
  const body = content.endsWith("\n") ? content : `${content}\n`;
  return `cat > ${dest} <<'${END}'\n${body}${END}\n`;
}

/** The command text of a step (or of its delete program, with `dirName` `<id>.delete`), run on the vNode of `node`. */
export function bundle(stepId: string, dirName: string, title: string, node: string, run: StepProgram): string {
  const lines = [
    "#!/bin/sh",
    `# vk8s bootstrap step ${stepId}: ${title}`,
    `# Runs on the vNode of node ${node}. Program src/bootstrap/programs/${run.program}, data below; rendered by vk8s, do not edit.`,
    "set -eu",
    "umask 077",
    `step_dir="\${VK8S_WORK_DIR:-${WORK_DIR}}/steps/${dirName}"`,
    `rm -rf "$step_dir"`,
    `mkdir -p "$step_dir"`,
  ].join("\n") + "\n";
  const dirs = [...new Set(run.files.map((f) => path.posix.dirname(f.path)).filter((d) => d !== "."))].sort();
  const parts = [
    lines,
    carry(`"$step_dir/lib.sh"`, programText("lib.sh"), "lib.sh"),
    carry(`"$step_dir/program.sh"`, programText(run.program), run.program),
    carry(`"$step_dir/step.env"`, renderEnv(stepId, run), "step.env"),
    ...(dirs.length > 0 ? [dirs.map((d) => `mkdir -p "$step_dir/${d}"`).join("\n") + "\n"] : []),
    ...run.files.map((f) => {
      if (!/^[a-z0-9][a-z0-9._/-]*$/.test(f.path) || f.path.includes("..")) throw new Error(`vk8s: step ${stepId}: bad data file path ${f.path}`);
      return carry(`"$step_dir/${f.path}"`, f.content, f.path);
    }),
    `export VK8S_STEP_DIR="$step_dir"\nexec sh "$step_dir/program.sh"\n`,
  ];
  return parts.join("");
}
