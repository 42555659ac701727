/**
 * The shape check: runs the zod schema and turns its issues into `Problem`s with
 * user-facing paths and fixes. Also returns the input with every mistyped value removed,
 * so the domain rules can still check everything that is well-formed (all problems at once).
 */
import { z } from "zod";
import { formatPath, type PathSegment, type Problem, quote } from "../core/errors";
import { clusterSpecSchema, type ClusterSpecInput } from "./schema";

/** Recursively optional: what the domain rules see when the shape check failed somewhere. */
export type DeepPartial<T> = T extends (infer E)[]
  ? (DeepPartial<E> | undefined)[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** The spec as the domain rules see it: possibly incomplete, never mistyped. */
export type LooseSpec = DeepPartial<ClusterSpecInput>;

/** Fields whose values are never quoted back in messages. */
const SECRET_PATHS = new Set(["kubeflow.password"]);

export function checkShape(input: unknown): { problems: Problem[]; loose?: LooseSpec; spec?: ClusterSpecInput } {
  const parsed = clusterSpecSchema.safeParse(input);
  if (parsed.success) return { problems: [], loose: parsed.data, spec: parsed.data };
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return { problems: [{ path: "spec", message: `expected a map of fields, got ${describe(input, false)}`, fix: "write the spec as a YAML/JSON object with at least kubeflow" }] };
  }
  const problems: Problem[] = [];
  const loose = plainCopy(input);
  for (const issue of parsed.error.issues) {
    const path = issue.path.filter((s): s is PathSegment => typeof s !== "symbol");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        problems.push(unknownField([...path, key]));
        if (loose) removeAt(loose, [...path, key]);
      }
      continue;
    }
    problems.push(translate(issue, path, valueAt(input, path)));
    if (loose) removeAt(loose, path);
  }
  // A value that cannot be copied (functions, Pulumi outputs) still gets its shape problems.
  return { problems, loose: loose as LooseSpec | undefined };
}

/** A deep copy to prune, or `undefined` when the input holds values that are not plain data. */
function plainCopy(input: object): Record<string, unknown> | undefined {
  try {
    return structuredClone(input) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function translate(issue: z.core.$ZodIssue, path: PathSegment[], value: unknown): Problem {
  const p = formatPath(path);
  const secret = SECRET_PATHS.has(p);
  if (issue.code === "invalid_type" && value === undefined) {
    const required = requiredFields(schemaAt(path));
    return { path: p, message: "is required", fix: required.length > 0 ? `add ${p} with ${required.join(", ")}` : `set ${p}` };
  }
  if (issue.code === "invalid_type") {
    const expected = EXPECTED[issue.expected] ?? issue.expected;
    let fix = `write ${p} as ${expected}`;
    if (issue.expected === "string" && typeof value === "number") {
      fix = p.endsWith("version") ? `quote it in YAML, e.g. "1.20": unquoted 1.20 is read as the number 1.2` : "quote it in YAML";
    }
    return { path: p, message: `expected ${expected}, got ${describe(value, secret)}`, fix };
  }
  if (issue.code === "invalid_value") {
    const choices = issue.values.map(String).join(", ");
    return { path: p, message: `${describe(value, secret)} is not one of ${choices}`, fix: `use one of ${choices}` };
  }
  if (issue.code === "invalid_union") {
    return { path: p, message: `expected a quantity, got ${describe(value, secret)}`, fix: `write a quantity such as "1", "500m" or 16Gi` };
  }
  if (issue.code === "too_big" || issue.code === "too_small") {
    const bound = issue.code === "too_big" ? `at most ${String(issue.maximum)}` : `at least ${String(issue.minimum)}`;
    return { path: p, message: `${describe(value, secret)} is out of range`, fix: `use a value of ${bound}` };
  }
  return { path: p, message: issue.message, fix: "see the field documentation in src/cluster/schema.ts" };
}

const EXPECTED: Record<string, string> = {
  string: "a string", number: "a number", int: "a whole number", object: "a map", array: "a list", record: "a map",
};

function unknownField(path: PathSegment[]): Problem {
  const known = Object.keys(shapeOf(schemaAt(path.slice(0, -1))));
  const key = String(path[path.length - 1]);
  const near = known.find((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
  const fix = near ? `did you mean ${near}?` : `remove it; known fields: ${known.join(", ")}`;
  return { path: formatPath(path), message: "unknown field", fix };
}

function describe(value: unknown, secret: boolean): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  if (typeof value === "function") return "a function";
  if (secret) return `a ${typeof value}`;
  if (typeof value === "string") return `the string ${quote(value)}`;
  return `the ${typeof value} ${String(value)}`;
}

function valueAt(root: unknown, path: PathSegment[]): unknown {
  let v = root;
  for (const s of path) v = typeof v === "object" && v !== null ? (v as Record<string | number, unknown>)[s] : undefined;
  return v;
}

function removeAt(root: Record<string, unknown>, path: PathSegment[]): void {
  const parent = valueAt(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (Array.isArray(parent) && typeof last === "number") parent[last] = undefined;
  else if (typeof parent === "object" && parent !== null) delete (parent as Record<string, unknown>)[String(last)];
}

/**
 * The part of the spec's JSON Schema (zod's `z.toJSONSchema`, input side: fields with a
 * default are not required) that names fields: object properties, the required ones, and
 * what lists and maps hold.
 */
interface FieldSchema {
  properties?: Record<string, FieldSchema>;
  required?: string[];
  items?: FieldSchema;
  additionalProperties?: FieldSchema | boolean;
}

let specJsonSchema: FieldSchema | undefined;

/** The schema of the field at `path` (list indexes and map keys step into items and values). */
function schemaAt(path: PathSegment[]): FieldSchema | undefined {
  // Built on first use: only a failed shape check needs it. `unrepresentable: "any"`:
  // refinements and transforms have no JSON Schema, and field names are all this needs.
  specJsonSchema ??= z.toJSONSchema(clusterSpecSchema, { io: "input", unrepresentable: "any" }) as FieldSchema;
  let schema: FieldSchema | undefined = specJsonSchema;
  for (const s of path) {
    if (schema?.properties) schema = schema.properties[String(s)];
    else if (schema?.items) schema = schema.items;
    else if (typeof schema?.additionalProperties === "object") schema = schema.additionalProperties;
    else return undefined;
  }
  return schema;
}

function shapeOf(schema: FieldSchema | undefined): Record<string, FieldSchema> {
  return schema?.properties ?? {};
}

function requiredFields(schema: FieldSchema | undefined): string[] {
  return schema?.required ?? [];
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}
