/**
 * The plugin package (plugin/): the schema @pulumi/pulumi's component provider derives from it
 * (what `pulumi package get-schema plugin` prints and `pulumi package add` generates SDKs from),
 * and a construct through the provider under mocks, good and bad.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ComponentProvider, getPulumiComponents } from "@pulumi/pulumi/provider/experimental/provider";
import { monitorLog } from "./helpers/pulumiMocks";
import * as plugin from "../plugin";

const DIR = path.resolve(__dirname, "../plugin");
/** One provider for the file: its schema (a TypeScript analysis, seconds) is computed once. */
const shared = new ComponentProvider({ name: "vk8s", dirname: DIR, components: getPulumiComponents(plugin) });
const provider = () => shared;

describe("schema", () => {
  let schema: any;
  beforeAll(async () => { schema = JSON.parse(await provider().getSchema()); }, 60_000);

  test("names the package vk8s 0.1.0 with one component, vk8s:index:Vk8sCluster", () => {
    expect([schema.name, schema.version]).toEqual(["vk8s", "0.1.0"]);
    expect(Object.keys(schema.resources)).toEqual(["vk8s:index:Vk8sCluster"]);
    expect(schema.resources["vk8s:index:Vk8sCluster"].isComponent).toBe(true);
  });

  test("takes the cluster's arguments, nodes and kubeflow required", () => {
    const r = schema.resources["vk8s:index:Vk8sCluster"];
    expect(Object.keys(r.inputProperties).sort()).toEqual(["apiServerNodePort", "awaitVNodes", "bootstrap", "clusterName", "hostAddress", "kubeflow", "kubernetes", "labels", "nodes", "ports"]);
    expect([...r.requiredInputs].sort()).toEqual(["kubeflow", "nodes"]);
    expect(r.inputProperties.nodes).toMatchObject({ type: "array", items: { $ref: "#/types/vk8s:index:NodeArgs" } });
    expect(r.inputProperties.labels).toMatchObject({ type: "object", additionalProperties: { type: "string" } });
    expect(r.inputProperties.hostAddress.description).toContain("Default `127.0.0.1`");
  });

  test("describes the nested types, with the node role and quantities as strings", () => {
    const node = schema.types["vk8s:index:NodeArgs"];
    expect(node.properties.role).toMatchObject({ type: "string" });
    expect([...node.required].sort()).toEqual(["name", "role"]);
    expect(schema.types["vk8s:index:NodeResourcesArgs"].properties.limits).toMatchObject({ type: "object", additionalProperties: { type: "string" } });
    expect([...schema.types["vk8s:index:KubeflowArgs"].required].sort()).toEqual(["email", "password", "version"]);
  });

  test("Inputs where a value may come from another resource; plain where it shapes the resource graph", () => {
    const r = schema.resources["vk8s:index:Vk8sCluster"];
    const t = (name: string) => schema.types[`vk8s:index:${name}`].properties;
    const inputs = [r.inputProperties.hostAddress, r.inputProperties.apiServerNodePort, t("NodeArgs").image, t("PortArgs").port,
      t("PortArgs").targetPort, t("KubeflowArgs").email, t("KubeflowArgs").password,
      t("NodeResourcesArgs").limits.additionalProperties, t("NodeArgs").labels.additionalProperties, r.inputProperties.labels.additionalProperties];
    for (const p of inputs) expect(p.plain).toBeUndefined();
    const plain = [r.inputProperties.clusterName, r.inputProperties.nodes, r.inputProperties.bootstrap, t("NodeArgs").name, t("NodeArgs").role,
      t("PortArgs").name, t("KubeflowArgs").version, r.inputProperties.kubernetes];
    for (const p of plain) expect(p.plain).toBe(true);
  });

  test("outputs the endpoints, versions, namespace and kubeconfig", () => {
    const r = schema.resources["vk8s:index:Vk8sCluster"];
    expect(Object.keys(r.properties).sort()).toEqual(["apiServerEndpoint", "kubeconfig", "kubeflowUrl", "kubeflowVersion", "kubernetesVersion", "namespace", "sshEndpoint"]);
  });
});

describe("construct under mocks", () => {
  const args = {
    nodes: [{ name: "master", role: "master", resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi", "nvidia.com/gpu": "1" } } }],
    kubernetes: { podNetworkCidr: "80.244.0.0/16", serviceCidr: "80.96.0.0/12" },
    kubeflow: { version: "v1.4.0", email: "a@example.com", password: pulumi.secret("plugin-Test-Passw0rd-1f") },
    ports: [{ name: "kubeflow", port: 30000 }],
    awaitVNodes: false,
  };

  test("creates the library's cluster under the plugin's component", async () => {
    monitorLog.length = 0;
    const result = await provider().construct("team-a", "vk8s:index:Vk8sCluster", args, {});
    const urn = await new Promise<string>((resolve) => pulumi.output(result.urn).apply((u) => { resolve(u); return u; }));
    expect(urn).toContain("vk8s:index:Vk8sCluster::team-a");
    expect(Object.keys(result.state).sort()).toEqual(["apiServerEndpoint", "kubeconfig", "kubeflowUrl", "kubeflowVersion", "kubernetesVersion", "namespace", "sshEndpoint"]);
    await new Promise((r) => setTimeout(r, 200));
    const types = monitorLog.map((r) => r.type);
    expect(types).toEqual(expect.arrayContaining(["vk8s:index:Vk8sCluster", "kubernetes:core/v1:Namespace", "kubernetes:apps/v1:StatefulSet"]));
    expect(types.filter((t) => t === "vk8s:index:Vk8sCluster")).toHaveLength(2); // the plugin's and the library's
  }, 60_000);

  test("a bad role or quantity is refused by the library's validation, naming the field", async () => {
    monitorLog.length = 0;
    const bad = { ...args, nodes: [{ ...args.nodes[0], role: "boss", resources: { limits: { "nvidia.com/gpu": "half" } } }] };
    await expect(provider().construct("team-b", "vk8s:index:Vk8sCluster", bad, {})).rejects.toThrow(/nodes\[0\]\.role/);
    expect(monitorLog.filter((r) => r.type.startsWith("kubernetes:"))).toEqual([]);
  });

  test("the problems leave construct as Pulumi's input-property error, one entry per problem, as the provider server reads it", async () => {
    const bad = { ...args, nodes: [{ ...args.nodes[0], role: "boss", resources: { limits: { "nvidia.com/gpu": "half" } } }] };
    const error = await provider().construct("team-b", "vk8s:index:Vk8sCluster", bad, {}).then(() => undefined, (e: unknown) => e);
    // provider/server.js `construct` turns exactly this into the gRPC details the engine prints per property.
    expect(pulumi.InputPropertiesError.isInstance(error)).toBe(true);
    const e = error as pulumi.InputPropertiesError;
    expect(e.errors).toEqual([
      { propertyPath: "nodes[0].role", reason: 'the string "boss" is not one of master, worker (use one of master, worker)' },
      { propertyPath: 'nodes[0].resources.limits["nvidia.com/gpu"]', reason: '"half" is not a Kubernetes quantity (write a quantity such as "1", "500m" or 16Gi)' },
    ]);
    expect(e.message).toBe('invalid virtual cluster "team-b": nodes[0].role, nodes[0].resources.limits["nvidia.com/gpu"]');
  });

  test("a problem of a plain password names its property so that the engine cannot print the value", async () => {
    const bad = { ...args, kubeflow: { ...args.kubeflow, password: "short-1" } };
    const error = await provider().construct("team-c", "vk8s:index:Vk8sCluster", bad, {}).then(() => undefined, (e: unknown) => e);
    expect(pulumi.InputPropertiesError.isInstance(error)).toBe(true);
    const e = error as pulumi.InputPropertiesError;
    expect(e.errors).toEqual([{ propertyPath: "kubeflow.password (secret)", reason: "has 7 characters, fewer than 8 (choose a password of at least 8 characters)" }]);
    expect(JSON.stringify(e.errors) + e.message).not.toContain("short-1");
  });
});
