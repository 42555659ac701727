/**
 * A program run in its own process (as the Pulumi runtime runs one) under the mocked
 * runtime: a Vk8sCluster whose arguments arrive as Outputs with bad values. Registrations
 * that wait for the refused values fail as rejections nobody awaits; the Pulumi runtime
 * reports those, here they are collected. Prints, as JSON, what reached the mock monitor
 * and the errors. Used by test/component.inputs.test.ts (jest fails a test on any
 * unhandled rejection, so the program cannot run inside it).
 *
 *   node -r ts-node/register/transpile-only test/helpers/outputRefusal.ts <scenario>...
 */
import * as pulumi from "@pulumi/pulumi";
import { monitorLog, valueOf } from "./pulumiMocks";
import { Vk8sCluster, type Vk8sClusterArgs } from "../../components/vk8sCluster";

const errors: unknown[] = [];
process.on("unhandledRejection", (e) => { errors.push(e); });

const later = <T>(value: T): pulumi.Output<T> => pulumi.output(new Promise<T>((resolve) => setTimeout(() => resolve(value), 5)));

const base: Vk8sClusterArgs = {
  nodes: [
    { name: "master", role: "master", resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "4", memory: "8Gi" } } },
    { name: "gpu-1", role: "worker", resources: { limits: { "nvidia.com/gpu": 1 } } },
  ],
  kubernetes: { podNetworkCidr: "80.244.0.0/16", serviceCidr: "80.96.0.0/12" },
  kubeflow: { version: "v1.4.0", email: "test@example.com", password: pulumi.secret("sentinel-Pa55word-7f3a") },
  ports: [{ name: "kubeflow", port: 30000, targetPort: 30000 }],
};

const SCENARIOS: Record<string, () => Partial<Vk8sClusterArgs>> = {
  hostAddress: () => ({ hostAddress: later("not an address!") }),
  nodeSizes: () => ({
    nodes: [
      { ...base.nodes![0], resources: { requests: { memory: later("lots") }, limits: { cpu: later("2"), memory: "8Gi" } } },
      { ...base.nodes![1], resources: { requests: { cpu: later("3") }, limits: { cpu: "2", "nvidia.com/gpu": 1 } } },
    ],
  }),
  portCollision: () => ({ apiServerNodePort: later(30000) }),
  // Planned for Kubernetes 1.20 (the matrix's for Kubeflow v1.4.0); the image's tag says 1.19, which Kubeflow v1.4.0 also runs on.
  imageTag: () => ({ nodes: [{ ...base.nodes![0], image: later("registry.example.com/vk8s/kink:v1.19") }, base.nodes![1]] }),
  password: () => ({ hostAddress: later("10.1.2.3"), kubeflow: { ...base.kubeflow, password: pulumi.secret(later("short")) } }),
};

/** Runs one scenario after the other (one process start for all), each with its own log. */
async function main(): Promise<void> {
  const results: Record<string, unknown> = {};
  for (const name of process.argv.slice(2)) {
    const scenario = SCENARIOS[name];
    if (!scenario) throw new Error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(", ")}`);
    monitorLog.length = 0;
    errors.length = 0;
    const cluster = new Vk8sCluster(`late-${name.toLowerCase()}`, { ...base, clusterName: "late", ...scenario() });
    const output = await valueOf(cluster.kubeflowUrl).then(() => undefined, (e: Error) => ({ name: e.name, message: e.message }));
    await new Promise((r) => setTimeout(r, 1500));
    // One entry per distinct error, without the SDK's "error serializing property" prefixes.
    const messages = [...new Map(errors.map((e) => {
      const message = String((e as Error).message).replace(/^(error serializing property "[^"]*": )+/, "");
      return [`${(e as Error).name}: ${message}`, { name: (e as Error).name, message }];
    })).values()];
    // As the runtime does with a failed registration: the refusal is logged as an error (after
    // which it does not report, as leaked promises, the reads of live objects still waiting on
    // registrations the refusal stopped).
    for (const m of messages) pulumi.log.error(m.message);
    results[name] = { sent: monitorLog.map((r) => r.type), output, errors: messages, rejections: errors.length, errorObjects: new Set(errors).size };
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((e) => { console.error(e); process.exit(2); });
