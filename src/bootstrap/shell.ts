/** Small shared helpers of the bootstrap: POSIX quoting, the vNode work directory, version comparison. */

/** Single-quotes a value for POSIX sh (`'` becomes `'\''`). */
export function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Where programs keep downloads, step directories and scratch files on a vNode; `VK8S_WORK_DIR` overrides it (tests). */
export const WORK_DIR = "/var/lib/vk8s";
