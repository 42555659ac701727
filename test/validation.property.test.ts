/**
 * One truth about valid input (issue 11, item 1), as properties over generated specs
 * (fast-check, fixed seed: the same cases every run). The generator mixes valid values
 * with the kinds of bad ones users and attackers write (quotes, `$(...)`, Unicode line
 * separators, prototype keys, huge numbers), so both sides of the rule are exercised:
 *
 * - whatever `validateCluster` accepts, the host render, the bootstrap planner, the whole
 *   cluster tree (`vk8s render`), the component's own preparation (`prepareCluster`) and
 *   the platform planner with its files accept too;
 * - no rendered file of an accepted spec holds a control character or U+0085/U+2028/U+2029.
 */
import fc from "fast-check";
import { prepareCluster } from "../components/vk8sCluster";
import { renderClusterTree } from "../src/gitops/clusterTree";
import { renderPlatformFiles } from "../src/platform/files";
import { planPlatform } from "../src/platform/plan";
import { UNSAFE_CHARACTERS } from "../src/cluster/rules/text";
import { validateCluster } from "../src/cluster/validate";
import { Vk8sValidationError } from "../src/core/errors";

const PASSWORD = "property-Pa55word";
const NASTY = ["o'neil", "a\u2028hostNetwork: true", "x$(id)", "`id`", "a\"b", "constructor", "__proto__", "toString", "a\nb", "a\u0085b", "é", "-x", "x".repeat(70)];
const nasty = fc.constantFrom(...NASTY);
/** Mostly one of the `good` values (which may be wrong in combination), sometimes nasty or random text. */
const text = (...good: string[]) => fc.oneof({ weight: 30, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: nasty }, { weight: 1, arbitrary: fc.string({ maxLength: 12, unit: "grapheme" }) });
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });

const node = (role: "master" | "worker") =>
  fc.record({
    name: role === "master" ? text("master", "master", "master", "m") : text("worker-1", "gpu-1", "w2"),
    role: fc.constant(role),
    image: maybe(text("ghcr.io/vk8s/kink:v1.20", "registry.example.com/vk8s/kink:v1.20", "ghcr.io/vk8s/kink:v1.20", "registry.example.com/vk8s/kink:v1.20", "kink:v1.27", "Kink:v1.20")),
    resources: maybe(fc.record({
      requests: maybe(fc.record({ cpu: text("1", "500m", "2"), memory: text("4Gi", "16Gi") })),
      limits: maybe(fc.record({ cpu: text("4", "10"), memory: text("16Gi", "40Gi") })),
    })),
    tolerations: maybe(fc.array(fc.record({
      key: text("nvidia.com/gpu", "dedicated", "example.com/team"),
      operator: fc.constantFrom("Equal", "Exists" as const),
      value: maybe(text("ml", "gpu", "team-a")),
      effect: maybe(fc.constantFrom("NoSchedule", "NoExecute" as const)),
    }, { requiredKeys: ["key", "operator"] }), { maxLength: 2 })),
    labels: maybe(fc.dictionary(text("team", "example.com/owner", "constructor"), text("a", "ml-team", ""))),
  }, { requiredKeys: ["name", "role"] });

const spec = fc.record({
  nodes: maybe(fc.tuple(node("master"), fc.array(node("worker"), { maxLength: 2 })).map(([m, ws]) => [m, ...ws])),
  kubernetes: maybe(fc.record({
    version: maybe(text("1.20", "v1.20", "1.20.15", "1.20", "1.27", "1.20.999999999999999999999", "1.33")),
    podNetworkCidr: maybe(text("80.244.0.0/16", "10.244.0.0/16", "10.244.1.0/16")),
  })),
  kubeflow: fc.record({
    version: text("v1.3.0", "1.4", "v1.3.0", "1.4", "v1.6.0", "v1.8.0", "v1.9.1", "v1.10.0", "v0.7.0"),
    email: fc.oneof({ weight: 6, arbitrary: text("team-a@example.com", "a.b+c@ex-ample.org", "user@example.com") }, { weight: 1, arbitrary: fc.emailAddress() }),
    password: fc.constant(PASSWORD),
  }),
  ports: maybe(fc.array(fc.record({
    name: text("kubeflow", "flower", "kubeflow", "flower", "constructor", "ssh"),
    port: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 30000, max: 32767 }) }, { weight: 1, arbitrary: fc.integer({ min: 29990, max: 32800 }) }),
    targetPort: maybe(fc.oneof({ weight: 1, arbitrary: fc.integer({ min: 1, max: 70000 }) }, { weight: 4, arbitrary: fc.integer({ min: 30000, max: 32767 }) })),
  }, { requiredKeys: ["name", "port"] }), { maxLength: 2 })),
  labels: maybe(fc.dictionary(text("team", "example.com/owner", "constructor"), text("a", "ml-team"))),
  annotations: maybe(fc.dictionary(text("example.com/owner", "note"), text("anything goes", "o'neil"))),
  accessPodImage: maybe(text("docker.io/panubo/sshd:1.9.0", "docker.io/panubo/sshd:1.9.0", "registry.example.com:5000/sshd@sha256:0123456789abcdef0123456789abcdef", "my sshd")),
}, { requiredKeys: ["kubeflow"] });

/** Runs `f`; returns the error message when it throws. */
function refusal(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

const BIG_QUOTA = { cpu: "1000", memory: "10Ti", gpus: 64, storage: "100Ti" };

test("whatever validation accepts, every renderer and planner accepts too (seeded, 300 specs)", () => {
  const reasons = new Map<string, number>();
  let accepted = 0;
  let refused = 0;
  fc.assert(
    fc.property(spec, fc.constantFrom("team-a", "t1", "team-a", "t1", "team-a", "t1", "constructor", "o'neil", "x".repeat(60)), (input, name) => {
      const result = validateCluster(name, input);
      if (!result.ok) {
        refused++;
        for (const p of result.problems) reasons.set(p.path.replace(/\[\d+\]/g, "[]"), (reasons.get(p.path.replace(/\[\d+\]/g, "[]")) ?? 0) + 1);
        // A refused spec is refused by the component too, before any registration.
        expect(refusal(() => prepareCluster(name, input as never))).toBeDefined();
        return;
      }
      accepted++;
      expect(refusal(() => renderClusterTree(result.cluster))).toBeUndefined();
      expect(refusal(() => prepareCluster(name, input as never))).toBeUndefined();
      const { password: _p, ...kubeflow } = input.kubeflow;
      const plan = (() => {
        try {
          return planPlatform([{ name, cluster: { ...input, kubeflow } as never, quota: BIG_QUOTA }]);
        } catch (e) {
          throw new Error(`the platform refused what validateCluster accepted:\n${(e as Error).message}`);
        }
      })();
      const files = [...renderClusterTree(result.cluster), ...renderPlatformFiles(plan)];
      // Files end lines with \n (and scripts may indent with \t); nothing else of the kind.
      for (const f of files) expect(UNSAFE_CHARACTERS.test(f.content.replace(/[\n\t]/g, "")) ? f.path : undefined).toBeUndefined();
    }),
    { seed: 11, numRuns: 300 },
  );
  if (accepted <= 40 || refused <= 40) console.log(accepted, refused, [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 15));
  // The generator must reach both sides of the rule, or the property says nothing.
  expect(accepted).toBeGreaterThan(40);
  expect(refused).toBeGreaterThan(40);
}, 120_000);

test("wrong types anywhere in a platform give Vk8sValidationError (vk8s platform), never a TypeError (seeded, 300 platforms)", () => {
  const anything = fc.anything({ maxDepth: 2, maxKeys: 3 });
  const field = <T>(good: fc.Arbitrary<T>) => fc.oneof({ weight: 12, arbitrary: good }, { weight: 1, arbitrary: anything });
  const user = fc.record({
    name: field(fc.constantFrom("user-a", "user-b")),
    cluster: field(fc.record({
      nodes: field(fc.constant([{ name: "master", role: "master" }])),
      kubernetes: field(fc.constant({ version: "1.20" })),
      kubeflow: field(fc.record({ version: field(fc.constant("v1.3.0")), email: field(fc.constant("a@example.com")) })),
      ports: field(fc.constant([{ name: "flower", targetPort: 8080 }])),
      labels: field(fc.constant({ team: "a" })),
    })),
    quota: field(fc.constant(BIG_QUOTA)),
    storage: field(fc.constant({ size: "10Gi" })),
    nodePorts: field(fc.constant({ block: 3 })),
  });
  const settings = fc.record({
    nodePortRange: field(fc.constant({ min: 30000, max: 32767 })),
    portBlockSize: field(fc.constant(10)),
    dns: field(fc.constant({ namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } })),
    vNodeInternetEgress: field(fc.boolean()),
    defaults: field(fc.constant({ quota: BIG_QUOTA })),
    defaultRequest: field(fc.constant({ cpu: "100m" })),
    storageMountPath: field(fc.constant("/mnt/vk8s-storage")),
  }, { requiredKeys: [] });
  fc.assert(
    fc.property(fc.array(user, { minLength: 1, maxLength: 2 }), settings, (users, s) => {
      try {
        planPlatform(users as never, s as never);
      } catch (e) {
        if (!(e instanceof Vk8sValidationError && e.subject.kind === "vk8s platform")) throw e;
      }
    }),
    { seed: 11, numRuns: 300 },
  );
}, 120_000);

test("wrong types anywhere in a cluster or its component arguments give Vk8sValidationError, never a TypeError (seeded, 300)", () => {
  const anything = fc.anything({ maxDepth: 2, maxKeys: 3 });
  const field = <T>(good: fc.Arbitrary<T>) => fc.oneof({ weight: 8, arbitrary: good }, { weight: 1, arbitrary: anything });
  const args = fc.record({
    nodes: field(fc.constant([{ name: "master", role: "master", tolerations: [{ key: "a", operator: "Exists" }] }])),
    kubeflow: field(fc.record({ version: field(fc.constant("v1.3.0")), email: field(fc.constant("a@example.com")), password: field(fc.constant(PASSWORD)) })),
    ports: field(fc.constant([{ name: "kubeflow", port: 30000 }])),
    labels: field(fc.constant({ team: "a" })),
    hostAddress: field(fc.constant("10.0.0.1")),
    ssh: field(fc.record({ user: field(fc.constant("root")), nodeEndpoints: field(fc.constant({ master: { host: "10.0.0.5", port: 22 } })), perDialTimeout: field(fc.constant(10)) })),
    bootstrap: field(fc.record({ apply: field(fc.constant({ attempts: 3 })), kubeflowSource: field(fc.constant({ kind: "upstream" })) })),
    hostRender: field(fc.record({ namespaceLabels: field(fc.constant({ team: "a" })) })),
  }, { requiredKeys: [] });
  fc.assert(
    fc.property(args, (a) => {
      try {
        prepareCluster("team-a", a as never);
      } catch (e) {
        if (!(e instanceof Vk8sValidationError)) throw e;
      }
    }),
    { seed: 11, numRuns: 300 },
  );
}, 120_000);
