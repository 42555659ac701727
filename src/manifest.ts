/**
 * Reading the original operator's manifests: YAML files holding one or more `kind: Vk8s`
 * documents (reference, section 3), so users of the old operator can migrate as they are.
 */
import { quote, Vk8sValidationError } from "./core/errors";
import { isAlias, isNode, LineCounter, parseAllDocuments, visit, type Document, type YAMLError } from "yaml";
import { validateCluster, type ValidateOptions, type ValidationResult } from "./cluster/validate";
import type { ClusterSpecInput } from "./cluster/schema";

/** apiVersions accepted for `kind: Vk8s`: the two groups of the original operator, and ours. */
export const VK8S_API_VERSIONS = ["vk8s.skt.co.kr/v1alpha1", "vk8s.sktelecom.com/v1alpha1", "vk8s.dev/v1alpha1"] as const;
export const VK8S_KIND = "Vk8s";

/** One `kind: Vk8s` document: its name and raw spec (validated later by `validateCluster`). */
export interface Vk8sDocument {
  apiVersion: string;
  name: string;
  spec: unknown;
  /** 1-based line where the document's content starts. */
  line: number;
}

/** One thing wrong with a manifest file (not with a cluster spec). */
export interface ManifestIssue {
  line: number;
  col: number;
  /** What is wrong (never source text). */
  message: string;
  /** How to fix it; empty where the YAML library's own message is all there is. */
  fix: string;
}

/**
 * A file's issues as the one error (`Vk8sValidationError` with subject `file`): each problem's
 * path is `<source>:<line>:<col>`, so every line reads `<source>:<line>:<col>: <what is wrong> (<fix>)`.
 */
export function fileProblems(source: string, issues: readonly ManifestIssue[]): Vk8sValidationError {
  return new Vk8sValidationError({ kind: "file", name: source }, issues.map((i) => ({ path: `${source}:${i.line}:${i.col}`, message: i.message, fix: i.fix })));
}

/**
 * A YAML library error as a message that never holds source text: some library messages
 * quote the offending source (`Block scalar header includes extra characters: |Secr...`,
 * `Unresolved tag: !Secret`), and the offending source may be a password. Only the line
 * and column point at it.
 */
export function safeYamlMessage(error: YAMLError): { message: string; fix: string } {
  const m = error.message;
  if (m.startsWith("Block scalar header includes extra characters")) return { message: "Block scalar header includes extra characters", fix: "a value starting with | or > is a block scalar: quote the value" };
  if (m.startsWith("Invalid escape sequence")) return { message: "Invalid escape sequence in a double-quoted string", fix: "use single quotes, or escape the backslash" };
  if (m.startsWith("Unresolved tag")) return { message: "Unresolved tag", fix: "vk8s takes no YAML tags: remove it, or quote a value starting with !" };
  if (m.startsWith("Plain value cannot start with")) return { message: "Plain value cannot start with a reserved or indicator character such as @, `, %", fix: "quote the value" };
  if (m.startsWith("Anchors and tags must be after")) return { message: "Anchors and tags must be after the indicator", fix: "" };
  const unexpected = /^Unexpected .* in (flow map|flow sequence|collection)$/.exec(m);
  if (unexpected) return { message: `Unexpected token in ${unexpected[1]}`, fix: "" };
  // Every other message is fixed text, or names a token type; cut anything after a colon to be sure.
  return { message: m.replace(/:[\s\S]*$/, ""), fix: "" };
}

/**
 * What vk8s refuses in a document that is valid YAML: explicit tags (`!Secret x` would
 * silently become `x`; `!!binary` and custom tags change values), anchors on single values
 * (`&Secret x` would become `x`), and aliases to no anchor. Positions only, no source text.
 */
export function yamlNodeIssues(doc: Document.Parsed, lineCounter: LineCounter): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const at = (offset: number | undefined, message: string, fix: string) => {
    const pos = lineCounter.linePos(offset ?? 0);
    issues.push({ line: pos.line, col: pos.col, message, fix });
  };
  visit(doc, (_key, node) => {
    if (isAlias(node)) {
      if (node.resolve(doc) === undefined) at(node.range?.[0], "an alias (*name) refers to no anchor (&name) set before it", "set the anchor first, or write the value");
      return;
    }
    if (!isNode(node)) return;
    if (node.tag !== undefined) {
      at(node.range?.[0], "a YAML tag (!tag or !!type) is not accepted: vk8s fields are plain values", "remove the tag; quote a value that starts with !");
    }
    if (node.anchor !== undefined && !("items" in node)) {
      at(node.range?.[0], "an anchor (&name) on a single value is not accepted", "remove it; quote a value that starts with &");
    }
  });
  return issues;
}

/**
 * Annotations that describe how a document was applied, not the cluster: never carried
 * (`kubectl apply` stores the whole last document there, the plain password included).
 */
const DROPPED_ANNOTATION_PREFIXES = ["kubectl.kubernetes.io/"];

/**
 * A `kind: Vk8s` document's spec with its `metadata.labels` and `metadata.annotations`
 * carried into `spec.labels` / `spec.annotations` (the original operator's update test
 * labels the custom resource and expects the label on the StatefulSets). The spec's own
 * entries win; a key set differently in both is an error.
 */
export function specWithMetadata(metadata: Record<string, unknown>, spec: unknown): { spec: unknown } | { error: { message: string; fix: string } } {
  const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
  if (!isMap(spec)) return { spec };
  let out: Record<string, unknown> = spec;
  for (const field of ["labels", "annotations"] as const) {
    const fromMetadata = metadata[field];
    if (fromMetadata === undefined || fromMetadata === null) continue;
    if (!isMap(fromMetadata)) return { error: { message: `metadata.${field} is not a map`, fix: "write it like { team: a }" } };
    const kept = Object.entries(fromMetadata).filter(([k]) => field === "labels" || !DROPPED_ANNOTATION_PREFIXES.some((p) => k.startsWith(p)));
    if (kept.length === 0 || (out[field] !== undefined && !isMap(out[field]))) continue; // a mistyped spec field is reported by the validation
    const own = isMap(out[field]) ? (out[field] as Record<string, unknown>) : {};
    const clash = kept.find(([k, v]) => Object.hasOwn(own, k) && own[k] !== v);
    if (clash) return { error: { message: `metadata.${field}[${quote(clash[0])}] differs from spec.${field}[${quote(clash[0])}]`, fix: "keep one of them" } };
    out = { ...out, [field]: { ...Object.fromEntries(kept), ...own } };
  }
  return { spec: out };
}

/**
 * Parses every document of a YAML text; empty documents are skipped. Throws
 * `Vk8sValidationError` (subject `file`) listing every syntax error (line:col) and every document that is not
 * a `kind: Vk8s` with a known apiVersion and a `metadata.name`.
 */
export function parseVk8sDocuments(text: string, source = "<input>"): Vk8sDocument[] {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  const docs = Array.isArray(parsed) ? parsed : [];
  const issues: ManifestIssue[] = [];
  const result: Vk8sDocument[] = [];
  docs.forEach((doc, index) => {
    const start = lineCounter.linePos(doc.contents?.range[0] ?? doc.range[0]);
    const where = `document ${index + 1}`;
    const issue = (message: string, fix: string, pos = start) => issues.push({ line: pos.line, col: pos.col, message, fix });
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const { message, fix } = safeYamlMessage(e);
        issue(message, fix, lineCounter.linePos(e.pos[0]));
      }
      return;
    }
    if (doc.contents === null) return;
    const nodeIssues = yamlNodeIssues(doc, lineCounter);
    if (nodeIssues.length > 0) {
      issues.push(...nodeIssues);
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch {
      // The library's message may quote source text (alias names); say what, not which.
      issue(`${where}: cannot be read as data`, "too many or circular aliases");
      return;
    }
    if (value === null || value === undefined) return; // an empty document (`---` with nothing after it)
    if (typeof value !== "object" || Array.isArray(value)) {
      issue(`${where} is not a map`, `expected a kind: ${VK8S_KIND} resource`);
      return;
    }
    const { apiVersion, kind, metadata, spec } = value as Record<string, unknown>;
    if (kind !== VK8S_KIND) {
      issue(`${where} has kind ${quote(kind ?? null)}, not ${VK8S_KIND}`, `keep only kind: ${VK8S_KIND} documents in vk8s files`);
      return;
    }
    if (typeof apiVersion !== "string" || !(VK8S_API_VERSIONS as readonly string[]).includes(apiVersion)) {
      issue(`${where} has apiVersion ${quote(apiVersion ?? null)}`, `use one of ${VK8S_API_VERSIONS.join(", ")}`);
      return;
    }
    const name = (metadata as { name?: unknown } | undefined)?.name;
    if (typeof name !== "string" || name === "") {
      issue(`${where} has no metadata.name`, "name the cluster: metadata: { name: team-a }");
      return;
    }
    const carried = specWithMetadata(metadata as Record<string, unknown>, spec);
    if ("error" in carried) {
      issue(`${where}: ${carried.error.message}`, carried.error.fix);
      return;
    }
    result.push({ apiVersion, name, spec: carried.spec, line: start.line });
  });
  if (issues.length > 0) throw fileProblems(source, issues);
  return result;
}

/** Parses and validates every cluster of a manifest text (throws `Vk8sValidationError` on bad YAML). */
export function validateManifest(text: string, source?: string, options?: ValidateOptions): { document: Vk8sDocument; result: ValidationResult }[] {
  return parseVk8sDocuments(text, source).map((document) => ({ document, result: validateCluster(document.name, document.spec, options) }));
}

/** One cluster's arguments from a `kind: Vk8s` document (`clusterArgsOfDocuments`). */
export interface DocumentClusterArgs<E extends object> {
  /** The document's `metadata.name`: the component's name. */
  name: string;
  /**
   * The document's spec, then `extra`. `kubeflow.password` is the document's plain password:
   * the caller must wrap it as a secret before it is used (`Vk8sCluster.fromManifest` does).
   */
  args: ClusterSpecInput & E;
}

/**
 * The arguments of one cluster per `kind: Vk8s` document of `yamlText` (both API groups of the
 * original operator, and ours), in document order: the spec as written, then `extra` (arguments
 * that are not part of a spec, e.g. `bootstrap`). Not validated here: the component's one
 * validation does that. Throws what `parseVk8sDocuments` throws.
 */
export function clusterArgsOfDocuments<E extends object>(yamlText: string, extra: E): DocumentClusterArgs<E>[] {
  return parseVk8sDocuments(yamlText).map((doc) => {
    const spec = (doc.spec ?? {}) as ClusterSpecInput;
    const kubeflow = spec.kubeflow ?? ({} as ClusterSpecInput["kubeflow"]);
    return { name: doc.name, args: { ...spec, ...extra, kubeflow } };
  });
}
