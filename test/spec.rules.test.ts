/**
 * One case per validation rule, each with the exact problem(s) expected. Every case starts
 * from the original v1.3.0 sample (test/fixtures/samples/sample-kf13.yaml), which is valid.
 */
import * as fs from "fs";
import * as path from "path";
import { parseVk8sDocuments } from "../src/manifest";
import { formatProblem } from "../src/core/errors";
import { validateCluster, type ValidateOptions } from "../src/cluster/validate";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Spec = any;
const SAMPLE = fs.readFileSync(path.join(__dirname, "fixtures/samples/sample-kf13.yaml"), "utf8");
const sample = (): Spec => structuredClone(parseVk8sDocuments(SAMPLE)[0].spec);

function problemsOf(mutate: (s: Spec) => void, name = "sample3", options?: ValidateOptions): string[] {
  const spec = sample();
  mutate(spec);
  const result = validateCluster(name, spec, options);
  return result.ok ? [] : result.problems.map(formatProblem);
}

interface Case {
  rule: string;
  mutate?: (s: Spec) => void;
  name?: string;
  options?: ValidateOptions;
  expected: string[];
}

const SEE = "run `vk8s matrix` to see the table";
const LONG = "a".repeat(53);

const cases: Case[] = [
  // cluster name
  { rule: "cluster name is a DNS-1123 label", name: "Sample_3", expected: [
    `name: "Sample_3" is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit) (name the cluster like team-a or sample3)`,
  ] },
  { rule: "names derived from the cluster name fit 63 characters; StatefulSet names fit 52", name: LONG, expected: [
    `name: "${LONG}-vnode-boot" derived from it is over 63 characters (shorten the cluster name)`,
    `nodes[0].name: StatefulSet name "${LONG}-sample-master3" (<cluster>-<node>) is 68 characters, over the 52 Kubernetes allows (shorten the cluster name or the node name)`,
  ] },
  // nodes
  { rule: "nodes, when given, is not empty", mutate: (s) => (s.nodes = []), expected: [
    "nodes: is empty (add one node with role: master, or omit nodes for the default single master)",
  ] },
  { rule: "node names are DNS-1123 labels", mutate: (s) => (s.nodes[0].name = "Master_1"), expected: [
    `nodes[0].name: "Master_1" is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit) (rename the node, e.g. master or worker-1)`,
  ] },
  { rule: "node names are unique", mutate: (s) => s.nodes.push({ ...s.nodes[0], role: "worker" }), expected: [
    `nodes[1].name: "sample-master3" is already the name of nodes[0] (give every node a unique name)`,
  ] },
  { rule: "StatefulSet name <cluster>-<node> fits 52 characters", mutate: (s) => (s.nodes[0].name = "n".repeat(45)), expected: [
    `nodes[0].name: StatefulSet name "sample3-${"n".repeat(45)}" (<cluster>-<node>) is 53 characters, over the 52 Kubernetes allows (shorten the cluster name or the node name)`,
  ] },
  { rule: "one node is the master", mutate: (s) => (s.nodes[0].role = "worker"), expected: [
    "nodes: has no node with role master (give exactly one node role: master)",
  ] },
  { rule: "only one master: HA control planes are not supported yet", mutate: (s) => s.nodes.push({ ...s.nodes[0], name: "second" }), expected: [
    "nodes[1].role: is a second master (nodes[0] is the master); high-availability control planes are not supported yet (set role: worker; a virtual cluster has exactly one master)",
  ] },
  // resources
  { rule: "quantities are Kubernetes quantities", mutate: (s) => (s.nodes[0].resources.requests.cpu = "1x"), expected: [
    `nodes[0].resources.requests.cpu: "1x" is not a Kubernetes quantity (write a quantity such as "1", "500m" or 16Gi)`,
  ] },
  { rule: "resource names are known or domain-qualified", mutate: (s) => (s.nodes[0].resources.limits.gpu = 1), expected: [
    `nodes[0].resources.limits.gpu: unknown resource "gpu" (use cpu, memory, ephemeral-storage, hugepages-<size> or a domain-qualified name such as nvidia.com/gpu)`,
  ] },
  { rule: "quantities are not negative", mutate: (s) => (s.nodes[0].resources.requests.memory = "-1Gi"), expected: [
    "nodes[0].resources.requests.memory: must not be negative, got -1Gi (use zero or more)",
  ] },
  { rule: "requests <= limits", mutate: (s) => (s.nodes[0].resources.requests.cpu = "12"), expected: [
    "nodes[0].resources.requests.cpu: request 12 is more than the limit 10 (lower the request or raise nodes[0].resources.limits.cpu)",
  ] },
  { rule: "requests <= limits compares across units", mutate: (s) => (s.nodes[0].resources.requests.memory = "41000Mi"), expected: [
    "nodes[0].resources.requests.memory: request 41000Mi is more than the limit 40Gi (lower the request or raise nodes[0].resources.limits.memory)",
  ] },
  { rule: "GPU counts are whole", mutate: (s) => (s.nodes[0].resources.limits["nvidia.com/gpu"] = 0.5), expected: [
    `nodes[0].resources.limits["nvidia.com/gpu"]: GPU count must be a whole number, got 500m (give whole GPUs, e.g. 1)`,
  ] },
  { rule: "GPU counts are not negative", mutate: (s) => (s.nodes[0].resources.limits["nvidia.com/gpu"] = -1), expected: [
    `nodes[0].resources.limits["nvidia.com/gpu"]: must not be negative, got -1 (use zero or more)`,
  ] },
  { rule: "GPU request = limit when both are given", mutate: (s) => {
    s.nodes[0].resources.requests["nvidia.com/gpu"] = 1;
    s.nodes[0].resources.limits["nvidia.com/gpu"] = 2;
  }, expected: [
    `nodes[0].resources.requests["nvidia.com/gpu"]: request 1 differs from the limit 2; Kubernetes requires request = limit for nvidia.com/gpu (set both to the same number, or give nvidia.com/gpu in limits only)`,
  ] },
  { rule: "GPU on limits alone is fine", mutate: (s) => (s.nodes[0].resources.limits["nvidia.com/gpu"] = 2), expected: [] },
  // tolerations
  { rule: "toleration: operator Exists takes no value", mutate: (s) => (s.nodes[0].tolerations = [{ key: "gpu", operator: "Exists", value: "x" }]), expected: [
    "nodes[0].tolerations[0].value: must be empty when operator is Exists (remove value, or use operator: Equal)",
  ] },
  { rule: "toleration: key required unless Exists", mutate: (s) => (s.nodes[0].tolerations = [{ operator: "Equal", value: "x" }]), expected: [
    "nodes[0].tolerations[0].key: is required unless operator is Exists (set key, or use operator: Exists to tolerate every taint)",
  ] },
  { rule: "toleration: tolerationSeconds only with NoExecute", mutate: (s) => (s.nodes[0].tolerations = [{ key: "k", operator: "Exists", effect: "NoSchedule", tolerationSeconds: 60 }]), expected: [
    "nodes[0].tolerations[0].tolerationSeconds: only applies to effect NoExecute (set effect: NoExecute or remove tolerationSeconds)",
  ] },
  // Kubernetes version vs image tags
  { rule: "node image carries a tag", mutate: (s) => (s.nodes[0].image = "registry.example.com/vk8s/kink"), expected: [
    "nodes[0].image: has no tag; the kink image tag gives the node's Kubernetes version (use a kink image tagged like :v1.20)",
  ] },
  { rule: "node image tag names a Kubernetes version", mutate: (s) => (s.nodes[0].image = "registry.example.com:5000/vk8s/kink:latest"), expected: [
    `nodes[0].image: tag "latest" names no Kubernetes version; the kink image tag gives the node's Kubernetes version (use a kink image tagged like :v1.20)`,
  ] },
  { rule: "node image agrees with kubernetes.version", mutate: (s) => (s.kubernetes.version = "1.19"), expected: [
    "nodes[0].image: tag v1.20 means Kubernetes 1.20 but kubernetes.version is 1.19 (use a kink image tagged v1.19, or set kubernetes.version to 1.20)",
  ] },
  { rule: "node image patch agrees with kubernetes.version's patch", mutate: (s) => {
    s.kubernetes.version = "1.20.7";
    s.nodes[0].image = "registry.example.com/vk8s/kink:v1.20.15";
  }, expected: [
    "nodes[0].image: tag v1.20.15 means Kubernetes 1.20.15 but kubernetes.version is 1.20.7 (use a kink image tagged v1.20.7, or set kubernetes.version to 1.20.15)",
  ] },
  { rule: "every node runs the same Kubernetes version", mutate: (s) => s.nodes.push({ name: "worker-1", role: "worker", image: "registry.example.com/vk8s/kink:v1.19" }), expected: [
    "nodes[1].image: tag v1.19 means Kubernetes 1.19 but nodes[0].image means Kubernetes 1.20 (use the same Kubernetes version on every node)",
  ] },
  // matrix
  { rule: "Kubeflow x Kubernetes (from the image tag) must be compatible", mutate: (s) => (s.nodes[0].image = "registry.example.com/vk8s/kink:v1.22"), expected: [
    `nodes[0].image: Kubeflow 1.3 does not run on Kubernetes 1.22 (choose Kubernetes 1.17, 1.19 or 1.20 for Kubeflow 1.3, or Kubeflow 1.6 for Kubernetes 1.22; ${SEE})`,
  ] },
  { rule: "Kubeflow x Kubernetes (from kubernetes.version) must be compatible", mutate: (s) => {
    delete s.nodes[0].image;
    s.kubernetes.version = "1.25";
  }, expected: [
    `kubernetes.version: Kubeflow 1.3 does not run on Kubernetes 1.25 (choose Kubernetes 1.17, 1.19 or 1.20 for Kubeflow 1.3, or Kubeflow 1.7 or 1.8 for Kubernetes 1.25; ${SEE})`,
  ] },
  { rule: "kubernetes.version is a version", mutate: (s) => (s.kubernetes.version = "one-twenty"), expected: [
    `kubernetes.version: "one-twenty" is not a Kubernetes version (write it like 1.20, v1.20 or 1.20.15)`,
  ] },
  { rule: "Kubeflow version is in the matrix", mutate: (s) => (s.kubeflow.version = "v1.2.0"), expected: [
    `kubeflow.version: Kubeflow 1.2 is not in the compatibility matrix (choose Kubeflow 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 1.10, 1.11 or 26.03; ${SEE})`,
  ] },
  { rule: "Kubeflow 0.x is listed but not installable", mutate: (s) => (s.kubeflow.version = "v0.7.0"), expected: [
    "kubeflow.version: Kubeflow 0.7 is listed in the matrix but vk8s cannot install it: 0.x releases were deployed with kfctl, not kubeflow/manifests (choose Kubeflow 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 1.10, 1.11 or 26.03)",
  ] },
  { rule: "Kubeflow version is a version", mutate: (s) => (s.kubeflow.version = "latest"), expected: [
    `kubeflow.version: "latest" is not a Kubeflow version (write it like v1.4.0 or 1.4)`,
  ] },
  // network
  { rule: "CIDRs are IPv4 CIDRs", mutate: (s) => (s.kubernetes.podNetworkCidr = "80.244.0.0"), expected: [
    `kubernetes.podNetworkCidr: "80.244.0.0" is not an IPv4 CIDR (write it like 10.244.0.0/16)`,
  ] },
  { rule: "IPv6 CIDRs parse but are refused (single-stack IPv4)", mutate: (s) => (s.kubernetes.serviceCidr = "fd00:0:0:0::/108"), expected: [
    "kubernetes.serviceCidr: fd00::/108 is an IPv6 CIDR; vk8s clusters are single-stack IPv4 (use an IPv4 block like 10.96.0.0/12)",
  ] },
  { rule: "an IPv6 host CIDR (dual-stack host) is accepted and overlaps nothing", options: { hostCidrs: ["fd00::/8"] }, expected: [] },
  { rule: "CIDRs have no bits after the prefix", mutate: (s) => (s.kubernetes.serviceCidr = "80.97.0.0/12"), expected: [
    "kubernetes.serviceCidr: 80.97.0.0/12 has address bits set after the /12 prefix (write 80.96.0.0/12)",
  ] },
  { rule: "pod network holds a /24 per node", mutate: (s) => (s.kubernetes.podNetworkCidr = "80.244.0.0/25"), expected: [
    "kubernetes.podNetworkCidr: 80.244.0.0/25 cannot give each of the 1 node(s) its own /24 (use a larger block, e.g. a /16)",
  ] },
  { rule: "service network is at most a /12", mutate: (s) => (s.kubernetes.serviceCidr = "80.0.0.0/8"), expected: [
    "kubernetes.serviceCidr: 80.0.0.0/8 is larger than the /12 the API server accepts (use a prefix of /12 or longer, e.g. 10.96.0.0/12)",
    "kubernetes.serviceCidr: 80.0.0.0/8 overlaps kubernetes.podNetworkCidr 80.244.0.0/16 (choose blocks that do not overlap, e.g. 80.244.0.0/16 and 80.96.0.0/12)",
  ] },
  { rule: "pod and service networks do not overlap", mutate: (s) => (s.kubernetes.podNetworkCidr = "80.100.0.0/16"), expected: [
    "kubernetes.serviceCidr: 80.96.0.0/12 overlaps kubernetes.podNetworkCidr 80.100.0.0/16 (choose blocks that do not overlap, e.g. 80.244.0.0/16 and 80.96.0.0/12)",
  ] },
  { rule: "networks do not overlap the host's (spec hostCidrs)", mutate: (s) => (s.hostCidrs = ["80.244.0.0/24", "10.0.0.0/8"]), expected: [
    "kubernetes.podNetworkCidr: 80.244.0.0/16 overlaps the host cluster's 80.244.0.0/24 (hostCidrs[0]) (choose a block outside the host's networks)",
  ] },
  { rule: "networks do not overlap the host's (options)", options: { hostCidrs: ["80.96.0.0/12"] }, expected: [
    "kubernetes.serviceCidr: 80.96.0.0/12 overlaps the host cluster's 80.96.0.0/12 (options.hostCidrs[0]) (choose a block outside the host's networks)",
  ] },
  { rule: "host CIDRs are IPv4 CIDRs", options: { hostCidrs: ["host"] }, expected: [
    `options.hostCidrs[0]: "host" is not an IPv4 CIDR (write it like 10.244.0.0/16)`,
  ] },
  // ports and access
  { rule: "NodePorts are in 30000-32767", mutate: (s) => (s.ports[0].port = 8080), expected: [
    "ports[0].port: 8080 is outside the NodePort range 30000-32767 (choose a port in 30000-32767)",
  ] },
  { rule: "NodePorts are not repeated", mutate: (s) => s.ports.push({ name: "flower", port: 30000 }), expected: [
    "ports[1].port: 30000 is already used by ports[0] (give every entry its own NodePort)",
  ] },
  { rule: "port names are DNS-1123 labels", mutate: (s) => (s.ports[0].name = "Kube_flow"), expected: [
    `ports[0].name: "Kube_flow" is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit) (name the port like kubeflow or flower)`,
  ] },
  { rule: "port names are unique", mutate: (s) => s.ports.push({ name: "kubeflow", port: 30001 }), expected: [
    `ports[1].name: "kubeflow" is already the name of ports[0] (give every port a unique name)`,
  ] },
  { rule: "port names do not collide with vk8s Services", mutate: (s) => (s.ports[0].name = "ssh"), expected: [
    `ports[0].name: "ssh" is taken by a vk8s Service (sample3-ssh) (choose a name other than apiserver, ssh, vnodes)`,
  ] },
  { rule: "targetPort is a port number", mutate: (s) => (s.ports[0].targetPort = 0), expected: [
    "ports[0].targetPort: 0 is not a port number (use 1-65535)",
  ] },
  { rule: "accessPodPort is a port number", mutate: (s) => (s.accessPodPort = 70000), expected: [
    "accessPodPort: 70000 is not a port number (use 1-65535)",
  ] },
  { rule: "accessPodImage is an image reference", mutate: (s) => (s.accessPodImage = "my sshd"), expected: [
    `accessPodImage: "my sshd" is not an image reference (write it like docker.io/panubo/sshd:1.9.0, or omit it for the default)`,
  ] },
  { rule: "imageRepository carries no tag", mutate: (s) => (s.imageRepository = "registry.example.com:5000/vk8s/kink:v1.20"), expected: [
    "imageRepository: registry.example.com:5000/vk8s/kink:v1.20 carries a tag or digest; the tag comes from the Kubernetes version (drop the tag: registry.example.com:5000/vk8s/kink)",
  ] },
  // Kubeflow login
  { rule: "email is an email address", mutate: (s) => (s.kubeflow.email = "test@localhost"), expected: [
    `kubeflow.email: "test@localhost" is not an email address (write it like team-a@example.com)`,
  ] },
  { rule: "password has at least 8 characters", mutate: (s) => (s.kubeflow.password = "short"), expected: [
    "kubeflow.password: has 5 characters, fewer than 8 (choose a password of at least 8 characters)",
  ] },
  { rule: "password is not the upstream default", mutate: (s) => (s.kubeflow.password = "12341234"), expected: [
    "kubeflow.password: is the upstream default password, which is public (choose your own password of at least 8 characters)",
  ] },
  { rule: "the default email with a password of the user's own is fine", mutate: (s) => (s.kubeflow.email = "user@example.com"), expected: [] },
  { rule: "password fits bcrypt's 72 bytes", mutate: (s) => (s.kubeflow.password = "p".repeat(73)), expected: [
    "kubeflow.password: is 73 bytes; bcrypt uses only the first 72 (choose a password of at most 72 bytes)",
  ] },
  // labels
  { rule: "reserved labels cannot be overridden (cluster)", mutate: (s) => (s.labels = { app: "mine", update: "test" }), expected: [
    `labels.app: "app" is set by vk8s on every vNode (app: vk8s) (choose another label key, e.g. team)`,
  ] },
  { rule: "reserved labels cannot be overridden (node)", mutate: (s) => (s.nodes[0].labels = { "sidecar.istio.io/inject": "true" }), expected: [
    `nodes[0].labels["sidecar.istio.io/inject"]: "sidecar.istio.io/inject" is set by vk8s on every vNode (sidecar.istio.io/inject: false) (choose another label key, e.g. team)`,
  ] },
  { rule: "label keys and values are valid", mutate: (s) => (s.labels = { "team name": "ml team" }), expected: [
    `labels["team name"]: label key "team name" is not valid (an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit) (rename the key, e.g. team or example.com/team)`,
    `labels["team name"]: label value "ml team" is not valid (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit) (shorten or simplify the value, e.g. ml-team-a)`,
  ] },
  { rule: "nodeSelector values are valid label values (reserved keys allowed)", mutate: (s) => (s.nodes[0].nodeSelector = { role: "gpu node" }), expected: [
    `nodes[0].nodeSelector.role: label value "gpu node" is not valid (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit) (shorten or simplify the value, e.g. ml-team-a)`,
  ] },
  // shape (zod) problems, translated
  { rule: "unknown fields are named, with a suggestion", mutate: (s) => {
    s.nodes[0].resouces = s.nodes[0].resources;
    delete s.nodes[0].resources;
  }, expected: ["nodes[0].resouces: unknown field (did you mean resources?)"] },
  { rule: "unknown fields list the known ones", mutate: (s) => (s.gpuSharing = true), expected: [
    "gpuSharing: unknown field (remove it; known fields: accessPodImage, accessPodPort, imageRepository, nodes, kubernetes, kubeflow, ports, labels, annotations, hostCidrs)", // annotations: issue 11, item 7
  ] },
  { rule: "required fields are named", mutate: (s) => delete s.kubeflow, expected: ["kubeflow: is required (add kubeflow with version, email, password)"] },
  { rule: "enums list their values", mutate: (s) => (s.nodes[0].role = "primary"), expected: [`nodes[0].role: the string "primary" is not one of master, worker (use one of master, worker)`] },
  { rule: "a version read by YAML as a number is explained", mutate: (s) => (s.kubernetes.version = 1.2), expected: [
    `kubernetes.version: expected a string, got the number 1.2 (quote it in YAML, e.g. "1.20": unquoted 1.20 is read as the number 1.2)`,
  ] },
  { rule: "numbers must be numbers", mutate: (s) => (s.ports[0].port = "30000"), expected: [`ports[0].port: expected a number, got the string "30000" (write ports[0].port as a number)`] },
  { rule: "ports are whole numbers", mutate: (s) => (s.accessPodPort = 22.5), expected: ["accessPodPort: expected a whole number, got the number 22.5 (write accessPodPort as a whole number)"] },
  { rule: "quantities must be strings or numbers", mutate: (s) => (s.nodes[0].resources.limits.cpu = null), expected: [
    `nodes[0].resources.limits.cpu: expected a quantity, got null (write a quantity such as "1", "500m" or 16Gi)`,
  ] },
];

describe("validation rules (from the v1.3.0 sample)", () => {
  test("the sample itself is valid", () => {
    expect(problemsOf(() => undefined)).toEqual([]);
  });
  test.each(cases)("$rule", ({ mutate, name, options, expected }) => {
    expect(problemsOf(mutate ?? (() => undefined), name, options)).toEqual(expected);
  });
});

describe("shape problems never quote the password", () => {
  test("a numeric password is reported by type only", () => {
    const problems = problemsOf((s) => (s.kubeflow.password = 98765432));
    expect(problems).toEqual(["kubeflow.password: expected a string, got a number (quote it in YAML)"]);
    expect(problems.join("\n")).not.toContain("98765432");
  });
  test("password rules never quote it", () => {
    for (const password of ["short", "12341234", "x".repeat(80)]) {
      expect(problemsOf((s) => (s.kubeflow.password = password)).join("\n")).not.toContain(password);
    }
  });
});

test("a spec that is not a map is one problem", () => {
  const result = validateCluster("sample3", ["not", "a", "map"]);
  expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
    "spec: expected a map of fields, got a list (write the spec as a YAML/JSON object with at least kubeflow)",
  ]);
});

test("values that are not plain data are reported, not crashed on", () => {
  const spec = sample();
  spec.labels = { team: () => "a" };
  const result = validateCluster("sample3", spec);
  expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual(["labels.team: expected a string, got a function (write labels.team as a string)"]);
});
