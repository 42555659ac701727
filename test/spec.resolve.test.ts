/** What a valid spec resolves to, and several problems reported at once. */
import * as fs from "fs";
import * as path from "path";
import { parseVk8sDocuments } from "../src/manifest";
import { DEFAULTS } from "../src/cluster/defaults";
import { formatProblem, Vk8sValidationError } from "../src/core/errors";
import { resolveCluster, validateCluster } from "../src/cluster/validate";

const fixture = (name: string) => parseVk8sDocuments(fs.readFileSync(path.join(__dirname, "fixtures/samples", name), "utf8"), name);
const LOGIN = { email: "team-a@example.com", password: "a-long-password" };

describe("the original samples resolve", () => {
  test("Kubeflow v1.3.0 on kink:v1.20 (field-verified)", () => {
    const [doc] = fixture("sample-kf13.yaml");
    const cluster = resolveCluster(doc.name, doc.spec);
    const { matrix, nodes, master, ...rest } = cluster;
    expect(rest).toEqual({
      name: "sample3",
      namespace: "vk8s-sample3",
      labels: {},
      annotations: {}, // issue 11, item 7
      network: { podNetworkCidr: "80.244.0.0/16", serviceCidr: "80.96.0.0/12" },
      // the matrix's resolved release of the line, not the spelling (v1.3.0 installs v1.3.1);
      // issue 11: the password stays out of the resolved cluster
      kubeflow: { version: "v1.3.1", email: "test@example.com", versionChange: "refuse" },
      access: { image: DEFAULTS.accessPodImage, port: 22 },
      ports: [{ name: "kubeflow", port: 30000, targetPort: 30000 }],
      kubeflowPort: { name: "kubeflow", port: 30000, targetPort: 30000 },
      imageRepository: "ghcr.io/vk8s/kink",
    });
    expect({ ...matrix, kubeflow: matrix.kubeflow.kubeflow }).toEqual({
      kubeflow: "1.3", kubernetesMinor: "1.20", kubernetesVersion: "1.20.15", evidence: "field-verified", calico: "3.20.6", imageTag: "v1.20",
    });
    expect(nodes).toEqual([{
      name: "sample-master3",
      role: "master",
      index: 0,
      statefulSetName: "sample3-sample-master3",
      podName: "sample3-sample-master3-0",
      hostname: "sample3-sample-master3-0.sample3-vnodes.vk8s-sample3.svc.cluster.local",
      image: "registry.example.com/vk8s/kink:v1.20",
      requests: { cpu: "1", memory: "16Gi" },
      limits: { cpu: "10", memory: "40Gi" },
      gpus: 0,
      tolerations: [],
      nodeSelector: {},
      labels: {},
    }]);
    expect(master).toBe(nodes[0]);
  });

  test("Kubeflow v1.4.0 with one GPU: the GPU is on requests and limits", () => {
    const [doc] = fixture("sample-kf14-gpu.yaml");
    const cluster = resolveCluster(doc.name, doc.spec);
    expect(cluster.matrix.kubeflow.kubeflow).toBe("1.4");
    expect(cluster.matrix.evidence).toBe("field-verified");
    expect(cluster.master.gpus).toBe(1);
    expect(cluster.master.requests).toEqual({ cpu: "1", memory: "16Gi", "nvidia.com/gpu": "1" });
    expect(cluster.master.limits).toEqual({ cpu: "10", memory: "40Gi", "nvidia.com/gpu": "1" });
  });
});

describe("defaults and normalisation", () => {
  test("only a Kubeflow version: one default master, Kubernetes from the matrix, default networks and access", () => {
    const cluster = resolveCluster("team-a", { kubeflow: { version: "1.9", ...LOGIN } });
    expect(cluster.kubeflow.version).toBe("v1.9.1");
    expect(cluster.matrix.kubernetesVersion).toBe("1.29.15");
    expect(cluster.matrix.imageTag).toBe("v1.29");
    expect(cluster.nodes.map((n) => [n.name, n.role, n.image, n.requests, n.limits])).toEqual([
      ["master", "master", "ghcr.io/vk8s/kink:v1.29", { cpu: "2", memory: "8Gi" }, {}],
    ]);
    expect(cluster.network).toEqual({ podNetworkCidr: "10.244.0.0/16", serviceCidr: "10.96.0.0/12" });
    expect(cluster.access).toEqual({ image: "ghcr.io/vk8s/access:0.1.0", port: 22 });
    expect(cluster.ports).toEqual([]);
    expect(cluster.kubeflowPort).toBeUndefined();
  });

  test("image repository and kubernetes.version pick the image; a patch version is kept", () => {
    const cluster = resolveCluster("team-a", { imageRepository: "reg.local:5000/kink", kubernetes: { version: "v1.20.7" }, kubeflow: { version: "v1.4.0", ...LOGIN } });
    expect(cluster.master.image).toBe("reg.local:5000/kink:v1.20");
    expect(cluster.matrix.kubernetesVersion).toBe("1.20.7");
    expect(cluster.matrix.kubernetesMinor).toBe("1.20");
  });

  test("an image tag with a patch version sets kubeadm's version", () => {
    const cluster = resolveCluster("team-a", { nodes: [{ name: "m", role: "master", image: "r/kink:v1.19.16" }], kubeflow: { version: "1.3", ...LOGIN } });
    expect(cluster.matrix.kubernetesVersion).toBe("1.19.16");
    expect(cluster.matrix.evidence).toBe("field-verified");
  });

  test("quantities are canonical, keys sorted; GPUs given in requests only also go to limits", () => {
    const cluster = resolveCluster("team-a", {
      nodes: [{ name: "m", role: "master", resources: { requests: { memory: "1024Mi", cpu: "1000m", "nvidia.com/gpu": 2 }, limits: { cpu: 4 } } }],
      kubeflow: { version: "1.4", ...LOGIN },
    });
    expect(Object.entries(cluster.master.requests)).toEqual([["cpu", "1"], ["memory", "1Gi"], ["nvidia.com/gpu", "2"]]);
    expect(cluster.master.limits).toEqual({ cpu: "4", "nvidia.com/gpu": "2" });
    expect(cluster.master.gpus).toBe(2);
  });

  test("labels: cluster labels sorted; each node gets cluster + own labels (node wins)", () => {
    const cluster = resolveCluster("team-a", {
      labels: { update: "test", team: "a" },
      nodes: [
        { name: "w", role: "worker", labels: { team: "b", gpu: "yes" } },
        { name: "m", role: "master" },
      ],
      kubeflow: { version: "1.4", ...LOGIN },
    });
    expect(Object.keys(cluster.labels)).toEqual(["team", "update"]);
    expect(cluster.nodes[0].labels).toEqual({ gpu: "yes", team: "b", update: "test" });
    expect(Object.keys(cluster.nodes[0].labels)).toEqual(["gpu", "team", "update"]);
    expect(cluster.nodes[1].labels).toEqual({ team: "a", update: "test" });
    expect(cluster.master.name).toBe("m");
    expect(cluster.master.index).toBe(1);
  });

  test("kubeflowPort is the port named kubeflow, else the first; targetPort defaults to port", () => {
    const spec = (ports: unknown) => ({ kubeflow: { version: "1.4", ...LOGIN }, ports });
    expect(resolveCluster("a", spec([{ name: "flower", port: 30080 }, { name: "kubeflow", port: 30000, targetPort: 31380 }])).kubeflowPort)
      .toEqual({ name: "kubeflow", port: 30000, targetPort: 31380 });
    expect(resolveCluster("a", spec([{ name: "web", port: 30001 }])).kubeflowPort).toEqual({ name: "web", port: 30001, targetPort: 30001 });
  });
});

describe("all problems at once", () => {
  test("the broken sample: every rule it breaks is reported", () => {
    const [doc] = fixture("broken-spec.yaml");
    const result = validateCluster(doc.name, doc.spec);
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
      `nodes[0].resources.limits["nvidia.com/gpu"]: GPU count must be a whole number, got 500m (give whole GPUs, e.g. 1)`,
      "nodes[0].resources.requests.cpu: request 12 is more than the limit 10 (lower the request or raise nodes[0].resources.limits.cpu)",
      `nodes[1].name: "sample-master3" is already the name of nodes[0] (give every node a unique name)`,
      "nodes[1].role: is a second master (nodes[0] is the master); high-availability control planes are not supported yet (set role: worker; a virtual cluster has exactly one master)",
      "nodes[0].image: Kubeflow 1.3 does not run on Kubernetes 1.22 (choose Kubernetes 1.17, 1.19 or 1.20 for Kubeflow 1.3, or Kubeflow 1.6 for Kubernetes 1.22; run `vk8s matrix` to see the table)",
      "kubernetes.serviceCidr: 80.96.0.0/12 overlaps kubernetes.podNetworkCidr 80.96.0.0/16 (choose blocks that do not overlap, e.g. 80.244.0.0/16 and 80.96.0.0/12)",
      "ports[0].port: 8080 is outside the NodePort range 30000-32767 (choose a port in 30000-32767)",
      `kubeflow.email: "not-an-email" is not an email address (write it like team-a@example.com)`,
      "kubeflow.password: is the upstream default password, which is public (choose your own password of at least 8 characters)",
    ]);
  });

  test("shape problems do not hide domain problems elsewhere", () => {
    const result = validateCluster("team-a", {
      nodes: [{ name: "m", role: "master", resouces: {} }, { name: "w", role: "boss" }],
      kubeflow: { version: "1.4", email: "team-a@example.com", password: "short" },
      ports: [{ name: "web", port: 80 }],
    });
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
      "nodes[0].resouces: unknown field (did you mean resources?)",
      `nodes[1].role: the string "boss" is not one of master, worker (use one of master, worker)`,
      "ports[0].port: 80 is outside the NodePort range 30000-32767 (choose a port in 30000-32767)",
      "kubeflow.password: has 5 characters, fewer than 8 (choose a password of at least 8 characters)",
    ]);
  });

  test("resolveCluster throws Vk8sValidationError naming the cluster and every problem", () => {
    const spec = { nodes: [{ name: "w", role: "worker" }], kubeflow: { version: "1.4", email: "x", password: "12341234" } };
    let error: unknown;
    try {
      resolveCluster("team-a", spec);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Vk8sValidationError);
    expect((error as Vk8sValidationError).problems).toHaveLength(3);
    expect((error as Error).message).toBe(
      'invalid virtual cluster "team-a":\n' +
        "nodes: has no node with role master (give exactly one node role: master)\n" +
        'kubeflow.email: "x" is not an email address (write it like team-a@example.com)\n' +
        "kubeflow.password: is the upstream default password, which is public (choose your own password of at least 8 characters)",
    );
  });
});

describe("one canonical Kubeflow version", () => {
  test.each(["1.4", "v1.4.0", "v1.4.1", " 1.4.0 "])("%p resolves to v1.4.1", (spelling) => {
    const cluster = resolveCluster("team", { kubeflow: { version: spelling, email: "a@example.com", password: "pw-123456" } });
    expect(cluster.kubeflow.version).toBe("v1.4.1");
  });

  test("an arm64 master with Kubeflow 1.3 is refused before anything is created", () => {
    const spec = {
      kubeflow: { version: "1.3", email: "a@example.com", password: "pw-123456" },
      nodes: [{ name: "m", role: "master", nodeSelector: { "kubernetes.io/arch": "arm64" } }],
    };
    expect(() => resolveCluster("team", spec)).toThrow(/kubeflow\.version: Kubeflow 1\.3 builds with kustomize 3\.2\.0, which was published for amd64 only/);
  });
});
