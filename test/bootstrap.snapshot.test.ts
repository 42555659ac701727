/**
 * The full rendered bootstrap of the original 1.3 sample (Kubeflow v1.3.0, kink:v1.20,
 * 80.244.0.0/16 / 80.96.0.0/12, port 30000), as `vk8s render` writes it: the static
 * programs, each step's data environment, and the data files (kubeadm configuration,
 * calico patch). The snapshot shows the whole text for review; the targeted assertions say
 * what must hold in it.
 */
import * as YAML from "yaml";
import { programText } from "../src/bootstrap/bundle";
import { renderBootstrapFiles } from "../src/bootstrap/files";
import { planBootstrap } from "../src/bootstrap/plan";
import { FIXTURE_PASSWORD, GPU_WORKERS, SAMPLE_1_3 } from "./fixtures/bootstrapClusters";

describe("renderBootstrapFiles: the 1.3 sample", () => {
  const files = renderBootstrapFiles(SAMPLE_1_3);
  const file = (p: string) => files.find((f) => f.path === `bootstrap/${p}`)?.content;

  test("the programs as shipped, one .env per step in plan order, then the data files", () => {
    const plan = planBootstrap(SAMPLE_1_3);
    const programs = [...new Set(["lib.sh", ...plan.map((s) => s.run.program)])].sort();
    expect(files.map((f) => f.path)).toEqual([
      ...programs.map((p) => `bootstrap/programs/${p}`),
      ...plan.map((s) => `bootstrap/${s.id}.env`),
      "bootstrap/calico/calico-node-patch.yaml",
      "bootstrap/calico/kustomization.yaml",
      "bootstrap/kubeadm/init.yaml",
      "bootstrap/kubeflow/components.patterns",
      "bootstrap/storage/config-patch.yaml",
      "bootstrap/storage/kustomization.yaml",
      "bootstrap/storage/provisioner-patch.yaml",
      "bootstrap/storage/storage-class-patch.yaml",
    ]);
    for (const p of programs) expect(file(`programs/${p}`)).toBe(programText(p));
    expect(file("02-kubeadm-init.env")).toBe([
      "# 02-kubeadm-init: kubeadm init on the master",
      "# program: programs/kubeadm-init.sh, on the vNode of node sample3-master",
      "# data files: kubeadm/init.yaml",
      "VK8S_STEP_ID='02-kubeadm-init'",
      "VK8S_IMAGE_ARCHIVES=''",
      "VK8S_KUBEADM_CONFIG='kubeadm/init.yaml'",
      "VK8S_KUBEADM_INIT_COPY='/etc/kubernetes/vk8s-kubeadm-init.yaml'",
      "VK8S_NODE_ADDRESS_FILE='/etc/kubernetes/vk8s-node-address.env'",
      "VK8S_NODE_INTERFACE='eth0'",
      "VK8S_NODE_NAME='sample3-master'",
      "VK8S_WAIT_TIMEOUT='600'",
      "",
    ].join("\n"));
    expect(file("09-dex-login.env")).toContain("# stdin: secret dexPasswordHash\n");
  });

  test("kubeadm/init.yaml: cgroupfs cgroup driver (the kink runtime's), swap tolerated, conntrack left alone (v1beta2 for Kubernetes 1.20)", () => {
    const docs = YAML.parseAllDocuments(file("kubeadm/init.yaml")!).map((d) => d.toJS());
    expect(docs.map((d) => `${d.apiVersion} ${d.kind}`)).toEqual([
      "kubeadm.k8s.io/v1beta2 InitConfiguration",
      "kubeadm.k8s.io/v1beta2 ClusterConfiguration",
      "kubelet.config.k8s.io/v1beta1 KubeletConfiguration",
      "kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration",
    ]);
    expect(docs[2]).toMatchObject({ cgroupDriver: "cgroupfs", failSwapOn: false });
    expect(docs[2]).not.toHaveProperty("failCgroupV1");
    expect(docs[3].conntrack.maxPerCore).toBe(0);
    expect(docs[1]).toMatchObject({ kubernetesVersion: "v1.20.15", networking: { podSubnet: "80.244.0.0/16", serviceSubnet: "80.96.0.0/12" } });
  });

  test("no password anywhere", () => {
    expect(files.map((f) => f.content).join("\n")).not.toContain(FIXTURE_PASSWORD);
  });

  test("snapshot", () => {
    expect(files.filter((f) => !f.path.startsWith("bootstrap/programs/")).map((f) => `===== ${f.path}\n${f.content}`).join("")).toMatchSnapshot();
  });
});

test("workers: join configuration and delete environment beside their step", () => {
  const paths = renderBootstrapFiles(GPU_WORKERS).map((f) => f.path);
  expect(paths.filter((p) => p.endsWith(".delete.env"))).toEqual([
    "bootstrap/06-join-cpu-worker.delete.env",
    "bootstrap/06-join-gpu-worker.delete.env",
  ]);
  expect(paths.filter((p) => p.startsWith("bootstrap/kubeadm/"))).toEqual([
    "bootstrap/kubeadm/init.yaml",
    "bootstrap/kubeadm/join-cpu-worker.yaml",
    "bootstrap/kubeadm/join-gpu-worker.yaml",
  ]);
});
