/**
 * What `Vk8sPlatform` and `FederatedLearning` compute besides their renders (src/plan/platform.ts,
 * src/plan/federatedLearning.ts), pure: no Pulumi runtime, no mocks.
 */
import { planPlatform } from "../src/platform/plan";
import { Vk8sValidationError } from "../src/core/errors";
import { checkPlatformUsers, offersStorage, tenantClusterArgs, tenantEndpoints, tenantInput, userFieldPath, type PlatformUserInput } from "../src/plan/platform";
import { flHostAddress, hostPredictUrl, planFederatedLearning, serverEndpoint } from "../src/plan/federatedLearning";
import { objectKey } from "../src/plan/names";
import { SETTINGS, userA, userB } from "./platform.fixtures";

const PASSWORD = "sentinel-Pa55word-7f3a";
const users = (): PlatformUserInput[] => [{ ...userA(), kubeflowPassword: PASSWORD }, { ...userB(), kubeflowPassword: PASSWORD }];
const noneDeferred = { isDeferred: () => false };

describe("platform: each user's cluster", () => {
  const plan = planPlatform(users().map(tenantInput), SETTINGS);

  test("the tenant input leaves the secrets out", () => {
    expect(Object.keys(tenantInput({ ...userA(), kubeflowPassword: PASSWORD } as PlatformUserInput)).sort()).toEqual(["cluster", "name", "nodePorts", "quota", "storage"]);
  });

  test("a user's cluster arguments: the planned NodePorts, the user's name, the shared platform arguments", () => {
    const [a] = plan.tenants;
    const out = tenantClusterArgs(a, { ssh: { user: "ubuntu" } }, { hostAddress: "10.1.2.3", awaitVNodes: false, bootstrap: false }, "the-password");
    expect(out).toMatchObject({
      clusterName: "user-a",
      hostAddress: "10.1.2.3",
      awaitVNodes: false,
      bootstrap: false,
      apiServerNodePort: a.apiServerNodePort,
      ssh: { user: "ubuntu", nodePort: a.sshNodePort },
      kubeflow: { version: "v1.3.0", password: "the-password" },
    });
    expect(out.ports).toEqual(a.spec.ports);
    expect(Object.keys(out.hostRender).sort()).toEqual(["extraObjects", "namespaceLabels", "userStorage"]);
  });

  test("every user passes planCluster: nothing thrown", () => {
    expect(() => checkPlatformUsers("p", plan, users(), (t, u) => tenantClusterArgs(t, u, {}, u.kubeflowPassword), noneDeferred)).not.toThrow();
  });

  test("every problem of every user at once, under the user's paths", () => {
    const bad = users().map((u) => (u.name === "user-a" ? { ...u, kubeflowPassword: undefined } : { ...u, ssh: { user: "Not A User" } }));
    let error: unknown;
    try {
      checkPlatformUsers("p", plan, bad, (t, u) => tenantClusterArgs(t, u, {}, u.kubeflowPassword), noneDeferred);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Vk8sValidationError);
    expect((error as Vk8sValidationError).subject).toEqual({ kind: "vk8s platform" });
    expect((error as Vk8sValidationError).message).toMatch(/users\["user-a"\]\.kubeflowPassword: is missing/);
    expect((error as Vk8sValidationError).message).toMatch(/users\["user-b"\]\.ssh\.user: "Not A User" is not a user name/);
  });

  test.each([
    ["kubeflow.password", 'users["u"].kubeflowPassword'],
    ["name", 'users["u"].name'],
    ["hostAddress", "hostAddress"],
    ["bootstrap.apply.attempts", "bootstrap.apply.attempts"],
    ["ssh.user", 'users["u"].ssh.user'],
    ["hostRender.namespaceLabels", 'users["u"].hostRender.namespaceLabels'],
    ["apiServerNodePort", 'users["u"].apiServerNodePort'],
    ["nodes[0].image", 'users["u"].cluster.nodes[0].image'],
  ])("a cluster problem at %s is reported at %s", (path, expected) => {
    expect(userFieldPath('users["u"]', path)).toBe(expected);
  });

  test("storage inside the virtual cluster: on by default, off without bootstrap or when turned off", () => {
    expect(offersStorage({})).toBe(true);
    expect(offersStorage({ bootstrap: false })).toBe(false);
    expect(offersStorage({ offerStorageInVirtualCluster: false })).toBe(false);
  });

  test("a user's endpoints: the tenant's planned facts beside the cluster's URLs", () => {
    const b = plan.tenants[1];
    const urls = { kubeflowUrl: "http://h:30100", sshEndpoint: "ssh://vk8s@h:30101", apiServerEndpoint: "https://h:30102" };
    expect(tenantEndpoints(b, urls)).toEqual({
      ...urls,
      namespace: "vk8s-user-b",
      kubeflowVersion: b.cluster.kubeflow.version,
      kubernetesVersion: b.cluster.matrix.kubernetesVersion,
      nodePorts: b.nodePorts.ports,
      storageMountPath: b.storage.mountPath,
    });
  });
});

describe("planFederatedLearning: outputs as data", () => {
  test("deployment mode: every output's object is among the planned objects", () => {
    const { spec, objects, outputs } = planFederatedLearning("fl", { group: "team-a", project: "cifar" });
    const keys = objects.map(objectKey);
    expect(outputs.namespace).toBe("Namespace/federated-learning");
    expect(keys).toEqual(expect.arrayContaining([outputs.namespace, outputs.serverService.key, outputs.pipeline.key, outputs.predict.key]));
    expect(outputs.serverService.nodePort).toBe(spec.server.nodePort);
    expect(outputs.storagePrefix).toBe("team-a/cifar");
    const configMap = objects.find((o) => objectKey(o) === outputs.pipeline.key) as unknown as { data: Record<string, string> };
    expect(Object.keys(configMap.data)).toEqual([outputs.pipeline.dataKey]);
    expect(outputs.predict).toEqual({ mode: "deployment", key: "Service/fl-model-server", nodePort: spec.serving.nodePort });
  });

  test("kserve mode: the InferenceService and its cluster-local URL; no namespace when not created", () => {
    const { objects, outputs } = planFederatedLearning("fl", { group: "team-a", project: "cifar", createNamespace: false, serving: { mode: "kserve" } });
    expect(outputs.namespace).toBeUndefined();
    expect(outputs.predict).toMatchObject({ mode: "kserve", key: "InferenceService/fl-model-server" });
    expect(objects.map(objectKey)).toContain(outputs.predict.key);
    expect(outputs.predict.mode === "kserve" && outputs.predict.url).toMatch(/^http:\/\/fl-model-server\.federated-learning\.svc\.cluster\.local\/v1\/models\/.+:predict$/);
  });

  test("the name defaults to the component's; endpoints from host address and NodePorts", () => {
    expect(planFederatedLearning("abc", { group: "g", project: "p" }).spec.name).toBe("abc");
    expect(flHostAddress(undefined)).toBe("127.0.0.1");
    expect(flHostAddress("10.0.0.5")).toBe("10.0.0.5");
    expect(serverEndpoint("10.0.0.5", 30080)).toBe("10.0.0.5:30080");
    expect(hostPredictUrl({ model: { name: "cifar" } } as never, "10.0.0.5", 30081)).toBe("http://10.0.0.5:30081/v1/models/cifar:predict");
  });
});
