/**
 * The program a user writes after `npm install @vk8s/vk8s`: it imports the package by its
 * name, so it type-checks (and runs) only against the installed tarball. Used by
 * test/package/shipped.package.test.ts, which copies this folder into a fresh project.
 */
import * as pulumi from "@pulumi/pulumi";
import { Vk8sCluster } from "@vk8s/vk8s";

const config = new pulumi.Config();
// Outputs, as another resource or a StackReference would give them: the installed types take Inputs.
const hostAddress = pulumi.output(config.get("hostAddress") ?? "127.0.0.1");
const memoryLimit = pulumi.output(config.get("memoryLimit") ?? "4Gi");
const cluster = new Vk8sCluster("team-a", {
  nodes: [
    { name: "master", role: "master", resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "2", memory: memoryLimit } } },
  ],
  kubernetes: { podNetworkCidr: "80.244.0.0/16", serviceCidr: "80.96.0.0/12" },
  kubeflow: { version: "v1.4.0", email: "a@example.com", password: config.requireSecret("kubeflowPassword") },
  ports: [{ name: "kubeflow", port: 30000, targetPort: 30000 }],
  hostAddress,
  awaitVNodes: false,
});

export const kubeflowUrl = cluster.kubeflowUrl;
export const namespace = cluster.namespace;
export const kubeconfig = cluster.kubeconfig;
