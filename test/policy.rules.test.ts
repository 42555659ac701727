/**
 * The policy pack's rules (policy/rules.ts) run against resources recorded from good and
 * bad programs under the mocked Pulumi runtime, as the analyzer would see them (type,
 * name, props with secrets unwrapped). The real analyzer cannot run here (no Pulumi CLI
 * or policy plugin), so policy/index.ts is only type-checked.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as command from "@pulumi/command";
import * as bcrypt from "bcryptjs";
import { record, type Registered } from "./helpers/pulumiMocks";
import { checkStack, RULES, type StackResource } from "../policy/rules";
import { VK8S } from "../policy/workloads";
import { Vk8sPlatform } from "../components/platform";
import { Vk8sCluster } from "../components/vk8sCluster";
import { plain, SETTINGS, settle, userA, userB } from "./platform.fixtures";
import { VNODE_APP } from "../src/core/labels";
import { VNODE_BOOT_DIR, VNODE_CONTAINER } from "../src/render/vnode";
import { GPU_RESOURCE } from "../src/core/labels";
import { TENANT_LABEL } from "../src/platform/types";
import { UPSTREAM_DEFAULT_LOGIN } from "../src/cluster/rules/kubeflow";

function stack(resources: Registered[]): StackResource[] {
  return resources.filter((r) => !r.type.startsWith("vk8s:")).map((r) => ({ type: r.type, name: r.name, urn: `urn:${r.type}::${r.name}`, props: plain(r.inputs) }));
}

async function program(build: (opts: pulumi.ComponentResourceOptions) => unknown): Promise<StackResource[]> {
  const run = await record(build);
  await settle(run.resources);
  return stack(run.resources);
}

const summary = (resources: StackResource[]) => checkStack(resources).map((v) => `${v.policy}: ${v.message}`);

/** A deep copy of `resources` with `edit` applied to the one named `name`. */
function tamper(resources: StackResource[], name: string, edit: (props: any) => void): StackResource[] {
  const copy = JSON.parse(JSON.stringify(resources)) as StackResource[];
  const target = copy.find((r) => r.name === name);
  if (!target) throw new Error(`no resource ${name}`);
  edit(target.props);
  return copy;
}

let platform: StackResource[];
beforeAll(async () => {
  platform = await program((o) => new Vk8sPlatform("p", {
    users: [{ ...userA(), kubeflowPassword: pulumi.secret("correct-horse-a") }, { ...userB(), kubeflowPassword: pulumi.secret("correct-horse-b") }],
    settings: SETTINGS,
  }, o));
}, 60_000);

test("the pack's facts about vk8s are the library's", () => {
  expect(VK8S).toMatchObject({ vNodeApp: VNODE_APP, vNodeContainer: VNODE_CONTAINER, bootDir: VNODE_BOOT_DIR, gpuResource: GPU_RESOURCE, tenantLabel: TENANT_LABEL, upstreamPassword: UPSTREAM_DEFAULT_LOGIN.password, upstreamEmail: UPSTREAM_DEFAULT_LOGIN.email });
  expect(RULES.map((r) => r.name)).toEqual([
    "vk8s-privileged-only-vnodes", "vk8s-no-host-namespaces", "vk8s-vnode-gpu-isolation", "vk8s-tenant-isolation", "vk8s-no-default-kubeflow-login", "vk8s-unique-nodeports",
  ]);
});

describe("a good program: Vk8sPlatform with user A (Kubeflow 1.3) and user B (Kubeflow 1.4, a GPU)", () => {
  test("passes every policy", () => {
    expect(platform.filter((r) => r.type === "kubernetes:apps/v1:StatefulSet")).toHaveLength(3);
    const dex = platform.filter((r) => r.type === "command:remote:Command" && /dex-login$/.test(r.name));
    expect(dex.map((r) => r.props.stdin)).toEqual([expect.stringMatching(/^\$2a\$10\$/), expect.stringMatching(/^\$2a\$10\$/)]);
    expect(summary(platform)).toEqual([]);
  });
});

describe("bad programs", () => {
  test("a privileged Deployment and a hostNetwork/hostPID pod outside vk8s", async () => {
    const resources = await program((o) => {
      new k8s.apps.v1.Deployment("miner", {
        metadata: { name: "miner", namespace: "default" },
        spec: { selector: { matchLabels: { app: "m" } }, template: { metadata: { labels: { app: "m" } }, spec: { containers: [{ name: "m", image: "m", securityContext: { privileged: true } }] } } },
      }, o);
      new k8s.core.v1.Pod("sniffer", { metadata: { name: "sniffer", namespace: "tools" }, spec: { hostNetwork: true, hostPID: true, containers: [{ name: "s", image: "s" }] } }, o);
    });
    expect(summary(resources)).toEqual([
      "vk8s-privileged-only-vnodes: Deployment default/miner runs privileged container(s) m but is not a vk8s vNode (drop securityContext.privileged)",
      "vk8s-no-host-namespaces: Pod tools/sniffer sets hostNetwork, hostPID (remove it: pods must not share the host's namespaces)",
    ]);
  });

  test("a vNode in a namespace not labeled privileged", () => {
    const ns = platform.find((r) => r.type === "kubernetes:core/v1:Namespace" && r.props.metadata.name === "vk8s-user-a")!;
    const resources = tamper(platform, ns.name, (p) => { p.metadata.labels["pod-security.kubernetes.io/enforce"] = "baseline"; });
    expect(summary(resources)).toEqual([
      "vk8s-privileged-only-vnodes: namespace vk8s-user-a enforces Pod Security baseline (label pod-security.kubernetes.io/enforce: privileged (its vNodes need it))",
      "vk8s-privileged-only-vnodes: StatefulSet vk8s-user-a/user-a-master is privileged in namespace vk8s-user-a, labeled pod-security.kubernetes.io/enforce=baseline (vNodes need their own privileged namespace)",
    ]);
  });

  test("other namespaces enforce baseline or stricter: privileged or unlabeled ones are refused", async () => {
    const resources = await program((o) => {
      new k8s.core.v1.Namespace("tools", { metadata: { name: "tools", labels: { "pod-security.kubernetes.io/enforce": "privileged" } } }, o);
      new k8s.core.v1.Namespace("plain", { metadata: { name: "plain" } }, o);
      new k8s.core.v1.Namespace("web", { metadata: { name: "web", labels: { "pod-security.kubernetes.io/enforce": "restricted" } } }, o);
    });
    expect(summary(resources)).toEqual([
      "vk8s-privileged-only-vnodes: namespace tools enforces Pod Security privileged (label pod-security.kubernetes.io/enforce: baseline or restricted (only vNode namespaces may be privileged))",
      "vk8s-privileged-only-vnodes: namespace plain enforces Pod Security (no label) (label pod-security.kubernetes.io/enforce: baseline or restricted (only vNode namespaces may be privileged))",
    ]);
  });

  test("a GPU vNode without a GPU limit, and one whose isolation expects another count", () => {
    const noLimit = tamper(platform, "p-user-b-statefulset-user-b-gpu-1", (p) => {
      const c = p.spec.template.spec.containers[0];
      c.resources.requests[GPU_RESOURCE] = "1";
      delete c.resources.limits[GPU_RESOURCE];
    });
    expect(summary(noLimit)).toEqual([
      'vk8s-vnode-gpu-isolation: StatefulSet vk8s-user-b/user-b-gpu-1: requests 1 nvidia.com/gpu without a GPU limit (set limits.nvidia.com/gpu: 1)',
      'vk8s-vnode-gpu-isolation: StatefulSet vk8s-user-b/user-b-gpu-1: VK8S_EXPECTED_GPUS is "1", not "0" (the GPU isolation must expect the vNode\'s GPU limit)',
      "vk8s-vnode-gpu-isolation: StatefulSet vk8s-user-b/user-b-gpu-1: has no GPU but does not set NVIDIA_VISIBLE_DEVICES=void (a privileged container sees every host GPU)",
    ]);
  });

  test("a vNode that skips the isolation start-up", () => {
    const resources = tamper(platform, "p-user-b-statefulset-user-b-gpu-1", (p) => { p.spec.template.spec.containers[0].command = ["/sbin/init"]; });
    expect(summary(resources)).toEqual([
      "vk8s-vnode-gpu-isolation: StatefulSet vk8s-user-b/user-b-gpu-1: does not start through the GPU isolation (command /etc/vk8s/boot/start.sh from the boot ConfigMap, which sources gpu-isolation.sh)",
    ]);
  });

  test("a Vk8sCluster on its own: its namespace has no quota, limit range or default deny", async () => {
    const resources = await program((o) => new Vk8sCluster("solo", {
      ...userA().cluster, kubeflow: { ...userA().cluster.kubeflow, password: "correct-horse-s" }, bootstrap: false,
    }, o));
    expect(summary(resources)).toEqual([
      "vk8s-tenant-isolation: tenant namespace vk8s-solo lacks a ResourceQuota, a LimitRange, a default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules) (create it with Vk8sPlatform, or add them)",
    ]);
  });

  test("a tenant whose default deny allows ingress, and whose quota does not cover GPUs", () => {
    const denyAll = tamper(platform, "p-user-a-networkpolicy-user-a-default-deny", (p) => { p.spec.ingress = [{}]; });
    const noGpuQuota = tamper(denyAll, "p-user-a-resourcequota-user-a-quota", (p) => { delete p.spec.hard[`requests.${GPU_RESOURCE}`]; });
    expect(summary(noGpuQuota)).toEqual([
      "vk8s-tenant-isolation: tenant namespace vk8s-user-a lacks a quota on requests.nvidia.com/gpu, a default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules) (create it with Vk8sPlatform, or add them)",
    ]);
  });

  test("the upstream Kubeflow login: its password, its hash on a dex step, a Kubeflow without a dex step", async () => {
    const upstreamHash = bcrypt.hashSync(UPSTREAM_DEFAULT_LOGIN.password, 4);
    const resources = await program((o) => {
      new k8s.core.v1.ConfigMap("login", { metadata: { name: "login", namespace: "kf" }, data: { password: "12341234" } }, o);
      new command.remote.Command("c-09-dex-login", {
        connection: { host: "10.0.0.1" },
        create: "# vk8s bootstrap step 09-dex-login: Kubeflow login\n",
        stdin: pulumi.secret(upstreamHash),
      }, o);
    });
    expect(summary(resources)).toEqual([
      "vk8s-no-default-kubeflow-login: kubernetes:core/v1:ConfigMap login holds the upstream default Kubeflow password (choose your own)",
      "vk8s-no-default-kubeflow-login: command:remote:Command c-09-dex-login holds a bcrypt hash of the upstream default Kubeflow password (choose your own)",
    ]);
    const withoutDex = platform.filter((r) => r.name !== "p-user-b-09-dex-login");
    expect(summary(withoutDex)).toEqual([
      "vk8s-no-default-kubeflow-login: p-user-b-08-kubeflow installs Kubeflow without a dex login step, so the upstream default login stays (keep the bootstrap's dex-login step)",
    ]);
  });

  test("two Services on one NodePort", () => {
    const a = platform.find((r) => r.name === "p-user-a-service-user-a-kubeflow")!;
    const resources = tamper(platform, "p-user-b-service-user-b-kubeflow", (p) => { p.spec.ports[0].nodePort = a.props.spec.ports[0].nodePort; });
    expect(summary(resources)).toEqual([
      `vk8s-unique-nodeports: Service vk8s-user-b/user-b-kubeflow claims NodePort ${a.props.spec.ports[0].nodePort}, already Service vk8s-user-a/user-a-kubeflow's (give one of them another port)`,
    ]);
  });

  test("unknown values at preview do not crash the rules", () => {
    const unknowns: StackResource[] = [
      { type: "kubernetes:apps/v1:StatefulSet", name: "s", urn: "u1", props: { metadata: undefined, spec: { template: undefined } } },
      { type: "kubernetes:core/v1:Namespace", name: "n", urn: "u2", props: { metadata: undefined } },
      { type: "kubernetes:core/v1:Service", name: "svc", urn: "u3", props: { spec: { ports: [{ nodePort: undefined }] } } },
    ];
    expect(checkStack(unknowns)).toEqual([]);
  });
});
