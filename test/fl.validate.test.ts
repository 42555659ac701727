import { formatProblem, Vk8sValidationError } from "../src/core/errors";
import { FL_DEFAULTS } from "../src/fl/spec";
import { resolveFederatedLearning, validateFederatedLearning } from "../src/fl/validate";
import { pathSegmentError, projectPrefix, roundPrefix } from "../src/fl/storage";

const base = { group: "team-a", project: "cifar" };

function messages(input: unknown): string[] {
  const r = validateFederatedLearning(input);
  return r.ok ? [] : r.problems.map(formatProblem);
}

describe("validateFederatedLearning: one rule per row, exact messages", () => {
  const cases: [string, unknown, string[]][] = [
    ["missing group and project", {}, [
      "group: is required (set it to a string)",
      "project: is required (set it to a string)",
    ]],
    ["wrong type", { ...base, rounds: "3" }, ["rounds: expected a number, got string (give a number)"]],
    ["not an object", 5, ["spec: expected an object, got number (give an object)"]],
    ["unknown field", { ...base, replicas: 2 }, ["replicas: is not a known field (remove it or check its spelling)"]],
    ["plain S3 credentials", { ...base, storage: { s3: { endpoint: "http://minio:9000", bucket: "models", credentialsSecret: "minio", secretAccessKey: "hunter22" } } }, [
      "storage.s3.secretAccessKey: plain credentials are not accepted (put them in a Secret with keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY and name it in storage.s3.credentialsSecret)",
    ]],
    ["group with a slash", { ...base, group: "team/a" }, [
      `group: "team/a" contains '/' (use one folder name of letters, digits, '.', '_' or '-')`,
    ]],
    ["project ..", { ...base, project: ".." }, [
      `project: ".." is a relative path segment (use one folder name of letters, digits, '.', '_' or '-')`,
    ]],
    ["empty project", { ...base, project: "" }, [
      "project: is empty (use one folder name of letters, digits, '.', '_' or '-')",
    ]],
    ["rounds zero, minClients fractional", { ...base, rounds: 0, minClients: 1.5 }, [
      "rounds: 0 is not a whole number from 1 (use a whole number of 1 or more)",
      "minClients: 1.5 is not a whole number from 1 (use a whole number of 1 or more)",
    ]],
    ["server NodePort out of range", { ...base, server: { nodePort: 8080 } }, [
      "server.nodePort: 8080 is outside the NodePort range (use a port from 30000 to 32767)",
    ]],
    ["serving NodePort equal to the server's", { ...base, server: { nodePort: 31000 }, serving: { nodePort: 31000 } }, [
      "serving.nodePort: 31000 is already server.nodePort (give the model server its own NodePort)",
    ]],
    ["serving nodePort in kserve mode", { ...base, serving: { mode: "kserve", nodePort: 31001 } }, [
      `serving.nodePort: is only used in deployment mode (remove it, or set serving.mode to "deployment")`,
    ]],
    ["unknown serving mode and dataset", { ...base, serving: { mode: "triton" }, dataset: "mnist" }, [
      `dataset: "mnist" is not supported (use one of cifar10, digits)`,
      `serving.mode: "triton" is not supported (use one of deployment, kserve)`,
    ]],
    ["efficientnet on digits", { ...base, dataset: "digits", model: { kind: "efficientnet-b0" } }, [
      `model.kind: "efficientnet-b0" does not fit dataset "digits" (8x8 grey images; EfficientNetB0 needs 32x32x3 or larger) (use "mlp" for digits)`,
    ]],
    ["pretrained MLP", { ...base, dataset: "digits", model: { pretrained: true } }, [
      `model.pretrained: true, but model "mlp" has no pretrained weights (it always starts from random weights) (remove model.pretrained, or use model.kind "efficientnet-b0")`,
    ]],
    ["pretrained not a boolean", { ...base, model: { pretrained: "no" } }, [
      "model.pretrained: expected a boolean, got string (give a boolean)",
    ]],
    ["model name with capitals", { ...base, model: { name: "CifarNet" } }, [
      `model.name: "CifarNet" is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit) (use lower-case letters, digits and '-', at most 63 characters)`,
    ]],
    ["name too long for the suffixes", { ...base, name: "a".repeat(50) }, [
      `name: "${"a".repeat(50)}" is 50 characters; with "-flower-server" object names go over 63 (use a DNS-1123 label of at most 49 characters)`,
    ]],
    ["storage size", { ...base, storage: { size: "ten gigs" } }, [
      `storage.size: "ten gigs" is not a Kubernetes quantity (give a size such as 10Gi)`,
    ]],
    ["zero storage", { ...base, storage: { size: "0" } }, [`storage.size: "0" is not above zero (give a size such as 10Gi)`]],
    ["access mode", { ...base, storage: { accessMode: "ReadOnlyMany" } }, [
      `storage.accessMode: "ReadOnlyMany" is not supported (use one of ReadWriteOnce, ReadWriteMany, ReadWriteOncePod)`,
    ]],
    ["S3 endpoint with credentials, bad bucket and secret", {
      ...base,
      storage: { s3: { endpoint: "http://admin:hunter22@minio:9000", bucket: "My_Bucket", credentialsSecret: "Minio Creds" } },
    }, [
      "storage.s3.endpoint: carries credentials in the URL (give http(s)://host[:port] without credentials or path, e.g. http://minio.minio.svc:9000)",
      `storage.s3.bucket: "My_Bucket" is not an S3 bucket name (use 3-63 lower-case letters, digits, '.' or '-', starting and ending with a letter or digit)`,
      `storage.s3.credentialsSecret: "Minio Creds" is not a Secret name (name a Secret in the namespace holding AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)`,
    ]],
    ["S3 endpoint scheme", { ...base, storage: { s3: { endpoint: "ftp://minio", bucket: "models", credentialsSecret: "minio" } } }, [
      `storage.s3.endpoint: scheme "ftp" is not http or https (give http(s)://host[:port] without credentials or path, e.g. http://minio.minio.svc:9000)`,
    ]],
    ["kserve apiVersion", { ...base, serving: { mode: "kserve", kserveApiVersion: "serving.kserve.io/v1alpha1" } }, [
      `serving.kserveApiVersion: "serving.kserve.io/v1alpha1" is not supported (use one of serving.kserve.io/v1beta1, serving.kubeflow.org/v1beta1)`,
    ]],
    ["image with a space", { ...base, image: "my image" }, [
      `image: "my image" is not an image reference (give a reference such as ghcr.io/vk8s/vk8s-fl:0.1.0)`,
    ]],
    ["training settings", { ...base, training: { localEpochs: 0, learningRate: -1 } }, [
      "training.localEpochs: 0 is not a whole number from 1 (use a whole number of 1 or more)",
      "training.learningRate: -1 is not above zero (use a small positive number such as 0.001)",
    ]],
    ["pipeline check bounds", { ...base, pipeline: { serverCheckAttempts: 0 } }, [
      "pipeline.serverCheckAttempts: 0 is not a whole number from 1 (use a whole number of 1 or more)",
    ]],
    ["namespace", { ...base, namespace: "FL" }, [
      `namespace: "FL" is not a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit) (use lower-case letters, digits and '-', at most 63 characters)`,
    ]],
  ];

  it.each(cases)("%s", (_label, input, expected) => {
    expect(messages(input)).toEqual(expected);
  });

  it("accepts the minimal spec and fills every default from FL_DEFAULTS", () => {
    const r = validateFederatedLearning(base);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spec).toMatchObject({
      name: FL_DEFAULTS.name,
      namespace: FL_DEFAULTS.namespace,
      createNamespace: true,
      rounds: FL_DEFAULTS.rounds,
      minClients: FL_DEFAULTS.minClients,
      dataset: "cifar10",
      model: { name: FL_DEFAULTS.modelName, kind: "efficientnet-b0", pretrained: true },
      training: { localEpochs: 1, batchSize: 32, learningRate: 0.001 },
      server: { image: FL_DEFAULTS.image, port: 8080, nodePort: 30080 },
      serving: { mode: "deployment", image: FL_DEFAULTS.image, port: 8080, nodePort: 30081 },
      storage: { size: "10Gi", accessMode: "ReadWriteOnce" },
    });
    expect(r.spec.storage.s3).toBeUndefined();
  });

  it("picks the MLP and its SGD learning rate for digits", () => {
    const r = validateFederatedLearning({ ...base, dataset: "digits" });
    expect(r.ok && r.spec.model.kind).toBe("mlp");
    expect(r.ok && r.spec.model.pretrained).toBe(false);
    const untrained = validateFederatedLearning({ ...base, dataset: "digits", model: { pretrained: false } });
    expect(untrained.ok && untrained.spec.model.pretrained).toBe(false);
    expect(r.ok && r.spec.training.learningRate).toBe(0.05);
  });

  it("resolveFederatedLearning throws every problem at once, never quoting plain credentials", () => {
    const input = { ...base, name: "x", rounds: 0, server: { nodePort: 1 }, storage: { s3: { endpoint: "http://k:hunter22@m", bucket: "bucket", credentialsSecret: "s" } } };
    expect(() => resolveFederatedLearning(input)).toThrow(Vk8sValidationError);
    try {
      resolveFederatedLearning(input);
    } catch (e) {
      const err = e as Vk8sValidationError;
      expect(err.subject).toEqual({ kind: "federated learning", name: "x" });
      expect(err.problems.map((p) => p.path)).toEqual(["rounds", "server.nodePort", "storage.s3.endpoint"]);
      expect(err.message.split("\n")[0]).toBe(`invalid federated learning "x":`);
      expect(err.message).not.toContain("hunter22");
    }
  });
});

describe("storage layout {group}/{project}/{round}", () => {
  it.each([
    ["team-a", "cifar", 1, "team-a/cifar/1"],
    ["g_1", "p.v2", 12, "g_1/p.v2/12"],
  ])("roundPrefix(%s, %s, %d) = %s", (group, project, round, expected) => {
    expect(roundPrefix(group, project, round)).toBe(expected);
  });

  it.each([
    ["a/b", "p", 1, `group: "a/b" contains '/' (use one folder name of letters, digits, '.', '_' or '-')`],
    ["g", "..", 1, `project: ".." is a relative path segment (use one folder name of letters, digits, '.', '_' or '-')`],
    ["g", "p", 0, "round: 0 is not a whole number from 1 (rounds are counted from 1, as Flower does)"],
    ["g", "p", 1.5, "round: 1.5 is not a whole number from 1 (rounds are counted from 1, as Flower does)"],
  ])("roundPrefix(%j, %j, %d) throws %s", (group, project, round, message) => {
    expect(() => roundPrefix(group, project, round)).toThrow(message);
  });

  it("projectPrefix reports both bad segments", () => {
    expect(() => projectPrefix("", "-x")).toThrow(
      "group: is empty (use one folder name of letters, digits, '.', '_' or '-')\n" +
        `project: "-x" has characters other than letters, digits, '.', '_' and '-' or does not start with a letter or digit (use one folder name of letters, digits, '.', '_' or '-')`,
    );
  });

  it.each(["a", "A.b_c-1", "x".repeat(63)])("accepts segment %s", (s) => expect(pathSegmentError(s)).toBeUndefined());
  it.each([".", "a b", "-a", "x".repeat(64), "a\\b"])("rejects segment %j", (s) => expect(pathSegmentError(s)).toBeDefined());
});
