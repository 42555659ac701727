/**
 * Building blocks of the bootstrap scripts: quoting, the common header, phase markers and
 * bounded waits. Everything here renders deterministic text: time only ever comes from
 * `date` when a script runs.
 */
import type { Phase } from "./types";

/** Single-quotes a value for POSIX sh (`'` becomes `'\''`). */
export function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Where scripts keep downloads and scratch files on a vNode; `VK8S_WORK_DIR` overrides it (tests). */
export const WORK_DIR = "/var/lib/vk8s";

/** The kubeconfig of the inner cluster's admin on the master vNode. */
export const ADMIN_CONF = "/etc/kubernetes/admin.conf";

export interface HeaderInput {
  id: string;
  title: string;
  node: string;
  /** Describes stdin when the script reads a secret from it (stated in the header). */
  stdin?: string;
}

/**
 * `#!/bin/sh`, a comment saying what the step is, `set -eu`, and the helpers every script
 * uses: `log` (stderr), `fail` (stderr, exit 1), `phase` (the `VK8S_PHASE` marker with the
 * UTC time of the run) and `work` (the scratch directory).
 */
export function header(input: HeaderInput): string {
  const lines = [
    "#!/bin/sh",
    `# vk8s bootstrap step ${input.id}: ${input.title}`,
    `# Runs on the vNode of node ${input.node}. Rendered by vk8s (src/bootstrap); do not edit.`,
  ];
  if (input.stdin) {
    lines.push(
      `# stdin: ${input.stdin}.`,
      "# Secrets reach this script only on stdin, by reference: they are never written into this file.",
    );
  }
  lines.push(
    "set -eu",
    "",
    `log() { printf '%s: %s\\n' ${shq(input.id)} "$*" >&2; }`,
    `fail() { log "ERROR: $*"; exit 1; }`,
    `phase() { printf 'VK8S_PHASE %s %s\\n' "$1" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"; }`,
    `work="\${VK8S_WORK_DIR:-${WORK_DIR}}"`,
    `mkdir -p "$work"`,
    "",
  );
  return lines.join("\n");
}

/** The marker line that starts a phase, printed at run time with the UTC timestamp. */
export function phaseMarker(phase: Phase): string {
  return `phase ${shq(phase)}`;
}

/** Use the inner cluster's admin kubeconfig (master vNode). */
export const USE_ADMIN_KUBECONFIG = `export KUBECONFIG=${ADMIN_CONF}`;

/**
 * A loop that retries `condition` (a shell command list) every `intervalSeconds` until it
 * succeeds, and fails with `what` after `timeoutSeconds`.
 */
export function waitUntil(condition: string, what: string, timeoutSeconds: number, intervalSeconds = 5): string {
  return [
    `deadline=$(( $(date +%s) + ${timeoutSeconds} ))`,
    `until ${condition}; do`,
    `  if [ "$(date +%s)" -ge "$deadline" ]; then fail ${shq(`timed out after ${timeoutSeconds}s waiting for ${what}`)}; fi`,
    `  sleep ${intervalSeconds}`,
    "done",
  ].join("\n");
}

/** Joins script parts with one blank line between them and a final newline. */
export function script(...parts: string[]): string {
  return parts.map((p) => p.replace(/\n+$/, "")).filter((p) => p.length > 0).join("\n\n") + "\n";
}

/** Lower-level version comparison of `major.minor` lines: `atLeast("1.10", "1.9")` is true. */
export function atLeast(version: string, minimum: string): boolean {
  const [a, b] = [version, minimum].map((v) => v.replace(/^v/, "").split(".").map((n) => Number(n)));
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}
