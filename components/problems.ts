/**
 * Problems as Pulumi's input-property error. A component provider (our plugin package,
 * plugin/) that throws `pulumi.InputPropertiesError` from `construct` has the engine print
 * each problem against its property (`- property nodes[0].role with value "boss" has a
 * problem: ...`; @pulumi/pulumi 3.270 provider/server.js `construct` → gRPC status details,
 * read by pulumi/pkg resource/deploy/source_eval.go `errorToMessage`). In a plain Node.js
 * program the SDK prints every uncaught error alike (cmd/run/run.js), so the library's
 * components keep throwing the typed `Vk8sValidationError`; the conversion is made where
 * an error leaves a provider's `construct`.
 */
import * as pulumi from "@pulumi/pulumi";
import { Vk8sValidationError, type Problem } from "../src/core/errors";

/**
 * Fields holding secrets. The engine prints the input's value beside its problem unless the
 * value was given as a secret, so a problem of these fields gets a property path that the
 * engine cannot resolve (`kubeflow.password (secret)`): the reason is shown, never the value.
 */
const SECRET_FIELD = /(^|\.)(password|kubeflowPassword|privateKey|hostKey)$/;

/** One `{ propertyPath, reason }` per problem: the field path and `<message> (<fix>)`. */
export function inputPropertyErrors(problems: readonly Problem[]): pulumi.InputPropertyErrorDetails[] {
  return problems.map((p) => ({
    propertyPath: SECRET_FIELD.test(p.path) ? `${p.path} (secret)` : p.path,
    reason: p.fix === "" ? p.message : `${p.message} (${p.fix})`,
  }));
}

/**
 * `e` as `pulumi.InputPropertiesError` when it is a `Vk8sValidationError` (message:
 * `invalid virtual cluster "a": <the fields>`, errors: one per problem); any other error unchanged.
 */
export function toInputPropertiesError(e: unknown): unknown {
  if (!(e instanceof Vk8sValidationError)) return e;
  const fields = [...new Set(e.problems.map((p) => p.path))].join(", ");
  return new pulumi.InputPropertiesError({
    message: `${e.header}: ${fields}`,
    errors: inputPropertyErrors(e.problems),
  });
}

/** `f()`, its `Vk8sValidationError` raised as `pulumi.InputPropertiesError` (see `toInputPropertiesError`). */
export function withInputPropertyErrors<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw toInputPropertiesError(e);
  }
}
