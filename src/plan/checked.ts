/**
 * A validation outcome kept as data. `Vk8sCluster` validates values that resolve late (Pulumi
 * Outputs) inside callbacks; only the namespace gate and the component's outputs turn a
 * refusal into an error (`unwrap`), the host objects' inputs fall back to the planned values,
 * so a refused value fails the namespace's registration and the rest fail waiting for it,
 * with one error object (the Pulumi runtime reports each error object once).
 */
import { Vk8sValidationError, type Problem, type ProblemSubject } from "../core/errors";

/** The value, or the refusal's subject, problems and number (Outputs copy the outcome object, the number stays). */
export type Checked<T> = { ok: true; value: T } | { ok: false; subject: ProblemSubject; problems: Problem[]; refusal: number };

/** The error of each refusal, by its number. */
const refusals = new Map<number, Vk8sValidationError>();
let nextRefusal = 0;

/** Runs `f`, keeping a `Vk8sValidationError` as data; other errors are thrown. */
export function attempt<T>(f: () => T): Checked<T> {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof Vk8sValidationError) return { ok: false, subject: e.subject, problems: e.problems, refusal: nextRefusal++ };
    throw e;
  }
}

/**
 * The value, or the `Vk8sValidationError` of the problems: one error object per refusal,
 * so that the Pulumi runtime, which reports each error object once, reports it once.
 */
export function unwrap<T>(checked: Checked<T>): T {
  if (checked.ok) return checked.value;
  const error = refusals.get(checked.refusal) ?? new Vk8sValidationError(checked.subject, checked.problems);
  refusals.set(checked.refusal, error);
  throw error;
}
