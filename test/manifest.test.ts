import * as fs from "fs";
import * as path from "path";
import { clusterArgsOfDocuments, parseVk8sDocuments, validateManifest } from "../src/manifest";
import { Vk8sValidationError } from "../src/core/errors";

const read = (name: string) => fs.readFileSync(path.join(__dirname, "fixtures/samples", name), "utf8");

function manifestError(text: string, source?: string): Vk8sValidationError {
  try {
    parseVk8sDocuments(text, source);
  } catch (e) {
    if (e instanceof Vk8sValidationError && e.subject.kind === "file") return e;
    throw e;
  }
  throw new Error("expected a Vk8sValidationError of a file");
}

describe("parseVk8sDocuments", () => {
  test("both apiVersion groups of the original operator", () => {
    expect(parseVk8sDocuments(read("sample-kf13.yaml")).map((d) => [d.apiVersion, d.name, d.line])).toEqual([["vk8s.skt.co.kr/v1alpha1", "sample3", 2]]);
    expect(parseVk8sDocuments(read("sample-kf14-gpu.yaml")).map((d) => [d.apiVersion, d.name, d.line])).toEqual([["vk8s.sktelecom.com/v1alpha1", "sample4", 3]]);
  });

  test("several documents, empty ones skipped; the spec is passed on untouched", () => {
    const text = `---\n${read("two-tenants.yaml")}\n---\n`;
    const docs = parseVk8sDocuments(text);
    expect(docs.map((d) => [d.apiVersion, d.name, d.line])).toEqual([
      ["vk8s.skt.co.kr/v1alpha1", "tenant-a", 3],
      ["vk8s.sktelecom.com/v1alpha1", "tenant-b", 19],
    ]);
    expect((docs[1].spec as { nodes: { resources: { limits: Record<string, unknown> } }[] }).nodes[1].resources.limits).toEqual({ "nvidia.com/gpu": 2 });
  });

  test("our own group is accepted too", () => {
    const docs = parseVk8sDocuments("apiVersion: vk8s.dev/v1alpha1\nkind: Vk8s\nmetadata: { name: a }\nspec: {}\n");
    expect(docs).toEqual([{ apiVersion: "vk8s.dev/v1alpha1", name: "a", spec: {}, line: 1 }]);
  });

  test("an empty file has no documents", () => {
    expect(parseVk8sDocuments("# nothing\n")).toEqual([]);
  });

  test.each<[string, string, string]>([
    ["YAML syntax error with line:col", read("broken-yaml.yaml"), "broken-yaml.yaml:7:3: Flow sequence in block collection must be sufficiently indented and end with a ]"],
    ["duplicate keys", "kind: Vk8s\nkind: Vk8s\n", "broken-yaml.yaml:2:1: Map keys must be unique"],
    ["another kind, naming the document and its line", read("broken-kind.yaml"), "broken-yaml.yaml:8:1: document 2 has kind \"Deployment\", not Vk8s (keep only kind: Vk8s documents in vk8s files)"],
    ["no kind at all", "apiVersion: v1\nmetadata: { name: a }\n", "broken-yaml.yaml:1:1: document 1 has kind null, not Vk8s (keep only kind: Vk8s documents in vk8s files)"],
    ["unknown apiVersion", "apiVersion: vk8s.example.com/v1\nkind: Vk8s\nmetadata: { name: a }\n", "broken-yaml.yaml:1:1: document 1 has apiVersion \"vk8s.example.com/v1\" (use one of vk8s.skt.co.kr/v1alpha1, vk8s.sktelecom.com/v1alpha1, vk8s.dev/v1alpha1)"],
    ["missing name", "apiVersion: vk8s.dev/v1alpha1\nkind: Vk8s\nspec: {}\n", "broken-yaml.yaml:1:1: document 1 has no metadata.name (name the cluster: metadata: { name: team-a })"],
    ["not a map", "- a\n- b\n", "broken-yaml.yaml:1:1: document 1 is not a map (expected a kind: Vk8s resource)"],
    // Issue 11: the alias name is not echoed (it may be a password written *Secret...); line and column point at it.
    ["unresolved alias", "kind: Vk8s\nspec: *nowhere\n", "broken-yaml.yaml:2:7: an alias (*name) refers to no anchor (&name) set before it (set the anchor first, or write the value)"],
  ])("%s", (_, text, message) => {
    const error = manifestError(text, "broken-yaml.yaml");
    expect(error.message).toBe(message);
    expect(error.subject).toEqual({ kind: "file", name: "broken-yaml.yaml" });
  });

  test("every bad document of a file is reported", () => {
    const text = "kind: Pod\n---\napiVersion: vk8s.dev/v1alpha1\nkind: Vk8s\nmetadata: { name: ok }\n---\nkind: Service\n";
    expect(manifestError(text).problems.map((p) => `${p.path.split(":")[1]}: ${p.message} (${p.fix})`)).toEqual([
      '1: document 1 has kind "Pod", not Vk8s (keep only kind: Vk8s documents in vk8s files)',
      '7: document 3 has kind "Service", not Vk8s (keep only kind: Vk8s documents in vk8s files)',
    ]);
  });
});

test("validateManifest validates every cluster of a file", () => {
  const results = validateManifest(read("two-tenants.yaml"), "two-tenants.yaml");
  expect(results.map(({ document, result }) => [document.name, result.ok && result.cluster.matrix.kubeflow.kubeflow, result.ok && result.cluster.nodes.map((n) => n.gpus)])).toEqual([
    ["tenant-a", "1.3", [0]],
    ["tenant-b", "1.4", [1, 2]],
  ]);
});

describe("clusterArgsOfDocuments", () => {
  test("one cluster per document, named by metadata.name: the spec, then extra; the password left plain for the caller to wrap", () => {
    const text = [
      "apiVersion: vk8s.skt.co.kr/v1alpha1\nkind: Vk8s\nmetadata: { name: a }\nspec:\n  ports: []\n  kubeflow: { version: v1.3.0, password: Sentinel-Pw-1 }\n",
      "apiVersion: vk8s.sktelecom.com/v1alpha1\nkind: Vk8s\nmetadata: { name: b }\nspec: { ports: [] }\n",
    ].join("---\n");
    const out = clusterArgsOfDocuments(text, { bootstrap: false as const });
    expect(out).toEqual([
      { name: "a", args: { ports: [], kubeflow: { version: "v1.3.0", password: "Sentinel-Pw-1" }, bootstrap: false } },
      { name: "b", args: { ports: [], kubeflow: {}, bootstrap: false } },
    ]);
  });

  test("a document that is not kind: Vk8s throws what parseVk8sDocuments throws", () => {
    expect(() => clusterArgsOfDocuments("apiVersion: v1\nkind: Pod\nmetadata: { name: a }\n", {})).toThrow(Vk8sValidationError);
  });
});
