import { parse } from "yaml";
import { toYaml, toYamlDocuments } from "../src/render/yaml";

describe("toYaml", () => {
  it("puts apiVersion, kind, metadata first and sorts every other key, at every depth", () => {
    const out = toYaml({ spec: { z: 1, a: { q: 2, b: 3 } }, metadata: { name: "web", labels: { zz: "1", aa: "2" } }, kind: "K", apiVersion: "v1", data: {} });
    expect(out).toBe([
      "apiVersion: v1",
      "kind: K",
      "metadata:",
      "  labels:",
      '    aa: "2"',
      '    zz: "1"',
      "  name: web",
      "data: {}",
      "spec:",
      "  a:",
      "    b: 3",
      "    q: 2",
      "  z: 1",
      "",
    ].join("\n"));
  });

  it("keeps array order, drops undefined values and sorts keys by code unit, not locale", () => {
    expect(toYaml({ b: undefined, list: [{ Z: 1, a: 2 }, "x"] })).toBe("list:\n  - Z: 1\n    a: 2\n  - x\n");
  });

  it.each([
    ["yes", '"yes"'],
    ["on", '"on"'],
    ["false", '"false"'],
    ["1", '"1"'],
    ["1.20", '"1.20"'],
    ["0777", '"0777"'],
    ["y", '"y"'],
    ["plain", "plain"],
  ])("quotes %s so YAML 1.1 readers (kubectl) keep it a string", (value, rendered) => {
    expect(toYaml({ v: value })).toBe(`v: ${rendered}\n`);
    expect(parse(toYaml({ v: value }), { version: "1.1" })).toEqual({ v: value });
  });

  it("writes multi-line strings as block literals, unfolded", () => {
    const script = `#!/bin/sh\nset -eu\necho "${"x".repeat(200)}"\n`;
    const out = toYaml({ data: { "start.sh": script } });
    expect(out).toBe(`data:\n  start.sh: |\n    #!/bin/sh\n    set -eu\n    echo "${"x".repeat(200)}"\n`);
    expect(parse(out).data["start.sh"]).toBe(script);
  });

  it("gives the same bytes for objects built in a different key order", () => {
    expect(toYaml({ kind: "K", apiVersion: "v1", metadata: { name: "a" }, spec: { b: 1, a: 2 } }))
      .toBe(toYaml({ spec: { a: 2, b: 1 }, metadata: { name: "a" }, apiVersion: "v1", kind: "K" }));
  });
});

describe("toYamlDocuments", () => {
  it("separates documents with --- lines", () => {
    expect(toYamlDocuments([{ a: 1 }, { b: 2 }])).toBe("a: 1\n---\nb: 2\n");
  });
});
