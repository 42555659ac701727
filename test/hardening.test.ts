/**
 * Issue 11: each example of the report is a test. Every refused input is refused by the
 * one validation, with a clear message, and registers nothing (Pulumi mocks).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { record } from "./helpers/pulumiMocks";
import { main } from "../bin/cli";
import { Vk8sCluster, type Vk8sClusterArgs } from "../components/vk8sCluster";
import { Vk8sPlatform, type Vk8sPlatformUser } from "../components/platform";
import { parseVk8sDocuments } from "../src/manifest";
import { parsePlatformFile } from "../src/platform/file";
import { planPlatform } from "../src/platform/plan";
import { setPasswordCommand } from "../src/platform/secrets";
import { formatProblem, Vk8sValidationError } from "../src/core/errors";
import { validateCluster } from "../src/cluster/validate";
import { SETTINGS, userA, userB } from "./platform.fixtures";

// Mocked registrations wait for the SDK; on a loaded machine one can take seconds.
jest.setTimeout(60_000);

const PASSWORD = "sentinel-Pa55word-11";
const SPEC = {
  nodes: [{ name: "master", role: "master" as const, image: "registry.example.com/vk8s/kink:v1.20" }],
  kubernetes: { podNetworkCidr: "80.244.0.0/16", serviceCidr: "80.96.0.0/12" },
  kubeflow: { version: "v1.3.0", email: "team-a@example.com", password: PASSWORD },
  ports: [{ name: "kubeflow", port: 30000, targetPort: 30000 }],
};
type Spec = typeof SPEC & Record<string, unknown>;
const problems = (spec: unknown, name = "team-a") => {
  const r = validateCluster(name, spec);
  return r.ok ? [] : r.problems.map(formatProblem);
};

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
  return { code, stdout, stderr };
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vk8s-hardening-"));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function yamlFile(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

const clusterYaml = (kubeflowLines: string, extra = "") => `apiVersion: vk8s.skt.co.kr/v1alpha1
kind: Vk8s
metadata:
  name: team-a
spec:
  nodes: [{ name: master, role: master, image: "registry.example.com/vk8s/kink:v1.20" }]
  kubeflow:
    version: v1.3.0
${kubeflowLines}
${extra}`;

describe("1. one validation: what validate accepts, render accepts; refusals are problems, not crashes", () => {
  const cases: [string, Partial<Spec>, string][] = [
    ["an email with a quote", { kubeflow: { ...SPEC.kubeflow, email: "o'neil@example.com" } }, `kubeflow.email: "o'neil@example.com" is not an email address (write it like team-a@example.com)`],
    ["a Kubeflow targetPort outside the inner NodePort range", { ports: [{ name: "kubeflow", port: 30000, targetPort: 8080 }] },
      "ports[0].targetPort: 8080 is outside the inner cluster's NodePort range 30000-32767; ports[0] serves Kubeflow, and istio-ingressgateway listens on its targetPort as a NodePort inside the master vNode (pick a targetPort in 30000-32767, e.g. 30000)"],
    ["a Kubernetes patch with 21 digits", { kubernetes: { ...SPEC.kubernetes, version: "1.20.999999999999999999999" } as never },
      `kubernetes.version: "1.20.999999999999999999999" is not a Kubernetes version (write it like 1.20, v1.20 or 1.20.15)`],
  ];
  test.each(cases)("%s: validateCluster refuses it", (_what, change, expected) => {
    expect(problems({ ...SPEC, ...change })).toEqual([expected]);
  });

  test("vk8s validate exits 1 and render --platform exits 1 (no stack trace) for the quoted email", async () => {
    const file = yamlFile("oneil.yaml", clusterYaml(`    email: "o'neil@example.com"\n    password: ${PASSWORD}`));
    expect((await cli(["validate", file])).code).toBe(1);
    const platform = yamlFile("oneil-users.yaml", fs.readFileSync(path.join(__dirname, "../examples/platform/users.yaml"), "utf8")
      .replace("email: user-a@example.com", `email: "o'neil@example.com"`));
    const r = await cli(["render", "--platform", platform, "--out", path.join(tmp, "oneil-out")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`users["user-a"].cluster.kubeflow.email: "o'neil@example.com" is not an email address`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(tmp, "oneil-out"))).toBe(false);
  });

  const args = (change: Partial<Vk8sClusterArgs> = {}): Vk8sClusterArgs => ({
    ...SPEC,
    kubeflow: { ...SPEC.kubeflow, password: pulumi.secret(PASSWORD) },
    ...change,
  });
  const refusedArgs: [string, Partial<Vk8sClusterArgs>, RegExp][] = [
    ["quoted email", { kubeflow: { ...SPEC.kubeflow, email: "o'neil@example.com", password: pulumi.secret(PASSWORD) } }, /^kubeflow\.email: /m],
    ["Kubeflow targetPort 8080", { ports: [{ name: "kubeflow", port: 30000, targetPort: 8080 }] }, /^ports\[0\]\.targetPort: /m],
    ["21-digit patch", { kubernetes: { ...SPEC.kubernetes, version: "1.20.999999999999999999999" } }, /^kubernetes\.version: /m],
    ["apply attempts 1e21", { bootstrap: { apply: { attempts: 1e21 } } }, /^bootstrap\.apply\.attempts: is out of range/m],
    ["waitTimeoutSeconds 1e19", { bootstrap: { waitTimeoutSeconds: 1e19 } }, /^bootstrap\.waitTimeoutSeconds: is out of range/m],
    ["a misspelt bootstrap option", { bootstrap: { atempts: 3 } as never }, /^bootstrap\.atempts: is not a bootstrap option/m],
    ["a private key without its public half", { ssh: { privateKey: pulumi.secret("k") } }, /^ssh\.publicKey: is required with ssh\.privateKey/m],
    ["a host address that is no address", { hostAddress: "10.0.0.1; rm -rf /" }, /^hostAddress: /m],
    ["an SSH endpoint for a node that does not exist", { ssh: { nodeEndpoints: { constructor: { host: "10.0.0.5", port: 22 } } } }, /^ssh\.nodeEndpoints\["constructor"\]: /m],
    ["an SSH NodePort outside the range", { ssh: { nodePort: 80 } }, /^ssh\.nodePort: 80 is not a NodePort/m],
  ];
  test.each(refusedArgs)("Vk8sCluster with %s: one error naming the field, zero resources registered", async (_what, change, line) => {
    let error: unknown;
    const { resources, monitored } = await record((o) => {
      try {
        new Vk8sCluster("bad", args(change), o);
      } catch (e) {
        error = e;
      }
    });
    expect((error as Error).message).toMatch(line);
    expect((error as Error).message).not.toContain(PASSWORD);
    expect(resources).toEqual([]);
    expect(monitored).toEqual([]);
  });

  test("a two-user Vk8sPlatform with one bad user registers nothing, and names the user", async () => {
    const users: Vk8sPlatformUser[] = [
      { ...userA(), kubeflowPassword: pulumi.secret("sentinel-A-pass-1c9e") },
      { ...userB(), kubeflowPassword: "short" },
    ];
    let error: unknown;
    const { resources, monitored } = await record((o) => {
      try {
        new Vk8sPlatform("p", { users, settings: SETTINGS }, o);
      } catch (e) {
        error = e;
      }
    });
    expect(error).toBeInstanceOf(Vk8sValidationError);
    expect((error as Vk8sValidationError).subject).toEqual({ kind: "vk8s platform" });
    expect((error as Error).message).toContain(`users["user-b"].kubeflowPassword: has 5 characters, fewer than 8`);
    expect(resources).toEqual([]);
    expect(monitored).toEqual([]);
  });

  test("a two-user Vk8sPlatform whose bootstrap options are wrong registers nothing", async () => {
    const users: Vk8sPlatformUser[] = [
      { ...userA(), kubeflowPassword: pulumi.secret("sentinel-A-pass-1c9e") },
      { ...userB(), kubeflowPassword: pulumi.secret("sentinel-B-pass-77d2") },
    ];
    let error: unknown;
    const { resources, monitored } = await record((o) => {
      try {
        new Vk8sPlatform("p", { users, settings: SETTINGS, bootstrap: { apply: { attempts: 1e19 } } }, o);
      } catch (e) {
        error = e;
      }
    });
    expect((error as Error).message.split("\n").filter((l) => l.startsWith("bootstrap."))).toEqual([
      "bootstrap.apply.attempts: is out of range (use a whole number of at most 1000)",
    ]);
    expect(resources).toEqual([]);
    expect(monitored).toEqual([]);
  });
});

describe("3. no YAML smuggling through free text", () => {
  const separators = ["\u2028", "\u2029", "\u0085", "\n", "\u0000", "\u001b"];
  test.each(separators.map((c) => [`U+${c.codePointAt(0)!.toString(16).padStart(4, "0")}`, c]))("%s in a toleration value, a label value or an annotation is refused", (_code, c) => {
    const smuggled = `gpu${c}hostNetwork: true`;
    const spec = {
      ...SPEC,
      nodes: [{ ...SPEC.nodes[0], tolerations: [{ key: "dedicated", operator: "Equal", value: smuggled }] }],
      labels: { team: smuggled },
      annotations: { "example.com/note": smuggled },
    };
    const lines = problems(spec);
    expect(lines.map((l) => l.split(":")[0])).toEqual(["nodes[0].tolerations[0].value", "labels.team", `annotations["example.com/note"]`]);
    for (const l of lines) expect(l).toMatch(/holds U\+[0-9A-F]{4} at character 4, a control character or Unicode line\/paragraph separator/);
  });

  test("toleration keys and values follow the Kubernetes rules of label keys and values", () => {
    const spec = { ...SPEC, nodes: [{ ...SPEC.nodes[0], tolerations: [{ key: "a b", operator: "Equal", value: "x;y" }] }] };
    expect(problems(spec)).toEqual([
      `nodes[0].tolerations[0].key: toleration key "a b" is not valid (an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit) (write the taint's key, e.g. nvidia.com/gpu or dedicated)`,
      `nodes[0].tolerations[0].value: toleration value "x;y" is not valid (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit) (write the taint's value, e.g. ml-team-a)`,
    ]);
  });

  test("images follow the image reference grammar; a separator in a platform setting is refused", () => {
    expect(problems({ ...SPEC, nodes: [{ ...SPEC.nodes[0], image: "registry.example.com/vk8s/kink:v1.20\u2028x" }] })[0])
      .toMatch(/^nodes\[0\]\.image: holds U\+2028/);
    expect(() => planPlatform([userA()], { ...SETTINGS, storageMountPath: "/mnt/x\u2029hostPath: /" }))
      .toThrow(/settings\.storageMountPath: holds U\+2029 at character 7/);
  });
});

describe("4. YAML errors never echo a secret; tags are errors", () => {
  const secretCases: [string, string][] = [
    ["an alias", "*SecretPassAlias9"],
    ["a literal block header", "|SecretPassBlock9"],
    ["a folded block header", ">SecretPassFold9"],
    ["a tag with a space", "!SecretPassTag9 with-space"],
    ["an anchor", "&SecretPassAnchor9 x"],
    ["a bad escape", `"Secret\\qPass9"`],
  ];
  test.each(secretCases)("a password written as %s: line and column, no source text", async (_what, written) => {
    const file = yamlFile("secret.yaml", clusterYaml(`    email: team-a@example.com\n    password: ${written}`));
    const r = await cli(["validate", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:10:\\d+: `));
    expect(r.stderr).not.toMatch(/Secret/);
  });

  test("a tag on a plain field is an error, in cluster files and platform files alike", () => {
    const text = clusterYaml("    email: !!str team-a@example.com\n    password: abcdefgh1234");
    expect(() => parseVk8sDocuments(text)).toThrow(Vk8sValidationError);
    expect(() => parseVk8sDocuments(text)).toThrow(/^<input>:9:18: a YAML tag \(!tag or !!type\) is not accepted/);
    const platform = "apiVersion: vk8s.dev/v1alpha1\nkind: Vk8sPlatform\nmetadata: { name: p }\nspec:\n  vNodeInternetEgress: !!bool no\n";
    expect(() => parsePlatformFile(platform)).toThrow(/^<input>:5:\d+: a YAML tag/);
  });

  test("anchors and aliases of maps still work", () => {
    const text = `${clusterYaml("    email: team-a@example.com\n    password: abcdefgh1234", "  labels: &l { team: a }\n")}---\n${clusterYaml("    email: team-b@example.com\n    password: abcdefgh1234").replace("name: team-a", "name: team-b")}`;
    expect(parseVk8sDocuments(text).map((d) => d.name)).toEqual(["team-a", "team-b"]);
  });
});

describe("5. platform settings are checked", () => {
  const refused: [string, Record<string, unknown>, string][] = [
    ["vNodeInternetEgress: no (a string)", { vNodeInternetEgress: "no" }, `settings.vNodeInternetEgress: expected boolean, got the string "no" (write true or false (unquoted))`],
    ["a typo under dns", { dns: { namespce: "kube-system", podLabels: { "k8s-app": "kube-dns" } } }, "settings.dns.namespace: is required (write it as string)"],
    ["empty DNS pod labels", { dns: { namespace: "kube-system", podLabels: {} } }, "settings.dns.podLabels: is empty, which would allow DNS egress to every pod of the namespace (give the DNS pods' labels, e.g. k8s-app: kube-dns)"],
    ["an unknown key", { nodePortRnage: { min: 30000, max: 30100 } }, "settings.nodePortRnage: unknown field (remove it, or correct its spelling (see src/platform/types.ts))"],
    ["a wrong type", { portBlockSize: "ten" }, `settings.portBlockSize: expected number, got the string "ten" (write it as number)`],
    ["a huge block size", { portBlockSize: 1e21 }, "settings.portBlockSize: is out of range (use a value of at most 65535)"],
    ["a Kubeflow target port outside the inner range", { kubeflowTargetPort: 8080 }, "settings.kubeflowTargetPort: is out of range (use a value of at least 30000)"],
  ];
  test.each(refused)("%s", (_what, settings, expected) => {
    let error: unknown;
    try {
      planPlatform([userA()], { ...SETTINGS, ...settings } as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Vk8sValidationError);
    expect((error as Vk8sValidationError).subject).toEqual({ kind: "vk8s platform" });
    expect((error as Vk8sValidationError).problems.map(formatProblem)).toContain(expected);
  });

  test("tenant fields are strict too", () => {
    expect(() => planPlatform([userA({ quota: { cpu: "4", memory: "8Gi", storage: "10Gi", gpu: 1 } as never })], SETTINGS))
      .toThrow(`users["user-a"].quota.gpu: unknown field`);
  });
});

describe("6. smaller ones of the same kinds", () => {
  test("the suggested pulumi config command quotes the user name for the shell", () => {
    expect(setPasswordCommand("o'neil")).toBe(`pulumi config set --secret --path 'kubeflowPasswords.o'\\''neil' <password>`);
  });

  test("label keys and port names such as constructor are plain keys, not prototype lookups", () => {
    expect(problems({ ...SPEC, labels: { constructor: "x", toString: "y" } })).toEqual([]);
    expect(problems({ ...SPEC, labels: { app: "x" } })).toEqual([`labels.app: "app" is set by vk8s on every vNode (app: vk8s) (choose another label key, e.g. team)`]);
    const plan = planPlatform([userA({ cluster: { ...userA().cluster, ports: [{ name: "constructor", targetPort: 8080 }] } })], SETTINGS);
    expect(plan.tenants[0].nodePorts.ports.constructor).toBe(plan.tenants[0].nodePorts.ports.kubeflow + 3);
  });

  test("a 5 MB cluster name gives a short error", () => {
    const name = "a".repeat(5 * 1024 * 1024);
    const lines = problems(SPEC, name);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join("\n").length).toBeLessThan(2000);
    expect(lines[0]).toContain("... (5242880 characters)");
  });

  test("vk8s validate of a 5 MB cluster name prints a few short lines", async () => {
    const file = yamlFile("huge.yaml", clusterYaml("    email: team-a@example.com\n    password: abcdefgh1234").replace("name: team-a", `name: ${"a".repeat(5 * 1024 * 1024)}`));
    const r = await cli(["validate", file]);
    expect(r.code).toBe(1);
    expect(r.stderr.length).toBeLessThan(4000);
    expect(r.stderr).toContain("... (5242880 characters)");
  });

  test("Vk8sCluster.cluster holds no password", async () => {
    const { result } = await record((o) => new Vk8sCluster("c1", { ...SPEC, kubeflow: { ...SPEC.kubeflow }, bootstrap: false }, o));
    expect(JSON.stringify(result.cluster)).not.toContain(PASSWORD);
    expect("password" in result.cluster.kubeflow).toBe(false);
  });
});

describe("7. migration keeps the original's metadata", () => {
  const migrated = `apiVersion: vk8s.skt.co.kr/v1alpha1
kind: Vk8s
metadata:
  name: sample3
  labels: { update: test }
  annotations:
    example.com/owner: team-a
    kubectl.kubernetes.io/last-applied-configuration: '{"spec":{"kubeflow":{"password":"${PASSWORD}"}}}'
spec:
  nodes: [{ name: master, role: master, image: "registry.example.com/vk8s/kink:v1.20" }]
  kubeflow: { version: v1.3.0, email: team-a@example.com, password: ${PASSWORD} }
`;
  test("metadata.labels (kubectl label vk8s NAME update=test) and annotations reach the StatefulSets", async () => {
    const { resources } = await record((o) => Vk8sCluster.fromManifest(migrated, { bootstrap: false }, o));
    const sts = resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet")!;
    expect(sts.inputs.metadata.labels.update).toBe("test");
    expect(sts.inputs.metadata.annotations).toEqual({ "example.com/owner": "team-a" });
    expect(JSON.stringify(resources.map((r) => r.inputs))).not.toContain(PASSWORD);
  });

  test("a label set differently in metadata and spec is an error", () => {
    const clash = migrated.replace("  nodes:", "  labels: { update: other }\n  nodes:");
    expect(() => parseVk8sDocuments(clash)).toThrow(`document 1: metadata.labels["update"] differs from spec.labels["update"] (keep one of them)`);
  });
});
