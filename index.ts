/**
 * vk8s: virtual Kubernetes clusters with Kubeflow for ML teams, as Pulumi components.
 * `components/` holds the Pulumi resources; everything under `src/` is pure and can be
 * used without a Pulumi runtime (validation, matrix, rendering, bootstrap scripts).
 */
export * from "./components";
export * as spec from "./src/cluster/validate";
export * as matrix from "./src/matrix/resolve";
export { renderHostObjects } from "./src/render/host";
export { planBootstrap } from "./src/bootstrap/plan";
export { parseVk8sDocuments } from "./src/manifest";
