/**
 * The kubeadm configuration of every matrix row (each installable Kubeflow line on each of
 * its Kubernetes minors): API version per minor, the kubelet and kube-proxy settings a node
 * in a container needs, and the join configuration. Where a real `kubeadm` is on PATH
 * (the toolchain's, after `. ~/.cache/vk8s/toolchain/env.sh`), `kubeadm config validate`
 * checks the rendered files of its own minor; otherwise that check is skipped, visibly.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import {
  KINK_RUNTIME_CGROUP_DRIVER, kubeadmApiVersion, renderInitConfiguration, renderJoinConfiguration, type KubeadmInput,
} from "../src/bootstrap/kubeadm";
import { KUBEFLOW_ROWS } from "../src/matrix/table";
import { fixtureCluster, fixtureNode } from "./fixtures/bootstrapClusters";

const ROWS = KUBEFLOW_ROWS.filter((r) => r.installable).flatMap((r) =>
  r.kubernetes.map((k) => [r.kubeflow, k.version] as const));

function inputFor(kubernetesVersion: string, extra: Partial<KubeadmInput> = {}): KubeadmInput {
  return {
    kubernetesVersion, controlPlaneEndpoint: "m.example.svc:6443", apiServerExtraSans: ["api.example.com"],
    ignorePreflightErrors: ["Swap", "SystemVerification"], ...extra,
  };
}

function rendered(kubeflow: string, minor: string) {
  const cluster = fixtureCluster({ name: "kf", kubeflowVersion: kubeflow, kubernetes: minor });
  const input = inputFor(cluster.matrix.kubernetesVersion);
  const init = renderInitConfiguration(cluster, input);
  const join = renderJoinConfiguration(fixtureNode("kf", "w1", "worker", 1, 2, minor), input);
  return { cluster, init, join, docs: YAML.parseAllDocuments(init).map((d) => d.toJS()), joinDoc: YAML.parse(join) };
}

describe("kubeadmApiVersion: the newest version each minor reads", () => {
  test.each([
    ["1.17", "v1beta2"], ["1.20", "v1beta2"], ["1.21", "v1beta2"],
    ["1.22", "v1beta3"], ["1.25", "v1beta3"], ["1.30", "v1beta3"],
    ["1.31", "v1beta4"], ["1.34", "v1beta4"],
  ])("Kubernetes %s: %s", (minor, version) => expect(kubeadmApiVersion(minor)).toBe(`kubeadm.k8s.io/${version}`));
});

test("the runtime cgroup driver constant is cgroupfs, as the kink image's containerd (SystemdCgroup = false, no systemd)", () => {
  expect(KINK_RUNTIME_CGROUP_DRIVER).toBe("cgroupfs");
  const dockerfile = fs.readFileSync(path.join(__dirname, "..", "images", "kink", "Dockerfile"), "utf8");
  expect(dockerfile).toContain("SystemdCgroup = false");
});

describe.each(ROWS)("Kubeflow %s on Kubernetes %s", (kubeflow, minor) => {
  const { cluster, init, join, docs, joinDoc } = rendered(kubeflow, minor);
  const api = kubeadmApiVersion(minor);
  const v1beta4 = api.endsWith("v1beta4");

  test("init: four documents in the API version of the minor, versions and networks from the cluster", () => {
    expect(docs.map((d) => `${d.apiVersion} ${d.kind}`)).toEqual([
      `${api} InitConfiguration`, `${api} ClusterConfiguration`,
      "kubelet.config.k8s.io/v1beta1 KubeletConfiguration", "kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration",
    ]);
    expect(docs[0].localAPIEndpoint).toEqual({ advertiseAddress: "@VK8S_NODE_IP@", bindPort: 6443 });
    expect(docs[0].nodeRegistration).toMatchObject({ name: cluster.master.name, taints: [], ignorePreflightErrors: ["Swap", "SystemVerification"] });
    expect(docs[1]).toMatchObject({
      kubernetesVersion: `v${cluster.matrix.kubernetesVersion}`, controlPlaneEndpoint: "m.example.svc:6443",
      networking: { podSubnet: "80.244.0.0/16", serviceSubnet: "80.96.0.0/12" },
      apiServer: { certSANs: [cluster.master.hostname, "api.example.com"] },
    });
    expect(docs[1]).not.toHaveProperty("imageRepository");
  });

  test("kubelet: the kink runtime's cgroup driver, swap tolerated, failCgroupV1 only from 1.31, no eviction on the shared disk; kube-proxy leaves conntrack alone", () => {
    expect(docs[2]).toEqual({
      apiVersion: "kubelet.config.k8s.io/v1beta1", kind: "KubeletConfiguration", cgroupDriver: "cgroupfs", failSwapOn: false,
      ...(v1beta4 ? { failCgroupV1: false } : {}),
      imageGCHighThresholdPercent: 100, evictionHard: { "imagefs.available": "0%", "nodefs.available": "0%", "nodefs.inodesFree": "0%" },
    });
    expect(docs[3].conntrack).toEqual({ maxPerCore: 0, tcpEstablishedTimeout: "0s", tcpCloseWaitTimeout: "0s" });
  });

  test("kubelet flags: node IP and GPU label, as a map (v1beta2/3) or a name/value list (v1beta4)", () => {
    const expected = v1beta4
      ? [{ name: "node-ip", value: "@VK8S_NODE_IP@" }, { name: "node-labels", value: "vk8s.io/gpus=0" }]
      : { "node-ip": "@VK8S_NODE_IP@", "node-labels": "vk8s.io/gpus=0" };
    expect(docs[0].nodeRegistration.kubeletExtraArgs).toEqual(expected);
  });

  test("join: discovery from the join command's placeholders, the worker's name and labels, no token in the file", () => {
    expect(joinDoc).toMatchObject({
      apiVersion: api, kind: "JoinConfiguration",
      discovery: { bootstrapToken: { apiServerEndpoint: "@VK8S_API_SERVER_ENDPOINT@", token: "@VK8S_JOIN_TOKEN@", caCertHashes: ["@VK8S_CA_CERT_HASH@"] } },
      nodeRegistration: { name: "w1" },
    });
    expect(joinDoc.nodeRegistration).not.toHaveProperty("taints");
    expect(join).toContain("vk8s.io/gpus=2");
  });

  test("deterministic", () => {
    const again = rendered(kubeflow, minor);
    expect(again.init).toBe(init);
    expect(again.join).toBe(join);
  });
});

test("imageRepository goes into the ClusterConfiguration", () => {
  const cluster = fixtureCluster({ name: "kf", kubeflowVersion: "1.3", kubernetes: "1.20" });
  const docs = YAML.parseAllDocuments(renderInitConfiguration(cluster, inputFor("1.20.15", { imageRepository: "registry.example.com/k8s" })));
  expect(docs[1].toJS().imageRepository).toBe("registry.example.com/k8s");
});

// A real kubeadm, when there is one: `kubeadm config validate` (kubeadm 1.26+) on the files of its own minor.
const kubeadmVersion = spawnSync("kubeadm", ["version", "-o", "short"], { encoding: "utf8" });
const realMinor = kubeadmVersion.status === 0 ? /^v(\d+\.\d+)\./.exec(kubeadmVersion.stdout.trim())?.[1] : undefined;
if (!realMinor) {
  // eslint-disable-next-line no-console
  console.warn("kubeadm not on PATH (source ~/.cache/vk8s/toolchain/env.sh once the toolchain is built): skipping `kubeadm config validate`");
}
const validatable = ROWS.filter(([, minor]) => minor === realMinor);
(validatable.length > 0 ? describe : describe.skip)(`kubeadm ${realMinor} config validate`, () => {
  test.each(validatable.length > 0 ? validatable : [["-", "-"] as const])("Kubeflow %s on Kubernetes %s: init and join validate", (kubeflow, minor) => {
    const { init, join } = rendered(kubeflow, minor);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vk8s-kubeadm-"));
    try {
      const fill = (text: string) => text.replace(/@VK8S_NODE_IP@/g, "10.0.0.2").replace(/@VK8S_API_SERVER_ENDPOINT@/g, "10.0.0.1:6443")
        .replace(/@VK8S_JOIN_TOKEN@/g, "abcdef.0123456789abcdef").replace(/@VK8S_CA_CERT_HASH@/g, `sha256:${"a".repeat(64)}`);
      for (const [name, text] of [["init.yaml", init], ["join.yaml", join]] as const) {
        fs.writeFileSync(path.join(dir, name), fill(text));
        const result = spawnSync("kubeadm", ["config", "validate", "--config", path.join(dir, name)], { encoding: "utf8" });
        expect(`${name}: ${result.stderr}${result.status === 0 ? "ok" : ""}`).toMatch(new RegExp(`^${name}: .*ok$`, "s"));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
