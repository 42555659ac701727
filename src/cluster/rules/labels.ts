/** Rules for user labels (cluster and node) and node selectors. */
import { formatPath, type PathSegment, type Problem, quote } from "../../core/errors";
import { RESERVED_LABELS } from "../../core/labels";
import { labelKeyError, labelValueError } from "../../core/names";

/** Checks a label map; `reserved` also refuses the keys vk8s sets itself. */
export function checkLabels(base: PathSegment[], labels: Record<string, string | undefined> | undefined, reserved: boolean): Problem[] {
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    const path = formatPath([...base, key]);
    if (reserved && Object.hasOwn(RESERVED_LABELS, key)) {
      problems.push({ path, message: `${quote(key)} is set by vk8s on every vNode (${key}: ${RESERVED_LABELS[key]})`, fix: "choose another label key, e.g. team" });
      continue;
    }
    const keyError = labelKeyError(key);
    if (keyError) problems.push({ path, message: keyError, fix: "rename the key, e.g. team or example.com/team" });
    const valueError = value === undefined ? undefined : labelValueError(value);
    if (valueError) problems.push({ path, message: valueError, fix: "shorten or simplify the value, e.g. ml-team-a" });
  }
  return problems;
}

/** Kubernetes' limit on all annotations of one object together (apimachinery TotalAnnotationSizeLimitB). */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;

/** Annotation keys are label keys; values are free text (control characters are refused for every field). */
export function checkAnnotations(base: PathSegment[], annotations: Record<string, string | undefined> | undefined): Problem[] {
  const problems: Problem[] = [];
  let bytes = 0;
  for (const [key, value] of Object.entries(annotations ?? {})) {
    bytes += Buffer.byteLength(key) + Buffer.byteLength(value ?? "");
    const keyError = labelKeyError(key);
    if (keyError) problems.push({ path: formatPath([...base, key]), message: keyError.replace(/^label key/, "annotation key"), fix: "rename the key, e.g. example.com/owner" });
  }
  if (bytes > MAX_ANNOTATIONS_BYTES) {
    problems.push({ path: formatPath(base), message: `are ${bytes} bytes in total, over the ${MAX_ANNOTATIONS_BYTES} Kubernetes allows`, fix: "shorten or drop annotations" });
  }
  return problems;
}
