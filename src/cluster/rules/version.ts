/**
 * Which Kubernetes version a spec asks for: `kubernetes.version`, else the tag of the
 * node images (`kink:v1.20` means 1.20), else none (the matrix picks). Every node image
 * must agree with it.
 */
import { quote } from "../../core/errors";
import { parseKubernetesVersion } from "../../matrix/resolve";
import { minorOf, parseVersion } from "../../core/version";
import type { Problem } from "../../core/errors";
import type { LooseSpec } from "../shape";
import { nodesOf } from "./nodes";

/** The Kubernetes version a spec names, and the field it came from (for error paths). */
export interface RequestedKubernetes {
  /** As written (`1.20`, `v1.20.15`), `undefined` when the spec leaves it to the matrix. */
  version?: string;
  /** `kubernetes.version` or `nodes[i].image`. */
  source: string;
}

/** The tag of an image reference (`repo:tag@digest`), `undefined` when untagged. */
export function imageTag(image: string): string | undefined {
  const withoutDigest = image.split("@")[0];
  const lastSegment = withoutDigest.slice(withoutDigest.lastIndexOf("/") + 1);
  const colon = lastSegment.indexOf(":");
  return colon >= 0 ? lastSegment.slice(colon + 1) : undefined;
}

/** `v1.20` / `v1.20.15` / `v1.20-ubuntu` -> `1.20` (or `1.20.15`); `undefined` when the tag names no version. */
export function kubernetesVersionOfTag(tag: string): string | undefined {
  const parsed = parseVersion(tag, "tag");
  if (!parsed) return undefined;
  return parsed.patchGiven ? parsed.version.version : minorOf(parsed.version);
}

export function requestedKubernetes(spec: LooseSpec): { requested: RequestedKubernetes; problems: Problem[] } {
  const problems: Problem[] = [];
  const explicit = spec.kubernetes?.version;
  let requested: RequestedKubernetes = { version: explicit, source: "kubernetes.version" };
  const reference = explicit === undefined ? undefined : parseKubernetesVersion(explicit);
  let referenceMinor = reference?.minor;
  let referencePatch = reference?.patch;
  nodesOf(spec).forEach((node, i) => {
    if (node?.image === undefined) return;
    const path = `nodes[${i}].image`;
    const tag = imageTag(node.image);
    const version = tag === undefined ? undefined : kubernetesVersionOfTag(tag);
    if (tag === undefined || version === undefined) {
      const what = tag === undefined ? "has no tag" : `tag ${quote(tag)} names no Kubernetes version`;
      problems.push({ path, message: `${what}; the kink image tag gives the node's Kubernetes version`, fix: "use a kink image tagged like :v1.20" });
      return;
    }
    const parsed = parseKubernetesVersion(version) as { minor: string; patch?: string };
    if (explicit !== undefined && reference === undefined) return; // kubernetes.version itself is malformed: reported by the matrix
    if (referenceMinor === undefined) {
      requested = { version, source: path };
      referenceMinor = parsed.minor;
      referencePatch = parsed.patch;
      return;
    }
    const against = requested.source === "kubernetes.version" ? `kubernetes.version is ${explicit}` : `${requested.source} means Kubernetes ${requested.version}`;
    const patchClash = parsed.patch !== undefined && referencePatch !== undefined && parsed.patch !== referencePatch;
    if (parsed.minor !== referenceMinor || patchClash) {
      const fix = requested.source === "kubernetes.version"
        ? `use a kink image tagged v${referencePatch ?? referenceMinor}, or set kubernetes.version to ${version}`
        : "use the same Kubernetes version on every node";
      problems.push({ path, message: `tag ${tag} means Kubernetes ${version} but ${against}`, fix });
    }
  });
  return { requested, problems };
}
