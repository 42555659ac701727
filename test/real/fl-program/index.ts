/**
 * The real tier's federated-learning program (test/real/fl.real.test.ts): `FederatedLearning`
 * deployed into a virtual cluster of real vNodes through a Kubernetes provider built from
 * that cluster's `kubeconfig` output (read with a StackReference, so it stays a secret), and
 * the Flower clients as Jobs on the inner nodes, run the way the pipeline's train step runs
 * them (command and env from `trainEnv` of src/fl).
 *
 * What the test stands in for, and why:
 *   - CIFAR-10 cannot be downloaded here: each client generates an archive in CIFAR-10's
 *     python format (cifar-10-batches-py/data_batch_1..5 and test_batch, pickled dicts of
 *     uint8 `data` n x 3072 and `labels`; random pixels and labels), then the pipeline's own
 *     preprocess step (PREPROCESS_SCRIPT of src/fl/steps.ts) turns it into the arrays the
 *     client trains on: the real loader and preprocessing run, on generated data;
 *   - the virtual cluster has no StorageClass (bootstrap option defaultStorageClass none):
 *     the component's volume claim binds to a hostPath PersistentVolume on one inner node;
 *   - the clients also write each update they return (`--capture-dir`, vk8s_fl's audit
 *     option) to a hostPath folder of their inner node, which the test compares with the
 *     stored round.
 *
 * Config:
 *   clusterStack (required)   the cluster stack, `organization/<project>/<stack>`
 *   image (required)          the vk8s-fl image the inner containerd holds (no pull)
 *   group, project            @default team-a, cifar10-real
 *   rounds                    @default 2
 *   clients                   JSON [{"id", "node", "examples"}] @default client-0 on master (96), client-1 on worker-1 (160)
 *   testExamples              held-out examples per client @default 32
 *   volumeNode                inner node holding the volume (the server and model server run there) @default master
 *   hostDir                   folder on the inner nodes for the volume and the captures @default /var/lib/vk8s-fl-real
 *   predictNodePort           the model server's NodePort (forward it from the host: cluster `ports`) @default 30081
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { FederatedLearning } from "../../../components/federatedLearning";
import { FL_FLAGS, FL_MODULES, flEnvName } from "../../../src/fl/contract";
import { trainEnv } from "../../../src/fl/env";
import { PREPROCESS_SCRIPT } from "../../../src/fl/steps";

const config = new pulumi.Config();
const cluster = new pulumi.StackReference(config.require("clusterStack"));
const image = config.require("image");
const hostDir = config.get("hostDir") ?? "/var/lib/vk8s-fl-real";
const volumeNode = config.get("volumeNode") ?? "master";
const clients = config.getObject<{ id: string; node: string; examples: number }[]>("clients") ?? [
  { id: "client-0", node: "master", examples: 96 },
  { id: "client-1", node: "worker-1", examples: 160 },
];
const testExamples = config.getNumber("testExamples") ?? 32;
const STORAGE_CLASS = "vk8s-fl-real-hostpath";
const HOSTNAME = "kubernetes.io/hostname";

/** Writes STEP_RAW_DIR/cifar-10-python.tar.gz in CIFAR-10's python format, random content. */
const CIFAR10_ARCHIVE_SCRIPT = `import io
import os
import pickle
import tarfile

import numpy as np

rng = np.random.default_rng(int(os.environ["STEP_SEED"]))
n_train, n_test = int(os.environ["STEP_TRAIN_EXAMPLES"]), int(os.environ["STEP_TEST_EXAMPLES"])
raw = os.environ["STEP_RAW_DIR"]
os.makedirs(raw, exist_ok=True)
sizes = [n_train // 5 + (1 if i < n_train % 5 else 0) for i in range(5)]
batches = [(f"data_batch_{i + 1}", n) for i, n in enumerate(sizes)] + [("test_batch", n_test)]
archive = os.path.join(raw, "cifar-10-python.tar.gz")
with tarfile.open(archive + ".part", "w:gz") as tar:
    for name, n in batches:
        blob = pickle.dumps({b"batch_label": name.encode(), b"labels": rng.integers(0, 10, size=n).tolist(),
                             b"data": rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)}, protocol=2)
        info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
        info.size = len(blob)
        tar.addfile(info, io.BytesIO(blob))
os.replace(archive + ".part", archive)
print(f"wrote {archive}: {n_train} training and {n_test} test images (random, CIFAR-10 format)", flush=True)
`;

const vc = new k8s.Provider("virtual-cluster", { kubeconfig: cluster.requireOutput("kubeconfig") as pulumi.Output<string> });

// The volume the component's claim binds to (no StorageClass in the cluster).
const volume = new k8s.core.v1.PersistentVolume("fl-volume", {
  metadata: { name: "vk8s-fl-real" },
  spec: {
    capacity: { storage: "2Gi" },
    accessModes: ["ReadWriteOnce"],
    storageClassName: STORAGE_CLASS,
    persistentVolumeReclaimPolicy: "Retain",
    hostPath: { path: `${hostDir}/volume`, type: "DirectoryOrCreate" },
    nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME, operator: "In", values: [volumeNode] }] }] } },
  },
}, { provider: vc });

const fl = new FederatedLearning("fl", {
  group: config.get("group") ?? "team-a",
  project: config.get("project") ?? "cifar10-real",
  rounds: config.getNumber("rounds") ?? 2,
  minClients: clients.length,
  dataset: "cifar10",
  image,
  // Random initialisation: Keras' ImageNet weights cannot be downloaded here.
  model: { kind: "efficientnet-b0", pretrained: false },
  training: { localEpochs: 1, batchSize: 32 },
  storage: { size: "2Gi", storageClassName: STORAGE_CLASS },
  serving: { mode: "deployment", nodePort: config.getNumber("predictNodePort") ?? 30081 },
  hostAddress: "127.0.0.1",
}, { provider: vc, dependsOn: [volume] });

const spec = fl.spec;
const DATA = "/data";
const ARRAYS = `${DATA}/cifar10/arrays.npz`;
const RAW = `${DATA}/cifar10/raw`;
const CAPTURE = "/capture";
const CLIENT_ID = flEnvName(FL_FLAGS.client.clientId);
const env = (vars: Record<string, string | number>) => Object.entries(vars).map(([name, value]) => ({ name, value: String(value) }));

const jobs = clients.map((client, i) => new k8s.batch.v1.Job(`fl-${client.id}`, {
  metadata: {
    name: `${spec.name}-${client.id}`,
    namespace: spec.namespace,
    labels: { "app.kubernetes.io/name": "vk8s-fl-real-client", "app.kubernetes.io/instance": client.id },
    // The test waits for the rounds; pulumi up returns once the Job exists.
    annotations: { "pulumi.com/skipAwait": "true" },
  },
  spec: {
    backoffLimit: 0,
    template: {
      metadata: { labels: { "app.kubernetes.io/name": "vk8s-fl-real-client", "app.kubernetes.io/instance": client.id } },
      spec: {
        restartPolicy: "Never",
        nodeSelector: { [HOSTNAME]: client.node },
        initContainers: [
          {
            name: "cifar10-archive",
            image,
            command: ["python", "-c", CIFAR10_ARCHIVE_SCRIPT],
            env: env({ STEP_RAW_DIR: RAW, STEP_SEED: i + 1, STEP_TEST_EXAMPLES: testExamples, STEP_TRAIN_EXAMPLES: client.examples }),
            volumeMounts: [{ name: "data", mountPath: DATA }],
          },
          {
            // The pipeline's preprocess step, as src/fl/pipeline.ts runs it.
            name: "preprocess",
            image,
            command: ["python", "-c", PREPROCESS_SCRIPT],
            env: env({ STEP_ARRAYS: ARRAYS, STEP_DATASET: "cifar10", STEP_RAW_DIR: RAW }),
            volumeMounts: [{ name: "data", mountPath: DATA }],
          },
        ],
        containers: [{
          // The pipeline's train step: its command and env, with this client's id and capture folder.
          name: "client",
          image,
          command: ["python", "-m", FL_MODULES.client],
          env: [
            ...trainEnv(spec, ARRAYS).filter((e) => e.name !== CLIENT_ID),
            ...env({ [CLIENT_ID]: client.id, [flEnvName("--capture-dir")]: CAPTURE }),
          ],
          volumeMounts: [{ name: "data", mountPath: DATA }, { name: "capture", mountPath: CAPTURE }],
        }],
        volumes: [
          { name: "data", emptyDir: {} },
          { name: "capture", hostPath: { path: `${hostDir}/capture`, type: "DirectoryOrCreate" } },
        ],
      },
    },
  },
}, { provider: vc, dependsOn: [fl] }));

export const serverEndpoint = fl.serverEndpoint;
export const storagePrefix = fl.storagePrefix;
export const predictUrl = fl.predictUrl;
export const namespace = fl.namespace;
export const modelName = spec.model.name;
export const serverModelConfig = spec.model;
export const clientJobs = jobs.map((j) => j.metadata.name);
export const volumePath = `${hostDir}/volume`;
export const capturePath = `${hostDir}/capture`;
