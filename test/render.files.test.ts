import { parse } from "yaml";
import { renderClusterFiles } from "../src/render/files";
import { renderHostObjects } from "../src/render/host";
import type { HostRenderOptions } from "../src/render/types";
import type { ResolvedCluster } from "../src/cluster/resolved";
import { gpuCluster, singleMaster } from "./fixtures/clusters";

const PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFixtureFixtureFixtureFixtureFixtureFixtu vk8s-test";

describe("renderClusterFiles", () => {
  it("writes host/<kind>-<name>.yaml per object, sorted by path", () => {
    expect(renderClusterFiles(gpuCluster).map((f) => f.path)).toEqual([
      "host/configmap-team-a-ssh.yaml",
      "host/configmap-team-a-vnode-boot.yaml",
      "host/deployment-team-a-access.yaml",
      "host/namespace-vk8s-team-a.yaml",
      "host/service-team-a-apiserver.yaml",
      "host/service-team-a-flower.yaml",
      "host/service-team-a-kubeflow.yaml",
      "host/service-team-a-ssh.yaml",
      "host/service-team-a-vnodes.yaml",
      "host/statefulset-team-a-gpu-worker.yaml",
      "host/statefulset-team-a-master.yaml",
    ]);
  });

  it("gives identical bytes on every render", () => {
    expect(renderClusterFiles(gpuCluster, { sshPublicKey: PUBLIC_KEY })).toEqual(renderClusterFiles(gpuCluster, { sshPublicKey: PUBLIC_KEY }));
  });

  it("writes each object as YAML that parses back to it, apiVersion/kind/metadata first", () => {
    const objects = renderHostObjects(singleMaster);
    const files = renderClusterFiles(singleMaster);
    for (const obj of objects) {
      const file = files.find((f) => f.path === `host/${obj.kind.toLowerCase()}-${obj.metadata.name}.yaml`);
      expect(file).toBeDefined();
      expect(parse(file!.content, { version: "1.1" })).toEqual(obj);
      expect(file!.content).toMatch(/^apiVersion: .+\nkind: .+\nmetadata:\n/);
    }
  });

  it("keeps the Kubeflow password and any private key out of every file", () => {
    for (const cluster of [singleMaster, gpuCluster]) {
      for (const f of renderClusterFiles(cluster, { sshPublicKey: PUBLIC_KEY })) {
        expect(f.content).not.toContain(cluster.kubeflow.password);
        expect(f.content).not.toContain("PRIVATE KEY");
      }
    }
  });

  it("keeps the vNode scripts as block literals", () => {
    const boot = renderClusterFiles(singleMaster).find((f) => f.path === "host/configmap-sample3-vnode-boot.yaml")!;
    expect(boot.content).toContain("  gpu-isolation.sh: |\n    #!/bin/sh\n");
    expect(boot.content).toContain("  start.sh: |\n    #!/bin/sh\n");
  });
});

describe.each<[string, ResolvedCluster, HostRenderOptions]>([
  ["single master (reference sample3)", singleMaster, {}],
  ["2 nodes with a GPU worker", gpuCluster, { sshPublicKey: PUBLIC_KEY, sshNodePort: 32022, apiServerNodePort: 32443, nodeStorage: { size: "100Gi" } }],
])("rendered YAML of %s", (_, cluster, options) => {
  for (const file of renderClusterFiles(cluster, options)) {
    it(file.path, () => {
      expect(file.content).toMatchSnapshot();
    });
  }
});
