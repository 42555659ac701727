import { renderHostObjects } from "../src/render/host";
import type { K8sObject } from "../src/render/types";
import { gpuCluster, singleMaster } from "./fixtures/clusters";

type Any = any; // rendered objects are plain data; tests read nested fields freely

function find(objects: K8sObject[], kind: string, name: string): Any {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} in ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")}`);
  return found;
}

function container(sts: Any): Any {
  return sts.spec.template.spec.containers[0];
}

describe("renderHostObjects: objects and order", () => {
  it("renders the objects of the 2-node sample in a stable order", () => {
    expect(renderHostObjects(gpuCluster).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "Namespace/vk8s-team-a",
      "ConfigMap/team-a-vnode-boot",
      "ConfigMap/team-a-ssh",
      "Service/team-a-vnodes",
      "StatefulSet/team-a-master",
      "StatefulSet/team-a-gpu-worker",
      "Deployment/team-a-access",
      "Service/team-a-ssh",
      "Service/team-a-apiserver",
      "Service/team-a-kubeflow",
      "Service/team-a-flower",
    ]);
  });

  it("puts every object but the Namespace in the cluster's namespace", () => {
    for (const o of renderHostObjects(gpuCluster).slice(1)) expect(o.metadata.namespace).toBe("vk8s-team-a");
  });

  it("labels the Namespace for privileged pods and with the cluster's labels", () => {
    expect(find(renderHostObjects(gpuCluster), "Namespace", "vk8s-team-a").metadata.labels).toEqual({
      app: "vk8s",
      clusterName: "team-a",
      "cost-center": "ml-42",
      team: "a",
      "pod-security.kubernetes.io/audit": "privileged",
      "pod-security.kubernetes.io/enforce": "privileged",
      "pod-security.kubernetes.io/warn": "privileged",
    });
  });

  it("renders the same objects twice", () => {
    expect(renderHostObjects(gpuCluster)).toEqual(renderHostObjects(gpuCluster));
  });
});

describe("renderHostObjects: vNode StatefulSets", () => {
  const objects = renderHostObjects(gpuCluster);
  const master = find(objects, "StatefulSet", "team-a-master");
  const worker = find(objects, "StatefulSet", "team-a-gpu-worker");

  it("runs one privileged replica of the node's image behind the headless service", () => {
    for (const [sts, image] of [[master, gpuCluster.nodes[0].image], [worker, gpuCluster.nodes[1].image]] as const) {
      expect(sts.spec.replicas).toBe(1);
      expect(sts.spec.serviceName).toBe("team-a-vnodes");
      expect(container(sts).image).toBe(image);
      expect(container(sts).securityContext).toEqual({ privileged: true });
      expect(sts.spec.template.spec.automountServiceAccountToken).toBe(false);
    }
  });

  it("puts the reference's labels, the cluster's and the node's on the StatefulSet and its pod template", () => {
    const expected = {
      app: "vk8s",
      clusterName: "team-a",
      role: "worker",
      vnode: "team-a-gpu-worker",
      "sidecar.istio.io/inject": "false",
      team: "a",
      "cost-center": "ml-42",
      accelerator: "nvidia-v100",
    };
    expect(worker.metadata.labels).toEqual(expected);
    expect(worker.spec.template.metadata.labels).toEqual(expected);
    expect(master.metadata.labels.role).toBe("master");
  });

  it("selects on identity labels only", () => {
    expect(worker.spec.selector).toEqual({ matchLabels: { app: "vk8s", clusterName: "team-a", vnode: "team-a-gpu-worker" } });
  });

  it("gives the GPU worker nvidia.com/gpu and the master none", () => {
    expect(container(worker).resources).toEqual({
      requests: { cpu: "4", memory: "16Gi", "nvidia.com/gpu": "2" },
      limits: { cpu: "16", memory: "64Gi", "nvidia.com/gpu": "2" },
    });
    expect(container(master).resources).toEqual({ requests: { cpu: "2", memory: "8Gi" }, limits: { cpu: "8", memory: "32Gi" } });
  });

  it("wires the GPU isolation: env, start command, boot scripts mounted", () => {
    const env = (sts: Any) => Object.fromEntries(container(sts).env.map((e: Any) => [e.name, e.value]));
    expect(env(worker)).toEqual({ VK8S_EXPECTED_GPUS: "2", NVIDIA_DRIVER_CAPABILITIES: "all", VK8S_CLUSTER: "team-a", VK8S_NODE: "gpu-worker", VK8S_ROLE: "worker" });
    expect(env(master)).toEqual({ VK8S_EXPECTED_GPUS: "0", NVIDIA_VISIBLE_DEVICES: "void", VK8S_CLUSTER: "team-a", VK8S_NODE: "master", VK8S_ROLE: "master" });
    expect(container(worker).command).toEqual(["/bin/sh", "/etc/vk8s/boot/start.sh"]);
    expect(container(worker).volumeMounts).toContainEqual({ name: "boot", mountPath: "/etc/vk8s/boot", readOnly: true });
    expect(worker.spec.template.spec.volumes).toContainEqual({ name: "boot", configMap: { name: "team-a-vnode-boot", defaultMode: 0o555 } });
    const boot = find(objects, "ConfigMap", "team-a-vnode-boot");
    expect(Object.keys(boot.data)).toEqual(["gpu-isolation.sh", "node-address.sh", "start.sh"]);
    expect(boot.data["start.sh"]).toContain('. "$vk8s_boot/gpu-isolation.sh"');
  });

  it("keeps the tolerations and nodeSelector of the node, and omits empty ones", () => {
    expect(worker.spec.template.spec.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
    expect(worker.spec.template.spec.nodeSelector).toEqual({ "nvidia.com/gpu.present": "true" });
    expect(master.spec.template.spec).not.toHaveProperty("tolerations");
    expect(master.spec.template.spec).not.toHaveProperty("nodeSelector");
  });

  it("keeps node state on a claim of the host's default StorageClass by default (issue 16), and mounts kernel modules and cgroups read-only", () => {
    const mounts = container(worker).volumeMounts;
    expect(mounts.filter((m: Any) => m.name === "vnode-data")).toEqual([
      { name: "vnode-data", mountPath: "/var/lib/containerd", subPath: "containerd" },
      { name: "vnode-data", mountPath: "/etc/kubernetes", subPath: "etc-kubernetes" },
      { name: "vnode-data", mountPath: "/var/lib/etcd", subPath: "etcd" },
      { name: "vnode-data", mountPath: "/var/lib/kubelet", subPath: "kubelet" },
      { name: "vnode-data", mountPath: "/opt/local-path-provisioner", subPath: "local-path" },
    ]);
    expect(worker.spec.volumeClaimTemplates).toEqual([{
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "vnode-data" },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "50Gi" } } },
    }]);
    expect(worker.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Delete", whenScaled: "Retain" });
    expect(worker.spec.template.spec.volumes.map((v: Any) => v.name)).not.toContain("vnode-data");
    expect(mounts).toContainEqual({ name: "lib-modules", mountPath: "/lib/modules", readOnly: true });
    expect(mounts).toContainEqual({ name: "host-cgroup", mountPath: "/sys/fs/cgroup", readOnly: true });
    expect(worker.spec.template.spec.volumes).toContainEqual({ name: "host-cgroup", hostPath: { path: "/sys/fs/cgroup", type: "Directory" } });
  });

  it("keeps node state on an emptyDir only when asked, without a claim or retention policy", () => {
    const sts = find(renderHostObjects(gpuCluster, { nodeStorage: "emptyDir" }), "StatefulSet", "team-a-gpu-worker");
    expect(sts.spec.template.spec.volumes).toContainEqual({ name: "vnode-data", emptyDir: {} });
    expect(sts.spec).not.toHaveProperty("volumeClaimTemplates");
    expect(sts.spec).not.toHaveProperty("persistentVolumeClaimRetentionPolicy");
  });

  it("uses a volumeClaimTemplate when nodeStorage is given, and can leave the host cgroups out", () => {
    const sts = find(renderHostObjects(gpuCluster, { nodeStorage: { size: "50Gi", storageClassName: "fast" }, hostCgroupMount: false }), "StatefulSet", "team-a-gpu-worker");
    expect(sts.spec.volumeClaimTemplates).toEqual([{
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "vnode-data" },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "50Gi" } }, storageClassName: "fast" },
    }]);
    expect(sts.spec.template.spec.volumes.map((v: Any) => v.name)).toEqual(["boot", "ssh", "lib-modules", "run", "tmp"]);
    expect(container(sts).volumeMounts.map((m: Any) => m.mountPath)).not.toContain("/sys/fs/cgroup");
  });

  it("updates vNodes OnDelete unless told otherwise", () => {
    expect(worker.spec.updateStrategy).toEqual({ type: "OnDelete" });
    const rolling = find(renderHostObjects(gpuCluster, { vNodeUpdateStrategy: "RollingUpdate" }), "StatefulSet", "team-a-master");
    expect(rolling.spec.updateStrategy).toEqual({ type: "RollingUpdate" });
  });

  it("exposes ssh on every vNode and the API server port on the master only", () => {
    expect(container(master).ports).toEqual([
      { name: "ssh", containerPort: 22, protocol: "TCP" },
      { name: "apiserver", containerPort: 6443, protocol: "TCP" },
    ]);
    expect(container(worker).ports).toEqual([{ name: "ssh", containerPort: 22, protocol: "TCP" }]);
  });
});

describe("renderHostObjects: services and access", () => {
  it("makes the headless service publish not-ready vNodes of this cluster", () => {
    expect(find(renderHostObjects(singleMaster), "Service", "sample3-vnodes").spec).toEqual({
      clusterIP: "None",
      publishNotReadyAddresses: true,
      selector: { app: "vk8s", clusterName: "sample3" },
      ports: [
        { name: "ssh", protocol: "TCP", port: 22, targetPort: 22 },
        { name: "apiserver", protocol: "TCP", port: 6443, targetPort: 6443 },
      ],
    });
  });

  it.each([
    ["kubeflow", { name: "kubeflow", protocol: "TCP", port: 30000, targetPort: 30000, nodePort: 30000 }],
    ["flower", { name: "flower", protocol: "TCP", port: 30080, targetPort: 8080, nodePort: 30080 }],
  ])("exposes ports[] entry %s as a NodePort on the master vNode", (name, port) => {
    const svc = find(renderHostObjects(gpuCluster), "Service", `team-a-${name}`);
    expect(svc.spec).toEqual({ type: "NodePort", selector: { app: "vk8s", clusterName: "team-a", vnode: "team-a-master" }, ports: [port] });
  });

  it.each([
    [{}, "ClusterIP", undefined],
    [{ apiServerNodePort: 31643 }, "NodePort", 31643],
  ])("renders the API server service for options %j as %s", (options, type, nodePort) => {
    const svc = find(renderHostObjects(gpuCluster, options), "Service", "team-a-apiserver");
    expect(svc.spec.type).toBe(type);
    expect(svc.spec.selector).toEqual({ app: "vk8s", clusterName: "team-a", vnode: "team-a-master" });
    expect(svc.spec.ports).toEqual([{ name: "apiserver", protocol: "TCP", port: 6443, targetPort: 6443, nodePort }]);
  });

  it("exposes the access pod on its port, with a NodePort only when asked", () => {
    const cluster = { ...gpuCluster, access: { image: "example.org/sshd:1", port: 2222 } };
    const objects = renderHostObjects(cluster, { sshNodePort: 32222 });
    const svc = find(objects, "Service", "team-a-ssh");
    expect(svc.spec).toEqual({
      type: "NodePort",
      selector: { app: "vk8s-access", clusterName: "team-a" },
      ports: [{ name: "ssh", protocol: "TCP", port: 2222, targetPort: 2222, nodePort: 32222 }],
    });
    const access = find(objects, "Deployment", "team-a-access");
    expect(access.spec.replicas).toBe(1);
    expect(access.spec.selector).toEqual({ matchLabels: { app: "vk8s-access", clusterName: "team-a" } });
    expect(container(access).image).toBe("example.org/sshd:1");
    expect(container(access).ports).toEqual([{ name: "ssh", containerPort: 2222, protocol: "TCP" }]);
    expect(access.spec.template.spec.volumes).toContainEqual({ name: "ssh", configMap: { name: "team-a-ssh", defaultMode: 0o444 } });
    expect(find(renderHostObjects(cluster), "Service", "team-a-ssh").spec.ports[0].nodePort).toBeUndefined();
  });

  it("never lets the vNode selectors match the access pod", () => {
    const objects = renderHostObjects(gpuCluster);
    const accessPodLabels = find(objects, "Deployment", "team-a-access").spec.template.metadata.labels;
    const headless = find(objects, "Service", "team-a-vnodes").spec.selector;
    expect(Object.entries(headless).every(([k, v]) => accessPodLabels[k] === v)).toBe(false);
  });

  it.each([
    [undefined, ""],
    ["ssh-ed25519 AAAAC3Nza vk8s", "ssh-ed25519 AAAAC3Nza vk8s\n"],
    ["  ssh-ed25519 AAAA a\n\nssh-rsa BBBB b\n", "ssh-ed25519 AAAA a\nssh-rsa BBBB b\n"],
  ])("writes authorized_keys for sshPublicKey %j without placeholders", (sshPublicKey, expected) => {
    const cm = find(renderHostObjects(singleMaster, { sshPublicKey }), "ConfigMap", "sample3-ssh");
    expect(cm.data).toEqual({ authorized_keys: expected });
  });

  it("rolls the access pod when the key changes", () => {
    const hash = (k?: string) => find(renderHostObjects(singleMaster, { sshPublicKey: k }), "Deployment", "sample3-access").spec.template.metadata.annotations["vk8s.io/authorized-keys-sha256"];
    expect(hash("ssh-ed25519 A")).toMatch(/^[0-9a-f]{64}$/);
    expect(hash("ssh-ed25519 A")).not.toBe(hash("ssh-ed25519 B"));
  });
});

describe("renderHostObjects: invalid options", () => {
  it.each([
    [{ sshNodePort: 80 }, 'options.sshNodePort: 80 is not a NodePort in 30000-32767 (pick a port in that range or omit it to let Kubernetes allocate one)'],
    [{ apiServerNodePort: 30000 }, "options.apiServerNodePort: 30000 is already used by ports[0].port (pick another port or omit it to let Kubernetes allocate one)"],
    [{ sshNodePort: 31000, apiServerNodePort: 31000 }, "options.apiServerNodePort: 31000 is already used by options.sshNodePort (pick another port or omit it to let Kubernetes allocate one)"],
    [{ nodeStorage: { size: "lots" } }, 'options.nodeStorage.size: "lots" is not a Kubernetes quantity (write a size such as 50Gi)'],
  ])("rejects %j", (options, message) => {
    expect(() => renderHostObjects(singleMaster, options)).toThrow(`cannot render virtual cluster "sample3":\n${message}`);
  });

  it("reports every option problem at once", () => {
    expect(() => renderHostObjects(singleMaster, { sshNodePort: 1, apiServerNodePort: 2 })).toThrow(
      /options\.sshNodePort: 1 is not a NodePort.*\noptions\.apiServerNodePort: 2 is not a NodePort/,
    );
  });

  it("refuses a ports[] entry whose Service would collide with a vk8s Service", () => {
    const cluster = { ...singleMaster, ports: [{ name: "ssh", port: 30022, targetPort: 22 }] };
    expect(() => renderHostObjects(cluster)).toThrow(
      'cannot render virtual cluster "sample3":\nports: two host objects are named Service/sample3-ssh (rename the ports[] entry: apiserver, ssh and vnodes are used by vk8s)',
    );
  });
});
