/**
 * The one error model of vk8s: every input problem is a `Problem` (field path, what is wrong,
 * how to fix it), and every set of them travels in one `Vk8sValidationError`, whose message
 * is `<verb> <subject>:` then one `<path>: <message> (<fix>)` line per problem. The CLI prints
 * the same lines (`formatProblems`), the components hand the same problems to Pulumi as
 * input-property errors (components/problems.ts).
 */

/** One thing wrong with an input, with the way out. */
export interface Problem {
  /** Dotted/indexed path of the field, e.g. `nodes[1].resources.limits.cpu`; in a file, `<file>:<line>:<col>`. */
  path: string;
  /** What is wrong, quoting the value where that helps (never a secret). */
  message: string;
  /**
   * How to fix it. Empty only where the YAML reader's own message is all there is (a syntax
   * error at a line and column): the line then ends with the message.
   */
  fix: string;
}

/** `<path>: <message> (<fix>)`, or `<path>: <message>` when there is no fix to give. */
export function formatProblem(p: Problem): string {
  return p.fix === "" ? `${p.path}: ${p.message}` : `${p.path}: ${p.message} (${p.fix})`;
}

/** One line per problem, each after `prefix` (the CLI's `<file>: <cluster>: `). */
export function formatProblems(problems: readonly Problem[], prefix = ""): string[] {
  return problems.map((p) => `${prefix}${formatProblem(p)}`);
}

/**
 * What a set of problems is about. A file's problems carry the file in their paths
 * (`<file>:<line>:<col>`, as compilers print them), so their message has no first line.
 */
export type ProblemSubject =
  | { kind: "virtual cluster"; name: string; verb?: "invalid" | "cannot render" }
  | { kind: "vk8s platform" }
  | { kind: "federated learning"; name: string }
  | { kind: "file"; name: string }
  /** Inputs of a helper called on its own, named as the header says: `bootstrap options`. */
  | { kind: "input"; name: string };

/** `virtual cluster "a"`, `vk8s platform`, `federated learning "x"`, or the file's name. */
export function describeSubject(subject: ProblemSubject): string {
  switch (subject.kind) {
    case "vk8s platform":
      return subject.kind;
    case "file":
    case "input":
      return subject.name;
    default:
      return `${subject.kind} ${quote(subject.name)}`;
  }
}

/**
 * Every problem of one input at once: a cluster spec and its component arguments
 * (`resolveCluster`, `Vk8sCluster`), a platform (`planPlatform`, `Vk8sPlatform`), a
 * federated-learning spec, a manifest or platform file. The message is
 * `invalid virtual cluster "a":` (`cannot render ...` for the renderer's checks,
 * `invalid vk8s platform:`, `invalid federated learning "x":`; none for a file) and then
 * one `formatProblem` line per problem.
 */
export class Vk8sValidationError extends Error {
  /** What the problems are about (see `ProblemSubject`). */
  readonly subject: ProblemSubject;
  /** `invalid virtual cluster "a"`: the message's first line without its colon (a file's message leaves it out). */
  readonly header: string;
  readonly problems: Problem[];

  constructor(s: ProblemSubject, problems: Problem[]) {
    const header = `${s.kind === "virtual cluster" ? s.verb ?? "invalid" : "invalid"} ${describeSubject(s)}`;
    const lines = formatProblems(problems);
    super((s.kind === "file" ? lines : [`${header}:`, ...lines]).join("\n"));
    this.name = "Vk8sValidationError";
    this.subject = s;
    this.header = header;
    this.problems = problems;
  }

  /** The virtual cluster's name when the subject is one; empty for the other subjects. */
  get clusterName(): string {
    return this.subject.kind === "virtual cluster" ? this.subject.name : "";
  }
}

/** Longest value, in characters, that messages quote in full. */
export const MAX_QUOTED = 80;

/**
 * A value quoted for a message: JSON-quoted (so control characters show as escapes), and
 * shortened past `MAX_QUOTED` characters to its start, an ellipsis and its length, so a
 * 5 MB value gives a short error, not a copy of itself. Never use it on a secret.
 */
export function quote(value: unknown): string {
  if (typeof value !== "string") {
    const json = JSON.stringify(value) ?? String(value);
    return json.length <= MAX_QUOTED ? json : `${json.slice(0, MAX_QUOTED - 16)}... (${json.length} characters)`;
  }
  const chars = [...value];
  if (chars.length <= MAX_QUOTED) return JSON.stringify(value);
  return `${JSON.stringify(chars.slice(0, MAX_QUOTED - 16).join(""))}... (${chars.length} characters)`;
}

/** A path segment: an object key or an array index. */
export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Renders a path the way users read it: `nodes[1].resources.limits.cpu`; keys that are not
 * plain identifiers are quoted, `limits["nvidia.com/gpu"]`, `labels["sidecar.istio.io/inject"]`.
 */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (IDENTIFIER.test(s)) out += out === "" ? s : `.${s}`;
    else out += `[${quote(s)}]`;
  }
  return out === "" ? "spec" : out;
}
