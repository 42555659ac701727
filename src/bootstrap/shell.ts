/** Small shared helpers of the bootstrap: POSIX quoting, the vNode work directory, version comparison. */

/** Single-quotes a value for POSIX sh (`'` becomes `'\''`). */
export function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Where programs keep downloads, step directories and scratch files on a vNode; `VK8S_WORK_DIR` overrides it (tests). */
export const WORK_DIR = "/var/lib/vk8s";

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
