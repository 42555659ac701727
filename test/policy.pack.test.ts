/**
 * policy/index.ts hands every rule to the analyzer as a mandatory stack policy that
 * reports each violation against its resource. `@pulumi/policy` is replaced by a stub:
 * its PolicyPack starts the analyzer's gRPC server, which only the Pulumi CLI can drive.
 */
const packs: { name: string; args: any }[] = [];
jest.mock("@pulumi/policy", () => ({
  PolicyPack: class {
    constructor(name: string, args: unknown) {
      packs.push({ name, args });
    }
  },
}), { virtual: true });

import { RULES } from "../policy/rules";

test("one mandatory stack policy per rule, reporting violations with their URN", () => {
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("../policy/index");
  });
  expect(packs.map((p) => p.name)).toEqual(["vk8s"]);
  const policies = packs[0].args.policies;
  expect(policies.map((p: any) => [p.name, p.enforcementLevel])).toEqual(RULES.map((r) => [r.name, "mandatory"]));
  const reported: [string, string | undefined][] = [];
  const hostNetwork = { type: "kubernetes:core/v1:Pod", name: "p", urn: "urn:pod", props: { metadata: { name: "p" }, spec: { hostNetwork: true, containers: [] } }, opts: {}, dependencies: [] };
  const policy = policies.find((p: any) => p.name === "vk8s-no-host-namespaces");
  policy.validateStack({ resources: [hostNetwork] }, (message: string, urn?: string) => reported.push([message, urn]));
  expect(reported).toEqual([["Pod default/p sets hostNetwork (remove it: pods must not share the host's namespaces)", "urn:pod"]]);
});
