/**
 * A label the user adds to the cluster must reach the StatefulSets as an in-place update
 * (the original system's update test added `update=test`), never a replacement: only
 * labels may change, not the selector, the serviceName or the volumeClaimTemplates.
 */
import { renderHostObjects } from "../src/render/host";
import type { HostRenderOptions, K8sObject } from "../src/render/types";
import { gpuCluster, singleMaster, withClusterLabels } from "./fixtures/clusters";

type Any = any;

/** The object with every `labels` map removed, wherever it is. */
function withoutLabels(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutLabels);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== "labels").map(([k, v]) => [k, withoutLabels(v)]));
}

const statefulSets = (objects: K8sObject[]): Any[] => objects.filter((o) => o.kind === "StatefulSet");

describe.each([
  ["emptyDir node state", {}],
  ["claimed node state", { nodeStorage: { size: "50Gi" } }],
] as [string, HostRenderOptions][])("adding cluster label update=test (%s)", (_, options) => {
  for (const cluster of [singleMaster, gpuCluster]) {
    const before = renderHostObjects(cluster, options);
    const after = renderHostObjects(withClusterLabels(cluster, { update: "test" }), options);

    it(`${cluster.name}: puts update=test on every StatefulSet and pod template`, () => {
      for (const sts of statefulSets(after)) {
        expect(sts.metadata.labels.update).toBe("test");
        expect(sts.spec.template.metadata.labels.update).toBe("test");
      }
      expect(statefulSets(after)).toHaveLength(cluster.nodes.length);
    });

    it(`${cluster.name}: changes nothing but labels, on any object`, () => {
      expect(after.map(withoutLabels)).toEqual(before.map(withoutLabels));
      expect(after).not.toEqual(before);
    });

    it(`${cluster.name}: keeps selector, serviceName and volumeClaimTemplates byte for byte`, () => {
      const immutable = (sts: Any) => JSON.stringify([sts.spec.selector, sts.spec.serviceName, sts.spec.volumeClaimTemplates ?? null]);
      expect(statefulSets(after).map(immutable)).toEqual(statefulSets(before).map(immutable));
      const selectors = (objs: K8sObject[]) => objs.filter((o) => o.kind === "Deployment").map((d: Any) => d.spec.selector);
      expect(selectors(after)).toEqual(selectors(before));
    });
  }
});

it("never lets a user label override an identity label", () => {
  const cluster = withClusterLabels(gpuCluster, { app: "mine", vnode: "x", role: "boss", clusterName: "other", "sidecar.istio.io/inject": "true" });
  const sts: Any = renderHostObjects(cluster).find((o) => o.kind === "StatefulSet");
  expect(sts.metadata.labels).toMatchObject({ app: "vk8s", vnode: "team-a-master", role: "master", clusterName: "team-a", "sidecar.istio.io/inject": "false" });
  expect(sts.spec.selector.matchLabels).toEqual({ app: "vk8s", clusterName: "team-a", vnode: "team-a-master" });
});
