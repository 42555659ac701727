/**
 * The vk8s plugin package (PulumiPlugin.yaml): every component class exported here is offered to
 * all Pulumi languages by @pulumi/pulumi's component provider, which derives the package schema
 * (`pulumi package get-schema plugin`) from the classes' `args` interfaces and outputs.
 */
export { Vk8sCluster, type Vk8sClusterArgs } from "./vk8sCluster";
