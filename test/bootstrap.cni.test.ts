/**
 * The CNI choice of the bootstrap: calico (default) or flannel (host-gw, vk8s's flannel image),
 * and the facts it shares with the toolchain and the kink image.
 */
import * as fs from "fs";
import { spawnSync } from "child_process";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { KINK_RUNTIME_CGROUP_DRIVER } from "../src/bootstrap/kubeadm";
import { checkBootstrapOptions } from "../src/bootstrap/options";
import { formatProblems } from "../src/core/errors";
import { planBootstrap, STEP_IDS } from "../src/bootstrap/plan";
import { BOOTSTRAP_DEFAULTS } from "../src/cluster/defaults";
import { ADDON_VERSIONS } from "../src/matrix/table";
import type { BootstrapStep } from "../src/bootstrap/types";
import { CLUSTERS_BY_LINE, SAMPLE_1_3 } from "./fixtures/bootstrapClusters";

const REPO = path.resolve(__dirname, "..");
const byId = (steps: BootstrapStep[]) => new Map(steps.map((s) => [s.id, s]));

function flannelDocs(step: BootstrapStep): any[] {
  const file = step.run.files.find((f) => f.path === "flannel/kube-flannel.yaml");
  expect(file).toBeDefined();
  return parseAllDocuments(file!.content).map((d) => d.toJS());
}

describe("cni", () => {
  test("calico by default: 04-calico, no flannel step", () => {
    const ids = planBootstrap(SAMPLE_1_3).map((s) => s.id);
    expect(ids).toContain(STEP_IDS.calico);
    expect(ids).not.toContain(STEP_IDS.flannel);
  });

  test("flannel: 04-flannel replaces 04-calico, and Kubeflow waits for it", () => {
    const plan = planBootstrap(SAMPLE_1_3, { cni: "flannel" });
    const steps = byId(plan);
    expect(steps.has(STEP_IDS.calico)).toBe(false);
    const flannel = steps.get(STEP_IDS.flannel)!;
    expect(flannel.run.program).toBe("flannel.sh");
    expect(flannel.dependsOn).toEqual([STEP_IDS.kubeadmInit]);
    expect(steps.get(STEP_IDS.kubeflow)!.dependsOn).toContain(STEP_IDS.flannel);
  });

  test("the flannel objects name the pod CIDR, the vNode interface and the image", () => {
    const cluster = SAMPLE_1_3;
    const flannel = byId(planBootstrap(cluster, { cni: "flannel", nodeInterface: "eth1", flannelImage: "mirror.example/vk8s/flannel:v1" })).get(STEP_IDS.flannel)!;
    const docs = flannelDocs(flannel);
    expect(docs.map((d) => d.kind)).toEqual(["Namespace", "ClusterRole", "ClusterRoleBinding", "ServiceAccount", "ConfigMap", "DaemonSet"]);
    const netConf = JSON.parse(docs.find((d) => d.kind === "ConfigMap").data["net-conf.json"]);
    expect(netConf).toEqual({ Network: cluster.network.podNetworkCidr, EnableNFTables: false, Backend: { Type: "host-gw" } });
    const container = docs.find((d) => d.kind === "DaemonSet").spec.template.spec.containers[0];
    expect(container.image).toBe("mirror.example/vk8s/flannel:v1");
    expect(container.args).toContain("--iface=eth1");
    expect(container.args).toContain("--kube-subnet-mgr");
  });

  test("a changed interface or CIDR re-runs the flannel step; another Kubeflow does not", () => {
    const a = byId(planBootstrap(SAMPLE_1_3, { cni: "flannel" })).get(STEP_IDS.flannel)!;
    const b = byId(planBootstrap(SAMPLE_1_3, { cni: "flannel", nodeInterface: "eth1" })).get(STEP_IDS.flannel)!;
    expect(b.triggers).not.toEqual(a.triggers);
    const other = CLUSTERS_BY_LINE["1.4"] ?? Object.values(CLUSTERS_BY_LINE)[1];
    const c = byId(planBootstrap({ ...other, network: SAMPLE_1_3.network, master: SAMPLE_1_3.master }, { cni: "flannel" })).get(STEP_IDS.flannel)!;
    expect(c.triggers).toEqual(a.triggers);
  });

  test("the rendered flannel file is byte-stable", () => {
    const once = byId(planBootstrap(SAMPLE_1_3, { cni: "flannel" })).get(STEP_IDS.flannel)!.run.files;
    const twice = byId(planBootstrap(SAMPLE_1_3, { cni: "flannel" })).get(STEP_IDS.flannel)!.run.files;
    expect(twice).toEqual(once);
  });

  test("bad cni, flannel image and etcd tag are refused, each naming its field", () => {
    const { problems } = checkBootstrapOptions({ cni: "weave" as never, flannelImage: "Not An Image", kubeadmEtcdImageTag: "3.6 16" });
    expect(formatProblems(problems)).toEqual(expect.arrayContaining([
      expect.stringMatching(/^options\.cni: "weave" is not a CNI vk8s installs \(use calico or flannel\)/),
      expect.stringMatching(/^options\.flannelImage: "Not An Image" is not an image reference/),
      expect.stringMatching(/^options\.kubeadmEtcdImageTag: "3\.6 16" is not an image tag/),
    ]));
  });
});

describe("facts shared with the toolchain and the images", () => {
  test("flannel: the default image's version is the one tools/toolchain.sh builds", () => {
    const toolchain = fs.readFileSync(path.join(REPO, "tools/toolchain.sh"), "utf8");
    expect(toolchain).toMatch(new RegExp(`^FLANNEL_VERSION=${ADDON_VERSIONS.flannel.replace(/\./g, "\\.")}$`, "m"));
    expect(BOOTSTRAP_DEFAULTS.flannelImage).toBe(`ghcr.io/vk8s/flannel:v${ADDON_VERSIONS.flannel}`);
  });

  test("the kubelet's cgroup driver is the kink image's containerd driver", () => {
    // The image records its runtime's driver in /etc/vk8s/cgroup-driver (images/kink/files/cgroup-driver).
    const recorded = fs.readFileSync(path.join(REPO, "images/kink/files/cgroup-driver"), "utf8").trim();
    const dockerfile = fs.readFileSync(path.join(REPO, "images/kink/Dockerfile"), "utf8");
    expect(dockerfile).toContain(`SystemdCgroup = ${recorded === "systemd"}`);
    expect(KINK_RUNTIME_CGROUP_DRIVER).toBe(recorded);
  });
});

describe("the access image", () => {
  test("the default access image's tag is the package version scripts/images.sh builds it with", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { DEFAULTS } = require("../src/cluster/defaults");
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));
    expect(DEFAULTS.accessPodImage).toBe(`ghcr.io/vk8s/access:${pkg.version}`);
    // images.sh tags it with VK8S_IMAGE_TAG, read from src/matrix/table.ts by its own line: run that line.
    const images = fs.readFileSync(path.join(REPO, "scripts/images.sh"), "utf8");
    expect(images).toContain("ACCESS_IMAGE=ghcr.io/vk8s/access:$VK8S_IMAGE_TAG");
    const tagLine = images.split("\n").find((l) => l.startsWith("VK8S_IMAGE_TAG=")) as string;
    const read = spawnSync("bash", ["-c", `ROOT=${REPO}\n${tagLine}\necho "$VK8S_IMAGE_TAG"`], { encoding: "utf8" });
    expect(read.stdout.trim()).toBe(pkg.version);
  });
});

describe("the local environment's host node", () => {
  test("raises the host's inotify limits to what Kubeflow needs (the matrix's numbers)", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { KUBEFLOW_INOTIFY } = require("../src/matrix/components");
    const script = fs.readFileSync(path.join(REPO, "test/localenv/hostnode.sh"), "utf8");
    expect(script).toContain(`INOTIFY_MAX_USER_INSTANCES=${KUBEFLOW_INOTIFY.maxUserInstances}\n`);
    expect(script).toContain(`INOTIFY_MAX_USER_WATCHES=${KUBEFLOW_INOTIFY.maxUserWatches}\n`);
  });
});
