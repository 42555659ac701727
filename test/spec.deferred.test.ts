/**
 * src/cluster/deferred.ts, pure: where deferred values sit, which fields may be deferred,
 * the stand-ins, and the resolved values put back.
 */
import { deferredProblems, findDeferred, standInArgs, withResolved, withoutDeferredImages, DEFERRED_PASSWORD } from "../src/cluster/deferred";
import { validateCluster } from "../src/cluster/validate";

/** Stands for an Output in these tests: any value the predicate says is deferred. */
class Later { constructor(readonly value: unknown) {} }
const isLater = (v: unknown) => v instanceof Later;
const later = (v: unknown) => new Later(v) as unknown as string;

const spec = () => ({
  nodes: [
    { name: "master", role: "master", resources: { requests: { cpu: "1", memory: later("2Gi") }, limits: { cpu: later("4"), memory: "8Gi", "nvidia.com/gpu": later(1) } } },
    { name: later("w"), role: "worker", image: later("x/kink:v1.20") },
  ],
  kubeflow: { version: "v1.4.0", email: later("a@example.com"), password: later("secret-Passw0rd") },
  ports: [{ name: "kubeflow", port: later(30000) }, { name: "other", port: 32767 }],
  hostAddress: later("10.0.0.1"),
  ssh: { privateKey: later("KEY"), hostKey: later("HOSTKEY"), nodeEndpoints: { master: { host: later("10.0.0.2"), port: 22 } } },
});

describe("findDeferred", () => {
  test("every deferred value with its path, depth first; the opaque secrets are not read", () => {
    expect(findDeferred(spec(), isLater).map((d) => d.path.join("."))).toEqual([
      "nodes.0.resources.requests.memory", "nodes.0.resources.limits.cpu", "nodes.0.resources.limits.nvidia.com/gpu",
      "nodes.1.name", "nodes.1.image", "kubeflow.email", "kubeflow.password", "ports.0.port", "hostAddress",
      "ssh.nodeEndpoints.master.host",
    ]);
  });

  test("plain input: nothing deferred", () => {
    expect(findDeferred({ a: [1, { b: "c" }], d: null }, isLater)).toEqual([]);
  });
});

describe("deferredProblems", () => {
  test("only fields that shape the graph are problems, each with the reason and the fix", () => {
    const problems = deferredProblems(findDeferred(spec(), isLater));
    expect(problems.map((p) => p.path)).toEqual(['nodes[0].resources.limits["nvidia.com/gpu"]', "nodes[1].name"]);
    expect(problems[0].message).toBe("is a Pulumi Output or promise, but must be known when the program runs: the GPU count decides the NVIDIA device-plugin step and the vNode's GPU isolation");
    expect(problems[1].message).toContain("node names name the vNode StatefulSets");
    expect(problems[0].fix).toMatch(/^pass a plain value/);
  });

  test.each([
    [{ clusterName: later("x") }, "clusterName", "names the namespace"],
    [{ kubeflow: { version: later("1.4") } }, "kubeflow.version", "picks the Kubernetes release"],
    [{ kubernetes: { podNetworkCidr: later("10.0.0.0/16") } }, "kubernetes.podNetworkCidr", "kubeadm and calico"],
    [{ ports: [{ name: later("kf") }] }, "ports[0].name", "name the NodePort Services"],
    [{ bootstrap: later({}) }, "bootstrap", "which steps exist"],
  ])("%j: %s is refused (%s)", (input, path, why) => {
    const [problem] = deferredProblems(findDeferred(input, isLater));
    expect(problem.path).toBe(path);
    expect(problem.message).toContain(why);
  });
});

describe("standInArgs", () => {
  const input = () => {
    const s = spec();
    s.nodes[0].resources.limits["nvidia.com/gpu"] = 1 as unknown as string;
    s.nodes[1].name = "w";
    return s;
  };

  test("stand-ins are valid: the spec with them passes the validation", () => {
    for (const set of [0, 1] as const) {
      const { hostAddress: _h, ssh: _s, ...rest } = standInArgs(input(), findDeferred(input(), isLater), set, "v1.20");
      const result = validateCluster("c1", rest);
      expect(result.ok ? [] : result.problems).toEqual([]);
    }
  });

  test("the two sets differ in every field but the password, and never take a plain NodePort", () => {
    const deferred = findDeferred(input(), isLater);
    const a = standInArgs(input(), deferred, 0, "v1.20");
    const b = standInArgs(input(), deferred, 1, "v1.20");
    expect(a.kubeflow.password).toBe(DEFERRED_PASSWORD);
    expect(b.kubeflow.password).toBe(DEFERRED_PASSWORD);
    expect([a.hostAddress, b.hostAddress]).toEqual(["192.0.2.1", "192.0.2.2"]);
    expect(a.nodes[1].image).toBe("registry.invalid/vk8s-stand-in-a/kink:v1.20");
    expect(a.ports[0].port).not.toBe(b.ports[0].port);
    expect([a.ports[0].port, b.ports[0].port]).not.toContain(32767); // the plain port of ports[1]
    expect(a.nodes[0].resources.requests.memory).not.toBe(b.nodes[0].resources.requests.memory);
    expect(a.ssh.privateKey).toBeInstanceOf(Later); // opaque: left as given
  });

  test("the input is not changed", () => {
    const s = input();
    standInArgs(s, findDeferred(s, isLater), 0);
    expect(s.hostAddress).toBeInstanceOf(Later);
  });
});

describe("withResolved and withoutDeferredImages", () => {
  test("resolved values go back to their paths", () => {
    const s = spec();
    const deferred = findDeferred(s, isLater);
    const resolved = withResolved(s, deferred, deferred.map((d) => (d.value as Later).value));
    expect(resolved.hostAddress).toBe("10.0.0.1");
    expect(resolved.nodes[0].resources.limits.cpu).toBe("4");
    expect(resolved.ssh.nodeEndpoints.master).toEqual({ host: "10.0.0.2", port: 22 });
    expect(findDeferred(resolved, isLater).map((d) => d.path.join("."))).toEqual([]);
  });

  test("deferred node images are left out (the default image's tag gives the version)", () => {
    const s = spec();
    expect("image" in withoutDeferredImages(s, findDeferred(s, isLater)).nodes[1]).toBe(false);
  });
});
