/**
 * Deterministic YAML for rendered objects, so that a GitOps diff shows only real change:
 * top-level `apiVersion`, `kind`, `metadata` first, every other mapping key sorted,
 * arrays in their order, multi-line strings as block literals, no line folding.
 *
 * Output follows the YAML 1.1 core schema, which is what Kubernetes tools parse (go-yaml):
 * strings such as `"yes"`, `"on"`, `"0777"` or `"1.20"` are quoted so they stay strings.
 */
import { Document } from "yaml";

const TOP_LEVEL_FIRST = ["apiVersion", "kind", "metadata"];

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A copy with keys ordered as described above; `undefined` values are dropped. */
function normalise(value: unknown, topLevel: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => normalise(v, false));
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  const rank = (k: string) => (topLevel && TOP_LEVEL_FIRST.includes(k) ? TOP_LEVEL_FIRST.indexOf(k) : TOP_LEVEL_FIRST.length);
  entries.sort(([a], [b]) => rank(a) - rank(b) || compareKeys(a, b));
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) out[k] = normalise(v, false);
  return out;
}

/** One YAML document (ends with a newline, no `---`). */
export function toYaml(obj: unknown): string {
  const doc = new Document(normalise(obj, true), { version: "1.1" });
  return doc.toString({ lineWidth: 0, blockQuote: "literal", indentSeq: true });
}

/** Several documents separated by `---` lines. */
export function toYamlDocuments(objs: readonly unknown[]): string {
  return objs.map(toYaml).join("---\n");
}
