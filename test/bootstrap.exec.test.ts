/**
 * Executes rendered scripts for real (`sh`, `awk`, `timeout` of this machine) against fake
 * `kubectl`/`kustomize`/`sleep`: the bounded retry loop of the Kubeflow apply, the calico
 * patch, and the dex login patch.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { VNODE_ADDRESS_FILE, VNODE_KUBEADM_INIT_FILE } from "../src/render/vnode";
import * as bcrypt from "bcryptjs";
import * as YAML from "yaml";
import { hashDexPassword } from "../src/bootstrap/password";
import { planBootstrap, STEP_IDS } from "../src/bootstrap/plan";
import type { BootstrapOptionsInput } from "../src/bootstrap/types";
import type { ResolvedCluster } from "../src/cluster/resolved";
import { CLUSTERS_BY_LINE, FIXTURE_PASSWORD, FIXTURE_SALT, SAMPLE_1_3 } from "./fixtures/bootstrapClusters";
import { Sandbox } from "./fixtures/bootstrapSandbox";
import { seedCluster } from "./fixtures/fakeCluster";
import { writeManifestsTree } from "./fixtures/manifestsTree";

let box: Sandbox;
beforeEach(() => {
  box = new Sandbox();
});
afterEach(() => box.remove());

function stepScript(cluster: ResolvedCluster, id: string, options: BootstrapOptionsInput = {}): string {
  const step = planBootstrap(cluster, options).find((s) => s.id === id);
  if (!step) throw new Error(`no step ${id}`);
  return step.script;
}

describe("Kubeflow apply: bounded retry loop, executed", () => {
  /** A 1.3-era manifests tree, a fake cluster with the default StorageClass, and host inotify limits high enough. */
  function kubeflowScript(cluster: ResolvedCluster, apply: BootstrapOptionsInput["apply"]): string {
    writeManifestsTree(`${box.dir}/manifests`, "1.3");
    seedCluster(box.fakeDir, [{ apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "local-path", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } }, provisioner: "rancher.io/local-path" }]);
    box.write("proc/fs/inotify/max_user_instances", "8192\n");
    box.write("proc/fs/inotify/max_user_watches", "2000000\n");
    return stepScript(cluster, STEP_IDS.kubeflow, {
      kubeflowSource: { kind: "local", path: `${box.dir}/manifests` },
      kustomizeSource: { kind: "local", path: box.kustomizePath },
      apply,
    });
  }
  const kustomizeEnv = (cluster: ResolvedCluster) => ({ FAKE_KUSTOMIZE_VERSION: cluster.matrix.kubeflow.kustomize.replace(/\+$/, ""), VK8S_PROC_SYS: `${box.dir}/proc` });
  /** Applies of the built Kubeflow manifest (a successful install also applies its record, ConfigMap vk8s-kubeflow). */
  const kubeflowApplies = () => box.lines("kubectl.log").filter((l) => / apply .*kubeflow\/kubeflow-v[^/]*\.yaml$/.test(l)).length;

  test("kubectl failing twice, then succeeding: 3 attempts, capped exponential back-off, one build, exit 0", () => {
    const script = kubeflowScript(SAMPLE_1_3, { attempts: 5, backoffSeconds: 10, maxBackoffSeconds: 15, timeoutSeconds: 600 });
    const run = box.run(script, { ...kustomizeEnv(SAMPLE_1_3), FAKE_APPLY_FAILURES: "2" });
    expect(run.stderr).not.toContain("ERROR");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("kubeflow apply: attempt 1/5\n");
    expect(run.stdout).toContain("kubeflow apply: attempt 3/5 succeeded");
    expect(run.stdout).not.toContain("attempt 4/5");
    expect(kubeflowApplies()).toBe(3);
    expect(box.lines("sleeps")).toEqual(["10", "15"]);
    expect(box.lines("kustomize.log").filter((l) => l.startsWith("kustomize build"))).toHaveLength(1);
    expect(run.stderr).toContain("attempt 1/5 failed: error: fake apply failure 1 (no matches for kind Profile) kubectl apply failed or timed out (exit 1) retrying in 10s");
  });

  test("kubectl always failing: stops after the attempts, exit 1 with the last error", () => {
    const script = kubeflowScript(SAMPLE_1_3, { attempts: 3, backoffSeconds: 1, maxBackoffSeconds: 60, timeoutSeconds: 600 });
    const run = box.run(script, { ...kustomizeEnv(SAMPLE_1_3), FAKE_APPLY_FAILURES: "always" });
    expect(run.status).toBe(1);
    expect(box.read("apply-count").trim()).toBe("3");
    expect(box.lines("sleeps")).toEqual(["1", "2"]);
    expect(run.stdout).toContain("kubeflow apply: attempt 3/3\n");
    expect(run.stdout).not.toContain("succeeded");
    expect(run.stderr).toMatch(/attempt 3\/3 failed, no attempts left after \d+s; last error:\nerror: fake apply failure 3 \(no matches for kind Profile\)/);
  });

  test("the total timeout ends the loop before the attempts run out", () => {
    const script = kubeflowScript(SAMPLE_1_3, { attempts: 30, backoffSeconds: 10, maxBackoffSeconds: 120, timeoutSeconds: 25 });
    const run = box.run(script, { ...kustomizeEnv(SAMPLE_1_3), FAKE_APPLY_FAILURES: "always" });
    expect(run.status).toBe(1);
    // slept 10 (0+10 < 25), then 20 (0+20 < 25); a third sleep of 40 would pass 25s.
    expect(box.lines("sleeps")).toEqual(["10", "20"]);
    expect(box.read("apply-count").trim()).toBe("3");
    expect(run.stderr).toContain("attempt 3/30 failed, and the 25s timeout leaves no time for another");
    expect(run.stderr).toContain("error: fake apply failure 3");
  });

  test.each([
    ["1.7", false],
    ["1.3", true],
  ])("Kubeflow %s: the well-defined warning line reaches kubectl: %s", (line, reaches) => {
    const cluster = CLUSTERS_BY_LINE[line];
    const run = box.run(kubeflowScript(cluster, { attempts: 1 }), { ...kustomizeEnv(cluster), FAKE_WELL_DEFINED: "1" });
    expect(run.status).toBe(0);
    const applied = box.read("applied-1.yaml");
    expect(applied).toContain("kind: Namespace");
    expect(applied.includes("well-defined")).toBe(reaches);
  });

  test.each([
    ["1.10", "kubectl apply --server-side --force-conflicts -f "],
    ["1.9", "kubectl apply -f "],
  ])("Kubeflow %s applies with `%s`", (line, command) => {
    const cluster = CLUSTERS_BY_LINE[line];
    const run = box.run(kubeflowScript(cluster, { attempts: 1 }), kustomizeEnv(cluster));
    expect(run.status).toBe(0);
    expect(box.lines("kubectl.log").filter((l) => l.startsWith("kubectl apply"))).toEqual([
      `${command}${box.workDir}/kubeflow/kubeflow-${cluster.matrix.kubeflow.manifestsRef}.yaml`,
      `kubectl apply -f ${box.workDir}/kubeflow/vk8s-kubeflow.yaml`,
    ]);
  });

  test("a kustomize of the wrong version is refused", () => {
    const run = box.run(kubeflowScript(SAMPLE_1_3, { attempts: 1 }), { FAKE_KUSTOMIZE_VERSION: "4.5.7" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`08-kubeflow: ERROR: ${box.workDir}/bin/kustomize-3.2.0 is not kustomize 3.2.0`);
    expect(box.read("apply-count")).toBe("");
  });
});

/**
 * An excerpt of a calico.yaml in the shape of the release manifests (3.17-3.30): a
 * ConfigMap, then DaemonSet kube-system/calico-node whose init containers come first and
 * whose first container is calico-node, with IP=autodetect and CALICO_IPV4POOL_CIDR
 * commented out in its env.
 */
const CALICO_YAML = `---
# Source: calico/templates/calico-config.yaml
kind: ConfigMap
apiVersion: v1
metadata:
  name: calico-config
  namespace: kube-system
data:
  typha_service_name: "none"
---
kind: DaemonSet
apiVersion: apps/v1
metadata:
  name: calico-node
  namespace: kube-system
spec:
  template:
    spec:
      initContainers:
        - name: install-cni
          image: docker.io/calico/cni:v3.20.6
      containers:
        - name: calico-node
          image: docker.io/calico/node:v3.20.6
          env:
            - name: CLUSTER_TYPE
              value: "k8s,bgp"
            # Auto-detect the BGP IP address.
            - name: IP
              value: "autodetect"
            - name: CALICO_IPV4POOL_IPIP
              value: "Always"
            # The default IPv4 pool to create on startup if none exists.
            # - name: CALICO_IPV4POOL_CIDR
            #   value: "192.168.0.0/16"
            - name: FELIX_HEALTHENABLED
              value: "true"
`;

describe("calico: calico-node patched structurally before apply, executed", () => {
  function calicoScript(cluster: ResolvedCluster = SAMPLE_1_3): string {
    return stepScript(cluster, STEP_IDS.calico, { calicoSource: { kind: "local", path: `${box.dir}/calico` } });
  }
  const calicoNode = (text: string) => {
    const ds = YAML.parseAllDocuments(text).map((d) => d.toJS()).find((o) => o?.kind === "DaemonSet");
    return ds.spec.template.spec.containers[0] as { name: string; env: { name: string; value: string }[] };
  };

  test.each([["1.20 (patchesJson6902)", SAMPLE_1_3], ["1.32 (patches)", CLUSTERS_BY_LINE["1.10"]]])(
    "Kubernetes %s: IP_AUTODETECTION_METHOD=interface=eth0 and the pod CIDR pool on calico-node, then apply",
    (_, cluster) => {
      box.write("calico/calico.yaml", CALICO_YAML);
      const run = box.run(calicoScript(cluster));
      expect(run.stderr).not.toContain("ERROR");
      expect(run.status).toBe(0);
      const node = calicoNode(box.read("applied-1.yaml"));
      expect(node.name).toBe("calico-node");
      expect(node.env).toEqual([
        { name: "CLUSTER_TYPE", value: "k8s,bgp" },
        { name: "IP", value: "autodetect" },
        { name: "CALICO_IPV4POOL_IPIP", value: "Always" },
        { name: "FELIX_HEALTHENABLED", value: "true" },
        { name: "IP_AUTODETECTION_METHOD", value: "interface=eth0" },
        { name: "CALICO_IPV4POOL_CIDR", value: cluster.network.podNetworkCidr },
      ]);
      expect(box.read("applied-1.yaml")).toContain("name: calico-config");
      const log = box.lines("kubectl.log");
      expect(log[0]).toMatch(/^kubectl kustomize .*\/calico\/build-3\.\d+\.\d+$/);
      expect(log[1]).toBe(`kubectl apply -f ${box.workDir}/calico/calico-${cluster.matrix.calico}.yaml`);
      expect(log).toContain("kubectl rollout status daemonset/calico-node -n kube-system --timeout=600s");
    },
  );

  test("re-running patches the pristine download again: the same manifest", () => {
    box.write("calico/calico.yaml", CALICO_YAML);
    box.run(calicoScript());
    expect(box.run(calicoScript()).status).toBe(0);
    expect(box.read("applied-2.yaml")).toBe(box.read("applied-1.yaml"));
  });

  test.each([
    ["without DaemonSet calico-node", CALICO_YAML.replace("name: calico-node\n  namespace", "name: calico-node-renamed\n  namespace")],
    ["whose first container is not calico-node", CALICO_YAML.replace("        - name: calico-node\n", "        - name: node\n")],
  ])("a manifest %s fails loudly and is not applied", (_, manifest) => {
    box.write("calico/calico.yaml", manifest);
    const run = box.run(calicoScript());
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      "04-calico: ERROR: calico manifest: the calico-node patch does not apply (is this a calico.yaml of 3.20.6, with DaemonSet kube-system/calico-node whose first container is calico-node?)",
    );
    expect(box.read("apply-count")).toBe("");
  });
});

/** dex's config.yaml as Kubeflow 1.3 ships it (common/dex/base/config-map.yaml). */
const DEX_CONFIG_1_3 = `issuer: http://dex.auth.svc.cluster.local:5556/dex
enablePasswordDB: true
staticPasswords:
- email: user@example.com
  hash: $2y$12$4K/VkmDd1q1Orb3xAt82zu8gk7Ad6ReFR4LCP9UeYE90NLiN9Df72
  # https://github.com/dexidp/dex/pull/1601/commits
  # FIXME: Use hashFromEnv instead
  username: user
  userID: "15841185641784"
staticClients:
# https://github.com/dexidp/dex/pull/1664
- idEnv: OIDC_CLIENT_ID
  redirectURIs: ["/login/oidc"]
`;

describe("dex login: the hash from stdin lands where the version reads it, executed", () => {
  const hash = hashDexPassword(FIXTURE_PASSWORD, FIXTURE_SALT);

  test("Kubeflow 1.3: staticPasswords of config map dex carries the user and the hash; the default user is gone", () => {
    box.write("fake/dex-config.yaml", DEX_CONFIG_1_3);
    const run = box.run(stepScript(SAMPLE_1_3, STEP_IDS.dexLogin), {}, hash);
    expect(run.stderr).not.toContain("ERROR");
    expect(run.status).toBe(0);
    const applied = box.read("applied-1.yaml");
    expect(applied).toContain(
      ["staticPasswords:", '- email: "test@example.com"', `  hash: "${hash}"`, '  username: "test"', '  userID: "'].join("\n"),
    );
    expect(applied).toContain("staticClients:\n# https://github.com/dexidp/dex/pull/1664\n- idEnv: OIDC_CLIENT_ID");
    expect(applied).not.toContain("user@example.com");
    expect(bcrypt.compareSync(FIXTURE_PASSWORD, hash)).toBe(true);
    expect(box.lines("kubectl.log")).toContain("kubectl rollout restart deployment/dex -n auth");
    expect(box.read("apply-count").trim()).toBe("1");
  });

  test("Kubeflow 1.9: secret dex-passwords gets DEX_USER_PASSWORD = hash; the config map keeps hashFromEnv with the user's email", () => {
    box.write("fake/dex-config.yaml", DEX_CONFIG_1_3.replace(/  hash: .*\n  # .*\n  # .*\n/, "  hashFromEnv: DEX_USER_PASSWORD\n"));
    const run = box.run(stepScript(CLUSTERS_BY_LINE["1.9"], STEP_IDS.dexLogin), {}, hash);
    expect(run.status).toBe(0);
    const configMap = box.read("applied-1.yaml");
    expect(configMap).toContain('- email: "test@example.com"\n  hashFromEnv: DEX_USER_PASSWORD\n');
    expect(configMap).not.toContain(hash);
    const [source, value, ...rest] = box.read("applied-2.yaml").split("\n");
    expect(source).toMatch(/^# fake secret from --from-file=DEX_USER_PASSWORD=\//);
    expect(value).toBe(hash); // written without a trailing newline: the fake's own echo ends the line
    expect(rest).toEqual([""]);
  });

  test("anything but a bcrypt hash on stdin (e.g. the plain password) is refused without echoing it", () => {
    box.write("fake/dex-config.yaml", DEX_CONFIG_1_3);
    const run = box.run(stepScript(SAMPLE_1_3, STEP_IDS.dexLogin), {}, FIXTURE_PASSWORD);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      "09-dex-login: ERROR: stdin is not a bcrypt hash (the component must pipe hashDexPassword's result, never the password)\n",
    );
    expect(run.stdout + run.stderr).not.toContain(FIXTURE_PASSWORD);
    expect(box.read("apply-count")).toBe("");
  });
});

describe("kubeadm init: the rendered configuration, filled in on the node, executed", () => {
  const FAKE_IP = ["#!/bin/sh", "echo '2: eth0    inet 10.1.2.3/24 brd 10.1.2.255 scope global eth0'", ""].join("\n");
  const FAKE_KUBEADM = [
    "#!/bin/sh",
    'echo "kubeadm $*" >> "$FAKE_DIR/kubeadm.log"',
    'if [ "$2" = --config ]; then cp "$3" "$FAKE_DIR/kubeadm-$1.yaml"; fi',
    "",
  ].join("\n");
  const FAKE_CTR = ["#!/bin/sh", 'echo "ctr $*" >> "$FAKE_DIR/ctr.log"', ""].join("\n");
  const initStep = (options: BootstrapOptionsInput = {}) => planBootstrap(SAMPLE_1_3, options).find((s) => s.id === STEP_IDS.kubeadmInit)!;
  const haveAdminConf = fs.existsSync("/etc/kubernetes/admin.conf");

  beforeEach(() => {
    box.writeExecutable(`${box.dir}/bin/ip`, FAKE_IP);
    box.writeExecutable(`${box.dir}/bin/kubeadm`, FAKE_KUBEADM);
    box.writeExecutable(`${box.dir}/bin/ctr`, FAKE_CTR);
  });

  (haveAdminConf ? test.skip : test)("kubeadm init --config with the node IP filled in, byte for byte the rendered file otherwise", () => {
    const step = initStep();
    const run = box.run(step.script);
    expect(run.stderr).not.toContain("ERROR");
    expect(run.status).toBe(0);
    expect(box.lines("kubeadm.log")).toEqual([`kubeadm init --config ${box.workDir}/kubeadm-init.yaml --skip-token-print`]);
    const rendered = step.run.files.find((f) => f.path === "kubeadm/init.yaml")!.content;
    expect(box.read("kubeadm-init.yaml")).toBe(rendered.split("@VK8S_NODE_IP@").join("10.1.2.3"));
    // Kept on the node state (under the sandbox's VK8S_NODE_STATE_ROOT) for node-address.sh.
    const state = path.join(box.dir, "node-state");
    expect(fs.readFileSync(path.join(state, VNODE_ADDRESS_FILE), "utf8")).toBe("VK8S_NODE_INTERFACE=eth0\nVK8S_NODE_IP=10.1.2.3\n");
    expect(fs.readFileSync(path.join(state, VNODE_KUBEADM_INIT_FILE), "utf8")).toBe(box.read("kubeadm-init.yaml"));
    expect(fs.statSync(path.join(state, VNODE_KUBEADM_INIT_FILE)).mode & 0o777).toBe(0o600);
    expect(run.stdout).toMatch(/^VK8S_PHASE Installing: configuring master node \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\nVK8S_NODE sample3-master kubernetes-ready\n$/);
    expect(box.read("ctr.log")).toBe("");
  });

  (haveAdminConf ? test.skip : test)("image archives are imported into containerd (k8s.io) before kubeadm init", () => {
    const archive = box.write("images/k8s.tar", "not really a tar");
    const run = box.run(initStep({ imageArchives: [{ kind: "local", path: archive }] }).script);
    expect(run.status).toBe(0);
    expect(box.lines("ctr.log")).toEqual([`ctr -n k8s.io images import ${archive}`]);
    expect(run.stderr).toContain(`02-kubeadm-init: imported the image archive ${archive} into containerd (namespace k8s.io)`);
  });

  (haveAdminConf ? test.skip : test)("a missing archive fails before kubeadm init runs", () => {
    const run = box.run(initStep({ imageArchives: [{ kind: "local", path: "/nonexistent/k8s.tar" }] }).script);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("02-kubeadm-init: ERROR: image archive /nonexistent/k8s.tar is missing (copy it onto vNode sample3-master, or use a mirror URL)");
    expect(box.read("kubeadm.log")).toBe("");
  });
});

describe("dex: kubectl's client-side dry run flag follows the vNode's kubectl", () => {
  const hash = hashDexPassword(FIXTURE_PASSWORD, FIXTURE_SALT);
  test.each([["17", "--dry-run"], ["18", "--dry-run=client"], ["34", "--dry-run=client"]])("kubectl 1.%s: %s", (minor, flag) => {
    box.write("fake/dex-config.yaml", DEX_CONFIG_1_3);
    const run = box.run(stepScript(SAMPLE_1_3, STEP_IDS.dexLogin), { FAKE_KUBECTL_MINOR: minor }, hash);
    expect(run.status).toBe(0);
    const create = box.lines("kubectl.log").find((l) => l.startsWith("kubectl create configmap dex"))!;
    expect(create.split(" ")).toContain(flag);
    expect(create.split(" ").filter((w) => w.startsWith("--dry-run"))).toEqual([flag]);
  });
});

// The real `kubectl kustomize` on the rendered calico patch, when a kubectl is on PATH (the
// toolchain's, after `. ~/.cache/vk8s/toolchain/env.sh`); skipped, visibly, otherwise.
const realKubectl = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;
if (!realKubectl) {
  // eslint-disable-next-line no-console
  console.warn("kubectl not on PATH (source ~/.cache/vk8s/toolchain/env.sh once built): skipping the real `kubectl kustomize` calico test");
}
(realKubectl ? describe : describe.skip)("calico patch with the real kubectl kustomize", () => {
  const build = (manifest: string, cluster: ResolvedCluster = CLUSTERS_BY_LINE["1.11"]) => {
    const step = planBootstrap(cluster, {}).find((s) => s.id === STEP_IDS.calico)!;
    const dir = fs.mkdtempSync(`${box.dir}/calico-`);
    fs.writeFileSync(`${dir}/calico.yaml`, manifest);
    for (const f of step.run.files) fs.writeFileSync(`${dir}/${f.path.split("/").pop()}`, f.content);
    return spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8" });
  };

  test.each([["patches (Kubernetes 1.21+)", CLUSTERS_BY_LINE["1.11"]], ["patchesJson6902 (before 1.21)", SAMPLE_1_3]])("%s: adds both env entries to calico-node", (_, cluster) => {
    const result = build(CALICO_YAML, cluster);
    expect(result.status).toBe(0);
    const ds = YAML.parseAllDocuments(result.stdout).map((d) => d.toJS()).find((o) => o?.kind === "DaemonSet");
    expect(ds.spec.template.spec.containers[0].env.slice(-2)).toEqual([
      { name: "IP_AUTODETECTION_METHOD", value: "interface=eth0" },
      { name: "CALICO_IPV4POOL_CIDR", value: "80.244.0.0/16" },
    ]);
  });

  test("fails when calico-node is not the first container", () => {
    expect(build(CALICO_YAML.replace("        - name: calico-node\n", "        - name: node\n")).status).not.toBe(0);
  });
});
