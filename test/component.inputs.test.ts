/**
 * Vk8sCluster arguments given as Outputs of other resources, under the mocked Pulumi
 * runtime: plain values are refused at construction, Output values when they resolve,
 * before the namespace (the first object) reaches the engine; good Output values flow into
 * the registered objects and the outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { spawnSync } from "child_process";
import * as path from "path";
import { record, valueOf, type Registered } from "./helpers/pulumiMocks";
import { Vk8sCluster, type Vk8sClusterArgs } from "../components/vk8sCluster";
import { Vk8sValidationError } from "../src/core/errors";

jest.setTimeout(60_000);

/** An Output as another resource gives it: known only once the program runs. */
const later = <T>(value: T): pulumi.Output<T> => pulumi.output(new Promise<T>((resolve) => setTimeout(() => resolve(value), 5)));

function args(overrides: Partial<Vk8sClusterArgs> = {}): Vk8sClusterArgs {
  return {
    nodes: [
      { name: "master", role: "master", resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "4", memory: "8Gi" } } },
      { name: "gpu-1", role: "worker", resources: { limits: { "nvidia.com/gpu": 1 } } },
    ],
    kubernetes: { podNetworkCidr: "80.244.0.0/16", serviceCidr: "80.96.0.0/12" },
    kubeflow: { version: "v1.4.0", email: "test@example.com", password: pulumi.secret("sentinel-Pa55word-7f3a") },
    ports: [{ name: "kubeflow", port: 30000, targetPort: 30000 }],
    ...overrides,
  };
}

const commands = (rs: Registered[]) => rs.filter((r) => r.type === "command:remote:Command");
const stepOf = (rs: Registered[], id: string) => commands(rs).find((c) => c.name.endsWith(`-${id}`))!;
const sts = (rs: Registered[], name: string) => rs.find((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name.endsWith(`-${name}`))!;

describe("good values arriving as Outputs flow into what is registered", () => {
  let run: { result: Vk8sCluster; resources: Registered[] };
  beforeAll(async () => {
    const a = args();
    run = await record((o) => new Vk8sCluster("c1", {
      ...a,
      hostAddress: later("10.9.8.7"),
      apiServerNodePort: later(30443),
      nodes: [
        { ...a.nodes![0], image: later("registry.example.com/vk8s/kink:v1.20"), resources: { requests: { cpu: "1", memory: later("3Gi") }, limits: { cpu: "4", memory: later("24Gi") } } },
        { ...a.nodes![1], labels: later({ team: later("vision") }) },
      ],
      labels: { owner: later("team-a") },
      ports: [{ name: "kubeflow", port: later(30100), targetPort: 30100 }],
    }, o));
    // The live render resolves after the Outputs; let it reach the mock monitor.
    await valueOf(run.result.kubeconfig);
    await new Promise((r) => setTimeout(r, 200));
  });

  test("a node size: the master StatefulSet asks for the resolved memory", () => {
    const container = sts(run.resources, "c1-master").inputs.spec.template.spec.containers[0];
    expect(container.resources).toEqual({ requests: { cpu: "1", memory: "3Gi" }, limits: { cpu: "4", memory: "24Gi" } });
    expect(container.image).toBe("registry.example.com/vk8s/kink:v1.20");
  });

  test("labels: the cluster label and the worker's label from Outputs land on the StatefulSets", () => {
    expect(sts(run.resources, "c1-master").inputs.metadata.labels.owner).toBe("team-a");
    expect(sts(run.resources, "c1-gpu-1").inputs.metadata.labels).toMatchObject({ owner: "team-a", team: "vision" });
  });

  test("a port: the kubeflow Service's NodePort and the URL", async () => {
    const svc = run.resources.find((r) => r.name === "c1-service-c1-kubeflow")!;
    expect(svc.inputs.spec.ports[0].nodePort).toBe(30100);
    expect(await valueOf(run.result.kubeflowUrl)).toBe("http://10.9.8.7:30100");
  });

  test("hostAddress: endpoints, kubeconfig, jump host and the API server certificate", async () => {
    expect(await valueOf(run.result.sshEndpoint)).toBe("ssh://vk8s@10.9.8.7:31000");
    expect(await valueOf(run.result.apiServerEndpoint)).toBe("https://10.9.8.7:30443");
    expect(await valueOf(run.result.kubeconfig)).toContain("server: https://10.9.8.7:30443");
    const join = stepOf(run.resources, "06-join-gpu-1");
    expect(join.inputs.connection.value.proxy).toMatchObject({ host: "10.9.8.7", port: 31000 });
    expect(stepOf(run.resources, "02-kubeadm-init").inputs.create).toMatch(/\n    - 10\.9\.8\.7\n/);
  });

  test("no stand-in reaches the engine", () => {
    const sent = JSON.stringify(run.resources.map((r) => r.inputs));
    expect(sent).not.toMatch(/192\.0\.2\.|registry\.invalid|stand-in/);
  });

  test("the planned view names the stand-ins, not the values", () => {
    expect(run.result.cluster.nodes[0].image).toMatch(/^registry\.invalid\/vk8s-stand-in-a\/kink:v1\.20$/);
  });
});

describe("bad values arriving as Outputs are refused before the namespace exists", () => {
  type Outcome = { sent: string[]; output?: { name: string; message: string }; errors: { name: string; message: string }[]; errorObjects: number };
  let outcomes: Record<string, Outcome>;
  /** Runs test/helpers/outputRefusal.ts in its own process (see there why), every scenario in one run. */
  beforeAll(() => {
    const scenarios = ["hostAddress", "nodeSizes", "portCollision", "password", "imageTag"];
    const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "helpers/outputRefusal.ts"), ...scenarios], {
      cwd: path.join(__dirname, ".."), encoding: "utf8", timeout: 120_000, maxBuffer: 16 * 1024 * 1024,
    });
    if (r.status !== 0) throw new Error(`outputRefusal exited ${r.status} ${r.signal ?? ""} ${r.error ?? ""}:\n${r.stderr}`);
    outcomes = JSON.parse(r.stdout);
  }, 120_000);
  const refused = (scenario: string) => outcomes[scenario];
  const hostObjects = (sent: string[]) => sent.filter((t) => t.startsWith("kubernetes:") || t.startsWith("command:"));

  test("a hostAddress that is no address: the field, the rule and the fix; nothing created in the host cluster", () => {
    const { sent, output, errors } = refused("hostAddress");
    const problem = 'hostAddress: "not an address!" is not an IPv4 address or DNS name (give a host node\'s address, e.g. 10.1.2.3 or node-1.example.com)';
    expect(output).toEqual({ name: "Vk8sValidationError", message: `invalid virtual cluster "late":\n${problem}` });
    expect(errors).toEqual([{ name: "Vk8sValidationError", message: `invalid virtual cluster "late":\n${problem}` }]);
    expect(sent).toEqual(["vk8s:index:Vk8sCluster", "pulumi-nodejs:dynamic/vk8s:SshKeyPair"]);
    expect(hostObjects(sent)).toEqual([]);
  });

  test("one error object for every failed registration: the runtime reports a refusal once", () => {
    for (const scenario of ["hostAddress", "nodeSizes", "portCollision", "password", "imageTag"]) expect(refused(scenario).errorObjects).toBe(1);
  });

  test("node sizes that are no quantity, and a request over its limit: every problem at once", () => {
    const { sent, output } = refused("nodeSizes");
    const lines = output!.message.split("\n");
    expect(lines.some((l) => l.startsWith("nodes[0].resources.requests.memory: "))).toBe(true);
    expect(lines).toContain("nodes[1].resources.requests.cpu: request 3 is more than the limit 2 (lower the request or raise nodes[1].resources.limits.cpu)");
    expect(hostObjects(sent)).toEqual([]);
  });

  test("a NodePort from an Output that collides with a plain one", () => {
    const { sent, output } = refused("portCollision");
    expect(output!.message).toMatch(/\napiServerNodePort: 30000 is already used by ports\[0\]\.port/);
    expect(hostObjects(sent)).toEqual([]);
  });

  test("a node image whose tag picks another Kubernetes than planned: refused, naming the field and what it would change", () => {
    const { sent, errors } = refused("imageTag");
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(
      /^invalid virtual cluster "late":\nnodes\[0\]\.image: resolved to values that change what was planned when the program ran \(StatefulSet late-gpu-1, bootstrap step 01-wait-master, .*\) \(pass these fields as plain values, or set kubernetes\.version to the version the node image tags give\)$/)]);
    expect(hostObjects(sent)).toEqual([]);
  });

  test("a password too short, beside good Outputs: refused by the same gate, the password never quoted", () => {
    const { sent, output, errors } = refused("password");
    expect(output).toBeUndefined();
    expect(errors.map((e) => e.message).join("\n")).toContain("kubeflow.password: has 5 characters, fewer than 8");
    expect(JSON.stringify(errors)).not.toContain("short\"");
    expect(hostObjects(sent)).toEqual([]);
  });
});

describe("plain values are still refused at construction, whatever else is an Output", () => {
  test("a bad plain email beside an Output hostAddress: thrown before anything is registered", async () => {
    let error: unknown;
    const { resources, monitored } = await record((o) => {
      try {
        new Vk8sCluster("bad", args({ hostAddress: later("10.1.2.3"), kubeflow: { version: "v1.4.0", email: "nobody", password: later("sentinel-Pa55word-7f3a") } }), o);
      } catch (e) { error = e; }
    });
    expect(error).toBeInstanceOf(Vk8sValidationError);
    expect((error as Error).message.split("\n")[1]).toMatch(/^kubeflow\.email: /);
    expect(resources).toEqual([]);
    expect(monitored).toEqual([]);
  });

  test.each([
    ["a node name", (a: Vk8sClusterArgs) => ({ nodes: [{ ...a.nodes![0], name: later("master") as unknown as string }, a.nodes![1]] }), "nodes[0].name", "node names name the vNode StatefulSets"],
    ["a GPU count", (a: Vk8sClusterArgs) => ({ nodes: [a.nodes![0], { ...a.nodes![1], resources: { limits: { "nvidia.com/gpu": later(2) } } }] }), 'nodes[1].resources.limits["nvidia.com/gpu"]', "the GPU count decides"],
    ["the Kubeflow version", (a: Vk8sClusterArgs) => ({ kubeflow: { ...a.kubeflow, version: later("v1.4.0") as unknown as string } }), "kubeflow.version", "picks the Kubernetes release"],
    ["the node list", () => ({ nodes: later([{ name: "master", role: "master" }]) as unknown as Vk8sClusterArgs["nodes"] }), "nodes", "which vNode StatefulSets and bootstrap steps exist"],
  ])("%s as an Output: refused at construction, naming the field and why", async (_what, change, path, why) => {
    let error: unknown;
    const { monitored } = await record((o) => {
      try { new Vk8sCluster("graph", args(change(args())), o); } catch (e) { error = e; }
    });
    expect(error).toBeInstanceOf(Vk8sValidationError);
    const line = (error as Error).message.split("\n").find((l) => l.startsWith(`${path}: `));
    expect(line).toContain("must be known when the program runs");
    expect(line).toContain(why);
    expect(monitored).toEqual([]);
  });
});
