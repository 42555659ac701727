/** Version comparison shared by the matrix and the bootstrap (bottom layer: imports nothing). */

/** Numeric comparison of dotted version lines (`v` prefix ignored, missing parts 0): `atLeast("1.10", "1.9")` is true. */
export function atLeast(version: string, minimum: string): boolean {
  const [a, b] = [version, minimum].map((v) => v.replace(/^v/, "").split(".").map((n) => Number(n)));
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}
