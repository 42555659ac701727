/**
 * Vk8sCluster under the mocked Pulumi runtime: what it registers, under which parent and
 * provider, in which order, and what a change of input changes.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as fs from "fs";
import * as path from "path";
import { record, valueOf, isSecret, type Registered } from "./helpers/pulumiMocks";
import { Vk8sCluster, type Vk8sClusterArgs } from "../components/vk8sCluster";
import { checkDeferredPassword } from "../src/plan/cluster";
import { Vk8sValidationError } from "../src/core/errors";

// Each record() waits for the mocked SDK; on a shared, loaded machine one takes seconds.
jest.setTimeout(60_000);

const PASSWORD = "sentinel-Pa55word-7f3a";
/** How the mock monitor sees a secret value (the SDK's secret sentinel). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

function args(overrides: Partial<Vk8sClusterArgs> = {}): Vk8sClusterArgs {
  return {
    nodes: [
      { name: "master", role: "master", image: "registry.example.com/vk8s/kink:v1.20",
        resources: { requests: { cpu: "1", memory: "16Gi" }, limits: { cpu: "10", memory: "40Gi" } } },
      { name: "gpu-1", role: "worker", image: "registry.example.com/vk8s/kink:v1.20",
        resources: { limits: { "nvidia.com/gpu": 2 } } },
    ],
    kubernetes: { podNetworkCidr: "80.244.0.0/16", serviceCidr: "80.96.0.0/12" },
    kubeflow: { version: "v1.3.0", email: "test@example.com", password: pulumi.secret(PASSWORD) },
    ports: [{ name: "kubeflow", port: 30000, targetPort: 30000 }],
    ...overrides,
  };
}

const commands = (rs: Registered[]) => rs.filter((r) => r.type === "command:remote:Command");
const byType = (rs: Registered[], type: string) => rs.filter((r) => r.type === type);
const stepId = (r: Registered) => r.name.replace(/^c1-/, "");

describe("Vk8sCluster registration", () => {
  let run: { result: Vk8sCluster; resources: Registered[] };
  beforeAll(async () => {
    run = await record((o) => new Vk8sCluster("c1", args(), o));
  });

  test("registers the component with its type token, then children parented to it", () => {
    expect(run.resources[0]).toMatchObject({ type: "vk8s:index:Vk8sCluster", name: "c1" });
    for (const child of run.resources.slice(1)) {
      expect(child.parent).toBe(run.result);
      expect(child.name.startsWith("c1-")).toBe(true);
    }
  });

  test("host objects: namespace, two vNode StatefulSets, services, access pod, ssh key", () => {
    const names = run.resources.slice(1).filter((r) => r.type.startsWith("kubernetes:") && !r.read).map((r) => `${r.type} ${r.name}`);
    expect(names).toEqual([
      "kubernetes:core/v1:Namespace c1-namespace-vk8s-c1",
      "kubernetes:core/v1:ConfigMap c1-configmap-c1-vnode-boot",
      "kubernetes:core/v1:ConfigMap c1-configmap-c1-ssh",
      "kubernetes:core/v1:Service c1-service-c1-vnodes",
      "kubernetes:apps/v1:StatefulSet c1-statefulset-c1-master",
      "kubernetes:apps/v1:StatefulSet c1-statefulset-c1-gpu-1",
      "kubernetes:apps/v1:Deployment c1-deployment-c1-access",
      "kubernetes:core/v1:Service c1-service-c1-ssh",
      "kubernetes:core/v1:Service c1-service-c1-apiserver",
      "kubernetes:core/v1:Service c1-service-c1-kubeflow",
    ]);
    expect(byType(run.resources, "pulumi-nodejs:dynamic/vk8s:SshKeyPair")).toHaveLength(1);
  });

  test("every host object except the namespace depends on the namespace", () => {
    const ns = run.resources.find((r) => r.type === "kubernetes:core/v1:Namespace")!;
    for (const r of run.resources.filter((x) => x.type.startsWith("kubernetes:") && x !== ns && !x.read)) {
      expect(r.dependsOn).toContain(ns.resource);
    }
  });

  test("the GPU worker's StatefulSet asks the host for 2 GPUs and is privileged", () => {
    const sts = run.resources.find((r) => r.name === "c1-statefulset-c1-gpu-1")!;
    const container = sts.inputs.spec.template.spec.containers[0];
    expect(container.resources.limits["nvidia.com/gpu"]).toBe("2");
    expect(container.securityContext.privileged).toBe(true);
  });

  test("the authorized_keys ConfigMap carries the generated public key", () => {
    const cm = run.resources.find((r) => r.name === "c1-configmap-c1-ssh")!;
    expect(cm.inputs.data.authorized_keys).toBe("ssh-ed25519 AAAAmock vk8s\n");
  });

  test("one remote command per bootstrap step, chained along the plan", () => {
    const cmds = commands(run.resources);
    expect(cmds.map(stepId)).toEqual([
      "01-wait-master", "02-kubeadm-init", "03-kubeconfig", "04-calico",
      "05-join-token-gpu-1", "06-join-gpu-1", "06-join-gpu-1-cleanup", "07-nvidia-device-plugin", "07-storage",
      "08-kubeflow", "09-dex-login", "10-expose", "11-status",
    ]);
    const dep = (id: string) => cmds.find((c) => stepId(c) === id)!.dependsOn.map((d) => cmds.find((c) => c.resource === d)).filter(Boolean).map((c) => stepId(c!));
    expect(dep("02-kubeadm-init")).toEqual(["01-wait-master"]);
    expect(dep("06-join-gpu-1")).toEqual(["05-join-token-gpu-1"]);
    expect(dep("08-kubeflow")).toEqual(["04-calico", "07-storage"]);
  });

  test("a removed worker is drained from the master: a companion command on the master holds the clean-up", () => {
    const cmds = commands(run.resources);
    const join = cmds.find((c) => stepId(c) === "06-join-gpu-1")!;
    const cleanup = cmds.find((c) => stepId(c) === "06-join-gpu-1-cleanup")!;
    expect(join.inputs.delete).toBeUndefined();
    expect(cleanup.inputs.delete).toContain("drain");
    expect(cleanup.inputs.connection.value.host).toBe("c1-master-0.c1-vnodes.vk8s-c1.svc.cluster.local");
    expect(cleanup.dependsOn).toEqual([join.resource]);
  });

  test("each vNode's first step waits for its StatefulSet", () => {
    const sts = run.resources.find((r) => r.name === "c1-statefulset-c1-gpu-1")!;
    const join = commands(run.resources).find((c) => stepId(c) === "06-join-gpu-1")!;
    expect(join.dependsOn).toContain(sts.resource);
  });

  test("secret-bearing steps: no logging, stdout/stderr secret, stdin secret", async () => {
    for (const id of ["03-kubeconfig", "05-join-token-gpu-1", "06-join-gpu-1"]) {
      const c = commands(run.resources).find((x) => stepId(x) === id)!;
      expect(c.inputs.logging).toBe("none");
      expect(c.additionalSecretOutputs).toEqual(expect.arrayContaining(["stdout", "stderr"]));
    }
    const dex = commands(run.resources).find((x) => stepId(x) === "09-dex-login")!;
    expect(dex.inputs.stdin[SECRET_SIG]).toBe(SECRET_VALUE);
    expect(dex.inputs.stdin.value).toMatch(/^\$2[aby]\$10\$/);
    expect(await isSecret((dex.resource as any).stdin)).toBe(true);
    const calico = commands(run.resources).find((x) => stepId(x) === "04-calico")!;
    expect(calico.inputs.logging).toBe("stdoutAndStderr");
  });

  test("the plain password appears in no registered input", () => {
    expect(JSON.stringify(run.resources.map((r) => r.inputs))).not.toContain(PASSWORD);
  });

  test("SSH connections go through the access pod as jump host, with dial bounds", () => {
    const c = commands(run.resources).find((x) => stepId(x) === "06-join-gpu-1")!;
    // The private key makes the whole connection a secret: unwrap the mock's secret envelope.
    expect(c.inputs.connection[SECRET_SIG]).toBe(SECRET_VALUE);
    expect(c.inputs.connection.value).toMatchObject({
      host: "c1-gpu-1-0.c1-vnodes.vk8s-c1.svc.cluster.local", port: 22, user: "root",
      perDialTimeout: 10, dialErrorLimit: 6,
      proxy: { host: "127.0.0.1", port: 31000, user: "vk8s" },
    });
  });

  test("outputs: endpoints, nodes, versions; kubeconfig is secret", async () => {
    const c = run.result;
    expect(await valueOf(c.kubeflowUrl)).toBe("http://127.0.0.1:30000");
    expect(await valueOf(c.sshEndpoint)).toBe("ssh://vk8s@127.0.0.1:31000");
    expect(await valueOf(c.apiServerEndpoint)).toBe("https://c1-apiserver.vk8s-c1.svc:6443");
    expect(await valueOf(c.kubernetesVersion)).toBe("1.20.15");
    expect(await valueOf(c.nodes)).toEqual([
      { name: "master", role: "master", gpus: 0, statefulSet: "c1-master", pod: "c1-master-0" },
      { name: "gpu-1", role: "worker", gpus: 2, statefulSet: "c1-gpu-1", pod: "c1-gpu-1-0" },
    ]);
    expect(await isSecret(c.kubeconfig)).toBe(true);
    expect(await valueOf(c.kubeconfig)).toContain("server: https://10.0.0.5:6443");
    expect((await valueOf(c.phases)).current).toBe("Running");
  });
});

describe("Vk8sCluster rejects bad input before registering anything", () => {
  test("all problems at once, nothing registered", async () => {
    let error: unknown;
    const { resources, monitored } = await record((o) => {
      try {
        new Vk8sCluster("bad", args({
          nodes: [{ name: "w", role: "worker" }],
          ports: [{ name: "kubeflow", port: 80 }],
          kubeflow: { version: "v1.3.0", email: "not-an-email", password: "12341234" },
        }), o);
      } catch (e) { error = e; }
    });
    expect(error).toBeInstanceOf(Vk8sValidationError);
    const lines = (error as Error).message.split("\n");
    expect(lines[0]).toBe('invalid virtual cluster "bad":');
    expect(lines.some((l) => l.startsWith("nodes: "))).toBe(true);
    expect(lines.some((l) => l.startsWith("ports[0].port: "))).toBe(true);
    expect(lines.some((l) => l.startsWith("kubeflow.email: "))).toBe(true);
    expect(lines.some((l) => l.startsWith("kubeflow.password: "))).toBe(true);
    expect(resources).toEqual([]);
    expect(monitored).toEqual([]);
  });

  test("a password known only at run time is checked again before the namespace is released", () => {
    const late = args({ kubeflow: { version: "v1.3.0", email: "test@example.com", password: pulumi.secret(Promise.resolve("x")) } });
    expect(() => checkDeferredPassword("late", late, "short", "vk8s-late"))
      .toThrow('invalid virtual cluster "late":\nkubeflow.password: has 5 characters, fewer than 8 (choose a password of at least 8 characters)');
    expect(checkDeferredPassword("late", late, PASSWORD, "vk8s-late")).toBe("vk8s-late");
  });
});

describe("what a change re-runs", () => {
  async function plan(a: Vk8sClusterArgs) {
    const { resources } = await record((o) => new Vk8sCluster("c1", a, o));
    return new Map(commands(resources).map((c) => [stepId(c), JSON.stringify({ create: c.inputs.create, triggers: c.inputs.triggers, delete: c.inputs.delete })]));
  }
  const changed = (a: Map<string, string>, b: Map<string, string>) =>
    [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();

  test("a cluster label changes no command but updates the StatefulSets' labels", async () => {
    const base = await plan(args());
    const labelled = await plan(args({ labels: { update: "test" } }));
    expect(changed(base, labelled)).toEqual([]);
    const { resources } = await record((o) => new Vk8sCluster("c1", args({ labels: { update: "test" } }), o));
    const sts = resources.find((r) => r.name === "c1-statefulset-c1-master")!;
    expect(sts.inputs.metadata.labels.update).toBe("test");
    expect(sts.inputs.spec.selector.matchLabels.update).toBeUndefined();
  }, 30_000);

  test("a new Kubeflow version re-runs only the Kubeflow steps", async () => {
    const base = await plan(args());
    const upgraded = await plan(args({ kubeflow: { version: "v1.4.0", email: "test@example.com", password: pulumi.secret(PASSWORD) } }));
    expect(changed(base, upgraded)).toEqual(["08-kubeflow", "09-dex-login", "10-expose", "11-status"]);
  }, 30_000);

  test("adding a worker adds only its token and join steps", async () => {
    const base = await plan(args());
    const a = args();
    const grown = await plan({ ...a, nodes: [...a.nodes!, { name: "cpu-2", role: "worker", image: "registry.example.com/vk8s/kink:v1.20" }] });
    expect(changed(base, grown)).toEqual(["05-join-token-cpu-2", "06-join-cpu-2", "06-join-cpu-2-cleanup"]);
  }, 30_000);
});

describe("provider and migration", () => {
  test("the Kubernetes provider given to the component reaches every Kubernetes child", async () => {
    const { resources } = await record((o) => {
      const provider = new k8s.Provider("host", { kubeconfig: "{}" });
      return new Vk8sCluster("c1", args(), { ...o, providers: { kubernetes: provider } });
    });
    const children = resources.filter((r) => r.type.startsWith("kubernetes:") && r.type !== "pulumi:providers:kubernetes");
    expect(children.length).toBeGreaterThan(5);
    for (const c of children) expect(c.provider).toMatch(/pulumi:providers:kubernetes::host::/);
  });

  test("fromManifest builds one cluster per kind: Vk8s document, both API groups", async () => {
    const text = fs.readFileSync(path.join(__dirname, "fixtures/samples/two-tenants.yaml"), "utf8");
    const { result, resources } = await record((o) => Vk8sCluster.fromManifest(text, {}, o));
    expect(result.map((c) => c.cluster.name)).toEqual(["tenant-a", "tenant-b"]);
    expect(result.map((c) => c.cluster.kubeflow.version)).toEqual(["v1.3.1", "v1.4.1"]);
    expect(byType(resources, "vk8s:index:Vk8sCluster")).toHaveLength(2);
    expect(JSON.stringify(resources.map((r) => r.inputs))).not.toContain("tenant-a-password");
  });
});

describe("exposed API server", () => {
  test("the server certificate names hostAddress when the kubeconfig points there", async () => {
    const { result, resources } = await record((o) => new Vk8sCluster("c1", args({ apiServerNodePort: 30443, hostAddress: "10.1.2.3" }), o));
    const init = commands(resources).find((c) => stepId(c) === "02-kubeadm-init")!;
    // the certificate names come from the ClusterConfiguration the command carries (kubeadm/init.yaml)
    expect(init.inputs.create).toMatch(/\n  certSANs:\n    - [^\n]+\n(    - [^\n]+\n)*    - 10\.1\.2\.3\n/);
    expect(await valueOf(result.kubeconfig)).toContain("server: https://10.1.2.3:30443");
  });
});
