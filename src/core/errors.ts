/**
 * Problems found in a virtual cluster spec, in the one shape every part of vk8s uses:
 * `<field path>: <what is wrong> (<how to fix>)`.
 */

/** One thing wrong with an input, with the way out. */
export interface Problem {
  /** Dotted/indexed path of the field, e.g. `nodes[1].resources.limits.cpu`. */
  path: string;
  /** What is wrong, quoting the value where that helps (never a secret). */
  message: string;
  /** How to fix it. */
  fix: string;
}

/** `<path>: <message> (<fix>)`. */
export function formatProblem(p: Problem): string {
  return `${p.path}: ${p.message} (${p.fix})`;
}

/** Thrown by `resolveCluster()` with every problem of one cluster at once. */
export class Vk8sValidationError extends Error {
  readonly problems: Problem[];
  readonly clusterName: string;

  constructor(clusterName: string, problems: Problem[]) {
    super(`invalid virtual cluster ${quote(clusterName)}:\n${problems.map(formatProblem).join("\n")}`);
    this.name = "Vk8sValidationError";
    this.clusterName = clusterName;
    this.problems = problems;
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
