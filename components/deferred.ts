/** What "deferred" means to the components: the one Pulumi fact `planCluster` takes as an option. */
import * as pulumi from "@pulumi/pulumi";

/** An Output or a promise: a value not known when the program runs. */
export function isDeferred(value: unknown): boolean {
  return pulumi.Output.isInstance(value) || value instanceof Promise;
}
