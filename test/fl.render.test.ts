import { renderFederatedLearning } from "../src/fl/render";
import type { K8sObject } from "../src/render/types";
import { toYamlDocuments } from "../src/render/yaml";
import { MODELS_ROOT, VOLUME_MOUNT_PATH, roundPrefix } from "../src/fl/storage";

const base = { group: "team-a", project: "cifar" };
const s3 = { endpoint: "http://minio.minio.svc:9000", bucket: "fl-models", credentialsSecret: "minio-credentials" };

type Obj = K8sObject & Record<string, any>;
const find = (objs: K8sObject[], kind: string, name: string): Obj => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name} in ${objs.map((x) => `${x.kind}/${x.metadata.name}`).join(", ")}`);
  return o as Obj;
};
const envOf = (container: { env: { name: string; value?: string }[] }) =>
  Object.fromEntries(container.env.map((e) => [e.name, e.value]));

describe("renderFederatedLearning: objects", () => {
  const objs = renderFederatedLearning(base);

  it("renders namespace, volume, pipeline access and package, Flower server and model server, in creation order", () => {
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "Namespace/federated-learning",
      "PersistentVolumeClaim/fl-storage",
      "ServiceAccount/fl-pipeline",
      "Role/fl-pipeline",
      "RoleBinding/fl-pipeline",
      "ConfigMap/fl-pipeline",
      "Deployment/fl-flower-server",
      "Service/fl-flower-server",
      "Deployment/fl-model-server",
      "Service/fl-model-server",
    ]);
    for (const o of objs.slice(1)) expect(o.metadata.namespace).toBe("federated-learning");
  });

  it("exposes the Flower server on its NodePort, targeting the named container port", () => {
    const svc = find(objs, "Service", "fl-flower-server");
    expect(svc.spec.type).toBe("NodePort");
    expect(svc.spec.ports).toEqual([{ name: "flower", port: 8080, targetPort: "flower", nodePort: 30080, protocol: "TCP" }]);
    const container = find(objs, "Deployment", "fl-flower-server").spec.template.spec.containers[0];
    expect(container.ports).toEqual([{ name: "flower", containerPort: 8080, protocol: "TCP" }]);
    expect(container.command).toEqual(["python", "-m", "vk8s_fl.server"]);
  });

  it("exposes the model server on its own NodePort with a KServe v1 readiness path", () => {
    const svc = find(objs, "Service", "fl-model-server");
    expect(svc.spec.ports).toEqual([{ name: "http", port: 8080, targetPort: "http", nodePort: 30081, protocol: "TCP" }]);
    // No endpoints before the first round: pulumi up must not wait for them (the Flower
    // server's Service, ready at once, is awaited).
    expect(svc.metadata.annotations).toEqual({ "pulumi.com/skipAwait": "true" });
    expect(find(objs, "Service", "fl-flower-server").metadata.annotations).toBeUndefined();
    const pod = find(objs, "Deployment", "fl-model-server").spec.template.spec;
    expect(pod.containers[0].command).toEqual(["python", "-m", "vk8s_fl.serve"]);
    expect(pod.containers[0].readinessProbe.httpGet).toEqual({ path: "/v1/models/fl-model", port: "http" });
    expect(envOf(pod.containers[0])).toMatchObject({ VK8S_FL_MODEL_NAME: "fl-model", VK8S_FL_PORT: "8080", VK8S_FL_HOST: "0.0.0.0" });
    expect(pod.initContainers.map((c: { name: string }) => c.name)).toEqual(["wait-for-model"]);
  });

  it("selects exactly the pods of each part", () => {
    for (const name of ["fl-flower-server", "fl-model-server"]) {
      const deployment = find(objs, "Deployment", name);
      const podLabels = deployment.spec.template.metadata.labels;
      expect(podLabels).toMatchObject(deployment.spec.selector.matchLabels);
      expect(podLabels).toMatchObject(find(objs, "Service", name).spec.selector);
    }
    expect(find(objs, "Service", "fl-flower-server").spec.selector).not.toEqual(find(objs, "Service", "fl-model-server").spec.selector);
  });

  it("lays the rounds out as {group}/{project}/{round} under the models folder of the volume", () => {
    const pod = find(objs, "Deployment", "fl-flower-server").spec.template.spec;
    const env = envOf(pod.containers[0]);
    expect(env).toMatchObject({ VK8S_FL_STORAGE: "/mnt/storage/models", VK8S_FL_GROUP: "team-a", VK8S_FL_PROJECT: "cifar" });
    expect(pod.containers[0].volumeMounts).toEqual([{ name: "storage", mountPath: VOLUME_MOUNT_PATH }]);
    expect(pod.volumes).toEqual([{ name: "storage", persistentVolumeClaim: { claimName: "fl-storage" } }]);
    // what vk8s_fl.storage.LocalDirectoryStorage writes for round 2:
    expect(`${env.VK8S_FL_STORAGE}/${env.VK8S_FL_GROUP}/${env.VK8S_FL_PROJECT}/2`).toBe(`${MODELS_ROOT}/${roundPrefix("team-a", "cifar", 2)}`);
    expect(find(objs, "PersistentVolumeClaim", "fl-storage").spec).toEqual({ accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } } });
  });

  it("tells the server its rounds, clients and model through the vk8s_fl env contract", () => {
    const env = envOf(find(objs, "Deployment", "fl-flower-server").spec.template.spec.containers[0]);
    expect(env).toEqual({
      VK8S_FL_ADDRESS: "0.0.0.0:8080",
      VK8S_FL_BATCH_SIZE: "32",
      VK8S_FL_GROUP: "team-a",
      VK8S_FL_LEARNING_RATE: "0.001",
      VK8S_FL_LOCAL_EPOCHS: "1",
      VK8S_FL_MIN_CLIENTS: "2",
      VK8S_FL_MODEL: "efficientnet-b0",
      VK8S_FL_MODEL_CONFIG: `{"input_shape":[32,32,3],"num_classes":10,"weights":"imagenet"}`,
      VK8S_FL_PROJECT: "cifar",
      VK8S_FL_ROUNDS: "3",
      VK8S_FL_STORAGE: "/mnt/storage/models",
    });
    // Random initialisation (air-gapped clusters): Keras downloads nothing (weights null).
    const untrained = renderFederatedLearning({ ...base, model: { pretrained: false } });
    expect(envOf(find(untrained, "Deployment", "fl-flower-server").spec.template.spec.containers[0]).VK8S_FL_MODEL_CONFIG)
      .toBe(`{"input_shape":[32,32,3],"num_classes":10,"weights":null}`);
    const digits = renderFederatedLearning({ ...base, dataset: "digits", rounds: 5, minClients: 3 });
    expect(envOf(find(digits, "Deployment", "fl-flower-server").spec.template.spec.containers[0])).toMatchObject({
      VK8S_FL_ROUNDS: "5",
      VK8S_FL_MIN_CLIENTS: "3",
      VK8S_FL_MODEL: "mlp",
      VK8S_FL_MODEL_CONFIG: `{"hidden":[32],"input_dim":64,"num_classes":10,"seed":0}`,
      VK8S_FL_LEARNING_RATE: "0.05",
    });
  });

  it("lets the pipeline's account apply the claim and restart the model server, nothing cluster-wide", () => {
    const role = find(objs, "Role", "fl-pipeline");
    expect(role.rules).toContainEqual({ apiGroups: [""], resources: ["persistentvolumeclaims"], verbs: ["create", "get", "patch"] });
    expect(role.rules.find((r: { resources: string[] }) => r.resources.includes("pods")).verbs).toContain("deletecollection");
    expect(find(objs, "RoleBinding", "fl-pipeline").subjects).toEqual([{ kind: "ServiceAccount", name: "fl-pipeline", namespace: "federated-learning" }]);
    expect(objs.some((o) => o.kind.startsWith("Cluster"))).toBe(false);
  });
});

describe("renderFederatedLearning: options", () => {
  it("keeps S3 credentials as secretKeyRefs and leaves the volume out of the servers", () => {
    const objs = renderFederatedLearning({ ...base, storage: { s3 } });
    const pod = find(objs, "Deployment", "fl-flower-server").spec.template.spec;
    expect(pod.volumes).toBeUndefined();
    expect(pod.containers[0].volumeMounts).toBeUndefined();
    const env = pod.containers[0].env as { name: string; value?: string; valueFrom?: unknown }[];
    expect(env.filter((e) => e.name.startsWith("AWS_"))).toEqual([
      { name: "AWS_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: "minio-credentials", key: "AWS_ACCESS_KEY_ID" } } },
      { name: "AWS_DEFAULT_REGION", value: "us-east-1" },
      { name: "AWS_SECRET_ACCESS_KEY", valueFrom: { secretKeyRef: { name: "minio-credentials", key: "AWS_SECRET_ACCESS_KEY" } } },
    ]);
    expect(envOf(pod.containers[0])).toMatchObject({ VK8S_FL_STORAGE: "s3://fl-models", VK8S_FL_S3_ENDPOINT: s3.endpoint });
    const model = find(objs, "Deployment", "fl-model-server").spec.template.spec;
    expect(envOf(model.initContainers[0])).toMatchObject({ VK8S_FL_STORAGE: "s3://fl-models" });
    expect(model.volumes).toBeUndefined();
  });

  it("renders a KServe InferenceService instead of the Deployment in kserve mode, reading the volume through STORAGE_URI", () => {
    const objs = renderFederatedLearning({ ...base, serving: { mode: "kserve" }, model: { name: "cifar-net" } });
    expect(objs.filter((o) => o.metadata.name === "fl-model-server").map((o) => o.kind)).toEqual(["InferenceService"]);
    const isvc = find(objs, "InferenceService", "fl-model-server");
    expect(isvc.apiVersion).toBe("serving.kserve.io/v1beta1");
    const container = isvc.spec.predictor.containers[0];
    expect(envOf(container)).toMatchObject({
      STORAGE_URI: "pvc://fl-storage/models",
      VK8S_FL_STORAGE: "/mnt/models",
      VK8S_FL_MODEL_NAME: "cifar-net",
    });
    expect(container.ports).toEqual([{ containerPort: 8080, protocol: "TCP" }]);
    expect(isvc.spec.predictor.initContainers).toBeUndefined();
    const kfserving = renderFederatedLearning({ ...base, serving: { mode: "kserve", kserveApiVersion: "serving.kubeflow.org/v1beta1" } });
    expect(find(kfserving, "InferenceService", "fl-model-server").apiVersion).toBe("serving.kubeflow.org/v1beta1");
  });

  it("leaves out the Namespace for an existing one and uses the given names, ports and storage class", () => {
    const objs = renderFederatedLearning({
      ...base, name: "fed", namespace: "kubeflow-user-example-com", createNamespace: false,
      server: { nodePort: 31500, port: 9092 }, serving: { nodePort: 31501 },
      storage: { size: "50Gi", storageClassName: "nfs-client", accessMode: "ReadWriteMany" },
    });
    expect(objs.some((o) => o.kind === "Namespace")).toBe(false);
    expect(find(objs, "Service", "fed-flower-server").spec.ports[0]).toMatchObject({ port: 9092, nodePort: 31500 });
    expect(envOf(find(objs, "Deployment", "fed-flower-server").spec.template.spec.containers[0]).VK8S_FL_ADDRESS).toBe("0.0.0.0:9092");
    expect(find(objs, "Service", "fed-model-server").spec.ports[0].nodePort).toBe(31501);
    expect(find(objs, "PersistentVolumeClaim", "fed-storage").spec).toEqual({
      accessModes: ["ReadWriteMany"], resources: { requests: { storage: "50Gi" } }, storageClassName: "nfs-client",
    });
  });

  it("throws the validation problems instead of rendering", () => {
    expect(() => renderFederatedLearning({ ...base, server: { nodePort: 80 } })).toThrow(
      "server.nodePort: 80 is outside the NodePort range (use a port from 30000 to 32767)",
    );
  });
});

describe("renderFederatedLearning: deterministic bytes", () => {
  it("renders identical YAML twice and whatever the key order of the input", () => {
    const a = toYamlDocuments(renderFederatedLearning({ ...base, storage: { s3, size: "20Gi" }, rounds: 4 }));
    const b = toYamlDocuments(renderFederatedLearning({ rounds: 4, storage: { size: "20Gi", s3: { credentialsSecret: s3.credentialsSecret, bucket: s3.bucket, endpoint: s3.endpoint } }, project: "cifar", group: "team-a" }));
    expect(a).toBe(b);
    expect(a).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/); // no timestamps
  });

  it("matches the reviewed default render", () => {
    const yaml = toYamlDocuments(renderFederatedLearning(base));
    expect(yaml.split("\n---\n")).toHaveLength(10);
    expect(yaml).toMatchSnapshot();
  });
});
