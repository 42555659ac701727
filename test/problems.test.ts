/**
 * The one error model: `Vk8sValidationError` (src/core/errors.ts) and its conversion to
 * Pulumi's input-property error (components/problems.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { formatProblem, formatProblems, Vk8sValidationError, type Problem } from "../src/core/errors";
import { requirePassword } from "../src/platform/secrets";
import { checkBootstrapOptions, resolveBootstrapOptions } from "../src/bootstrap/options";
import { parseVk8sDocuments } from "../src/manifest";
import { roundPrefix } from "../src/fl/storage";
import { inputPropertyErrors, toInputPropertiesError, withInputPropertyErrors } from "../components/problems";

const problems: Problem[] = [
  { path: "nodes[0].role", message: '"boss" is not master or worker', fix: "use master or worker" },
  { path: "ports[1].port", message: "29999 is outside 30000-32767", fix: "choose a NodePort in 30000-32767" },
];

describe("Vk8sValidationError", () => {
  test.each<[string, ConstructorParameters<typeof Vk8sValidationError>[0], string]>([
    ["a cluster name", { kind: "virtual cluster", name: "team-a" }, 'invalid virtual cluster "team-a"'],
    ["a cluster the renderer refuses", { kind: "virtual cluster", name: "team-a", verb: "cannot render" }, 'cannot render virtual cluster "team-a"'],
    ["a platform", { kind: "vk8s platform" }, "invalid vk8s platform"],
    ["a federated-learning spec", { kind: "federated learning", name: "fl" }, 'invalid federated learning "fl"'],
    ["a name with a newline, quoted", { kind: "virtual cluster", name: "a\nb" }, 'invalid virtual cluster "a\\nb"'],
  ])("%s: `<header>:` then one line per problem", (_, subject, header) => {
    const e = new Vk8sValidationError(subject, problems);
    expect(e.header).toBe(header);
    expect(e.message).toBe(`${header}:\nnodes[0].role: "boss" is not master or worker (use master or worker)\nports[1].port: 29999 is outside 30000-32767 (choose a NodePort in 30000-32767)`);
    expect(e.name).toBe("Vk8sValidationError");
    expect(e.problems).toBe(problems);
  });

  test("a file's problems carry the file in their paths: no header line", () => {
    const e = new Vk8sValidationError({ kind: "file", name: "a.yaml" }, [{ path: "a.yaml:2:1", message: "Map keys must be unique", fix: "" }]);
    expect(e.message).toBe("a.yaml:2:1: Map keys must be unique");
    expect(e.clusterName).toBe("");
  });

  test("clusterName is the virtual cluster's", () => {
    expect(new Vk8sValidationError({ kind: "virtual cluster", name: "team-a" }, problems).clusterName).toBe("team-a");
  });

  test("formatProblems prefixes every line; an empty fix leaves no parentheses", () => {
    expect(formatProblems(problems, "f.yaml: team-a: ")).toEqual([
      'f.yaml: team-a: nodes[0].role: "boss" is not master or worker (use master or worker)',
      "f.yaml: team-a: ports[1].port: 29999 is outside 30000-32767 (choose a NodePort in 30000-32767)",
    ]);
    expect(formatProblem({ path: "x:1:1", message: "bad", fix: "" })).toBe("x:1:1: bad");
  });
});

describe("checkers build Problems, never lines parsed back", () => {
  test("bootstrap options: message and fix apart, printed as before", () => {
    const { problems } = checkBootstrapOptions({ exposure: "https" as never, apply: { attempts: 0 } });
    expect(problems).toEqual([
      { path: "options.apply.attempts", message: "must be a whole number >= 1, got 0", fix: "use at least 1" },
      { path: "options.exposure", message: '"https" is not supported', fix: "use http-nodeport or tls" },
    ]);
    expect(formatProblems(problems)).toEqual([
      "options.apply.attempts: must be a whole number >= 1, got 0 (use at least 1)",
      'options.exposure: "https" is not supported (use http-nodeport or tls)',
    ]);
  });

  test("a manifest's problems: the fix is its own field, a YAML syntax error has none", () => {
    const problemsOf = (text: string): Problem[] => {
      try {
        parseVk8sDocuments(text, "f.yaml");
      } catch (e) {
        if (e instanceof Vk8sValidationError) return e.problems;
        throw e;
      }
      throw new Error("expected a Vk8sValidationError");
    };
    expect(problemsOf("apiVersion: vk8s.dev/v1alpha1\nkind: Pod\nmetadata: { name: a }\n")).toEqual([
      { path: "f.yaml:1:1", message: 'document 1 has kind "Pod", not Vk8s', fix: "keep only kind: Vk8s documents in vk8s files" },
    ]);
    expect(problemsOf("a: !Secret x\n")).toEqual([
      { path: "f.yaml:1:12", message: "a YAML tag (!tag or !!type) is not accepted: vk8s fields are plain values", fix: "remove the tag; quote a value that starts with !" },
    ]);
  });
});

describe("helpers that check input on their own throw the one error", () => {
  const caught = (f: () => unknown): Vk8sValidationError => {
    try {
      f();
    } catch (e) {
      if (e instanceof Vk8sValidationError) return e;
      throw e;
    }
    throw new Error("expected a Vk8sValidationError");
  };

  test("requirePassword: a platform problem naming the config key and the command", () => {
    const e = caught(() => requirePassword({}, "user-a"));
    expect(e.subject).toEqual({ kind: "vk8s platform" });
    expect(e.problems).toEqual([{ path: 'kubeflowPasswords["user-a"]', message: "the Kubeflow password of user user-a is not set", fix: "run: pulumi config set --secret --path 'kubeflowPasswords.user-a' <password>" }]);
  });

  test("resolveBootstrapOptions: every problem, with its path and fix", () => {
    const e = caught(() => resolveBootstrapOptions({ exposure: "https" as never, nodeInterface: "eth0; reboot" }));
    expect(e.header).toBe("invalid bootstrap options");
    expect(e.problems.map((p) => [p.path, p.fix])).toEqual([
      ["options.exposure", "use http-nodeport or tls"],
      ["options.nodeInterface", "use the vNode interface between vNodes, e.g. eth0"],
    ]);
  });

  test("roundPrefix: the round as a problem", () => {
    expect(caught(() => roundPrefix("g", "p", 0)).message).toBe("invalid storage prefix:\nround: 0 is not a whole number from 1 (rounds are counted from 1, as Flower does)");
  });
});

describe("toInputPropertiesError", () => {
  test("one entry per problem: the field path and `<message> (<fix>)`; the message names the subject and the fields", () => {
    const e = toInputPropertiesError(new Vk8sValidationError({ kind: "vk8s platform" }, [...problems, { ...problems[0], message: "again" }]));
    expect(pulumi.InputPropertiesError.isInstance(e)).toBe(true);
    expect((e as pulumi.InputPropertiesError).message).toBe("invalid vk8s platform: nodes[0].role, ports[1].port");
    expect((e as pulumi.InputPropertiesError).errors).toEqual([
      { propertyPath: "nodes[0].role", reason: '"boss" is not master or worker (use master or worker)' },
      { propertyPath: "ports[1].port", reason: "29999 is outside 30000-32767 (choose a NodePort in 30000-32767)" },
      { propertyPath: "nodes[0].role", reason: "again (use master or worker)" },
    ]);
  });

  test.each(["kubeflow.password", 'users["a"].kubeflowPassword', "ssh.privateKey", "ssh.hostKey"])("%s: a path the engine cannot resolve to a value", (path) => {
    expect(inputPropertyErrors([{ path, message: "is too short", fix: "longer" }])).toEqual([{ propertyPath: `${path} (secret)`, reason: "is too short (longer)" }]);
  });

  test("a field merely named like a secret's parent keeps its path", () => {
    expect(inputPropertyErrors([{ path: "kubeflow.passwordHint", message: "m", fix: "f" }])[0].propertyPath).toBe("kubeflow.passwordHint");
  });

  test("any other error passes unchanged; withInputPropertyErrors returns the value or throws the converted error", () => {
    const other = new TypeError("x");
    expect(toInputPropertiesError(other)).toBe(other);
    expect(withInputPropertyErrors(() => 7)).toBe(7);
    expect(() => withInputPropertyErrors(() => { throw other; })).toThrow(other);
    let thrown: unknown;
    try {
      withInputPropertyErrors(() => { throw new Vk8sValidationError({ kind: "virtual cluster", name: "a" }, problems); });
    } catch (e) {
      thrown = e;
    }
    expect(pulumi.InputPropertiesError.isInstance(thrown)).toBe(true);
    expect((thrown as pulumi.InputPropertiesError).errors).toHaveLength(2);
  });
});
