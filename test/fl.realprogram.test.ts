/**
 * The real tier's federated-learning program (test/real/fl-program) under Pulumi's mocked
 * runtime: what test/real/fl.real.test.ts deploys into a virtual cluster of real vNodes, checked
 * here without one. Everything goes through the provider built from the cluster stack's
 * kubeconfig output; the clients are the pipeline's train step (command and env of src/fl)
 * with their own id and capture folder; the volume claim binds to the program's hostPath
 * volume; the server starts EfficientNetB0 from random weights (nothing to download).
 */
import * as pulumi from "@pulumi/pulumi";
import { trainEnv } from "../src/fl/env";
import { PREPROCESS_SCRIPT } from "../src/fl/steps";
import { resolveFederatedLearning } from "../src/fl/validate";

const IMAGE = "ghcr.io/vk8s/vk8s-fl:0.1.0-tf";
const KUBECONFIG = "apiVersion: v1\nkind: Config\n";
const seen: { type: string; name: string; inputs: any; provider?: string }[] = [];

pulumi.runtime.setMocks({
  newResource(args) {
    seen.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
    const state = args.type === "pulumi:pulumi:StackReference"
      ? { ...args.inputs, outputs: { kubeconfig: KUBECONFIG } }
      : args.type === "kubernetes:core/v1:Service"
        ? { ...args.inputs, spec: { ...args.inputs.spec, ports: args.inputs.spec.ports.map((p: any) => ({ ...p, nodePort: p.nodePort ?? 31000 })) } }
        : args.inputs;
    return { id: `${args.name}-id`, state };
  },
  call: (args) => args.inputs,
}, "vk8s-fl-real", "test", false);
pulumi.runtime.setAllConfig({
  "vk8s-fl-real:clusterStack": "organization/vk8s-quickstart/realfl",
  "vk8s-fl-real:image": IMAGE,
});

const valueOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
const byType = (type: string) => seen.filter((r) => r.type === type);
const envOf = (c: any) => Object.fromEntries(c.env.map((e: any) => [e.name, e.value]));

describe("test/real/fl-program (the real tier's federated-learning program)", () => {
  let program: any;
  beforeAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    program = require("./real/fl-program/index");
    expect(await valueOf(program.predictUrl)).toBe("http://127.0.0.1:30081/v1/models/fl-model:predict");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }, 60_000);

  it("builds its provider from the cluster stack's kubeconfig output and registers every object through it", async () => {
    expect(byType("pulumi:pulumi:StackReference").map((r) => r.inputs.name)).toEqual(["organization/vk8s-quickstart/realfl"]);
    const provider = byType("pulumi:providers:kubernetes");
    expect(provider.map((p) => [p.name, p.inputs.kubeconfig])).toEqual([["virtual-cluster", KUBECONFIG]]);
    const objects = seen.filter((r) => r.type.startsWith("kubernetes:"));
    expect(objects.length).toBe(13); // 10 of FederatedLearning, the volume, 2 client Jobs
    for (const o of objects) expect(o.provider).toMatch(/::pulumi:providers:kubernetes::virtual-cluster::/);
    expect(await valueOf(program.storagePrefix)).toBe("team-a/cifar10-real");
  });

  it("binds the component's claim to a hostPath volume on the volume node", () => {
    const [pv] = byType("kubernetes:core/v1:PersistentVolume");
    const [pvc] = byType("kubernetes:core/v1:PersistentVolumeClaim");
    expect(pvc.inputs.spec.storageClassName).toBe(pv.inputs.spec.storageClassName);
    expect(pvc.inputs.spec.accessModes).toEqual(pv.inputs.spec.accessModes);
    expect(pv.inputs.spec.hostPath).toEqual({ path: "/var/lib/vk8s-fl-real/volume", type: "DirectoryOrCreate" });
    expect(pv.inputs.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0]).toEqual({ key: "kubernetes.io/hostname", operator: "In", values: ["master"] });
  });

  it("runs EfficientNetB0 from random weights in the given image, 2 rounds for 2 clients", () => {
    const server = byType("kubernetes:apps/v1:Deployment").find((d) => d.inputs.metadata.name === "fl-flower-server")!;
    const container = server.inputs.spec.template.spec.containers[0];
    expect(container.image).toBe(IMAGE);
    expect(envOf(container)).toMatchObject({
      VK8S_FL_MODEL: "efficientnet-b0",
      VK8S_FL_MODEL_CONFIG: `{"input_shape":[32,32,3],"num_classes":10,"weights":null}`,
      VK8S_FL_ROUNDS: "2",
      VK8S_FL_MIN_CLIENTS: "2",
    });
  });

  it("runs each client as the pipeline's train step on its own inner node, after the pipeline's preprocess step", () => {
    const spec = resolveFederatedLearning({ group: "team-a", project: "cifar10-real", dataset: "cifar10", image: IMAGE, rounds: 2 });
    const jobs = byType("kubernetes:batch/v1:Job");
    expect(jobs.map((j) => [j.inputs.metadata.name, j.inputs.spec.template.spec.nodeSelector["kubernetes.io/hostname"]]))
      .toEqual([["fl-client-0", "master"], ["fl-client-1", "worker-1"]]);
    for (const [i, job] of jobs.entries()) {
      const pod = job.inputs.spec.template.spec;
      expect(job.inputs.metadata.namespace).toBe("federated-learning");
      expect(job.inputs.spec.backoffLimit).toBe(0);
      expect(pod.initContainers.map((c: any) => c.name)).toEqual(["cifar10-archive", "preprocess"]);
      expect(pod.initContainers[1].command).toEqual(["python", "-c", PREPROCESS_SCRIPT]);
      expect(envOf(pod.initContainers[1])).toEqual({ STEP_ARRAYS: "/data/cifar10/arrays.npz", STEP_DATASET: "cifar10", STEP_RAW_DIR: "/data/cifar10/raw" });
      expect(envOf(pod.initContainers[0])).toMatchObject({ STEP_RAW_DIR: "/data/cifar10/raw", STEP_TRAIN_EXAMPLES: ["96", "160"][i] });
      const client = pod.containers[0];
      expect(client.image).toBe(IMAGE);
      expect(client.command).toEqual(["python", "-m", "vk8s_fl.client"]);
      expect(envOf(client)).toEqual({
        ...envOf({ env: trainEnv(spec, "/data/cifar10/arrays.npz") }),
        VK8S_FL_CLIENT_ID: `client-${i}`,
        VK8S_FL_CAPTURE_DIR: "/capture",
      });
      expect(pod.volumes).toContainEqual({ name: "capture", hostPath: { path: "/var/lib/vk8s-fl-real/capture", type: "DirectoryOrCreate" } });
    }
  });
});
