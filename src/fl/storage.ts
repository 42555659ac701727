/**
 * Where the federation keeps its aggregated weights: one folder (or S3 key prefix) per
 * round, `{group}/{project}/{round}` (reference, section 6). The Python side
 * (`vk8s_fl.storage`) writes the same layout; this module is the TypeScript half, used
 * by the render (server env, model-server env, pipeline steps) and by the outputs.
 */
import { Vk8sValidationError } from "../core/errors";

/** Where the aggregated weights live when the component's volume holds them. */
export const VOLUME_MOUNT_PATH = "/mnt/storage";
/** Models folder on the volume: rounds are `${MODELS_ROOT}/{group}/{project}/{round}`. */
export const MODELS_ROOT = `${VOLUME_MOUNT_PATH}/models`;
/** Data folder on the volume: downloads and preprocessed arrays, one folder per dataset. */
export const DATA_ROOT = `${VOLUME_MOUNT_PATH}/data`;

/**
 * Why a path segment (`group` or `project`) cannot be used, or `undefined` when it can.
 * A segment must be one folder name that is also a valid S3 key part and safe in a URL:
 * letters, digits, `.`, `_`, `-`, starting with a letter or digit, at most 63 characters,
 * and never `.` or `..`.
 */
export function pathSegmentError(value: string): string | undefined {
  if (value === "") return "is empty";
  if (value.includes("/")) return `${JSON.stringify(value)} contains '/'`;
  if (value === "." || value === "..") return `${JSON.stringify(value)} is a relative path segment`;
  if (value.length > 63) return `${JSON.stringify(value)} is ${value.length} characters, over 63`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(value)) {
    return `${JSON.stringify(value)} has characters other than letters, digits, '.', '_' and '-' or does not start with a letter or digit`;
  }
  return undefined;
}

/** `{group}/{project}`: the prefix under which every round of one project is stored. */
export function projectPrefix(group: string, project: string): string {
  const problems = [["group", group], ["project", project]]
    .map(([field, value]) => [field, pathSegmentError(value)] as const)
    .filter(([, e]) => e !== undefined)
    .map(([field, e]) => ({ path: field, message: e as string, fix: "use one folder name of letters, digits, '.', '_' or '-'" }));
  if (problems.length > 0) throw new Vk8sValidationError({ kind: "input", name: "storage prefix" }, problems);
  return `${group}/${project}`;
}

/** `{group}/{project}/{round}`: where the weights averaged in `round` (1, 2, ...) are stored. */
export function roundPrefix(group: string, project: string, round: number): string {
  const prefix = projectPrefix(group, project);
  if (!Number.isInteger(round) || round < 1) {
    throw new Vk8sValidationError({ kind: "input", name: "storage prefix" }, [{ path: "round", message: `${round} is not a whole number from 1`, fix: "rounds are counted from 1, as Flower does" }]);
  }
  return `${prefix}/${round}`;
}
