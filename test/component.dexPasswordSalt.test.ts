/**
 * The dex password salt: bcrypt's random salt generated once and kept in state as a
 * secret; the dex step's stdin is the bcrypt hash of the password with that salt.
 */
import * as pulumi from "@pulumi/pulumi";
import * as bcrypt from "bcryptjs";
import { record, type Registered } from "./helpers/pulumiMocks";
import { generateDexPasswordSalt } from "../components/dexPasswordSalt";
import { Vk8sCluster } from "../components/vk8sCluster";

jest.setTimeout(60_000);

const PASSWORD = "sentinel-Pa55word-7f3a";
/** The salt test/helpers/pulumiMocks.ts gives every DexPasswordSalt (`$2a$`: what the policy test expects of the hash). */
const MOCK_SALT = "$2a$10$MockMockMockMockMockMe";

test("generateDexPasswordSalt: a new bcrypt salt of cost 10 each time; the id says nothing about it", () => {
  const a = generateDexPasswordSalt();
  const b = generateDexPasswordSalt();
  expect(a.outs.salt).toMatch(/^\$2b\$10\$[./A-Za-z0-9]{22}$/);
  expect(b.outs.salt).not.toBe(a.outs.salt);
  expect(a.id).toMatch(/^[0-9a-f-]{36}$/);
  expect(a.id).not.toContain(a.outs.salt.slice(7));
});

describe("Vk8sCluster keeps one salt per cluster", () => {
  let resources: Registered[];
  beforeAll(async () => {
    ({ resources } = await record((o) => new Vk8sCluster("c1", {
      nodes: [{ name: "master", role: "master", image: "registry.example.com/vk8s/kink:v1.20" }],
      kubeflow: { version: "v1.3.0", email: "test@example.com", password: pulumi.secret(PASSWORD) },
    }, o)));
  });

  test("a DexPasswordSalt child whose salt is a secret output", () => {
    const salts = resources.filter((r) => r.type === "pulumi-nodejs:dynamic/vk8s:DexPasswordSalt");
    expect(salts.map((s) => s.name)).toEqual(["c1-dex-salt"]);
    expect(salts[0].additionalSecretOutputs).toEqual(["salt"]);
    expect(salts[0].parent).toBe(resources[0].resource);
    // Registered once validation passed: its input is the namespace gate's value.
    expect(salts[0].inputs.namespace).toBe("vk8s-c1");
  });

  test("the dex step gets the bcrypt hash of the password with the kept salt", () => {
    const dex = resources.find((r) => r.type === "command:remote:Command" && r.name === "c1-09-dex-login")!;
    const hash: string = dex.inputs.stdin.value;
    expect(bcrypt.getSalt(hash)).toBe(MOCK_SALT);
    expect(bcrypt.compareSync(PASSWORD, hash)).toBe(true);
  });
});
