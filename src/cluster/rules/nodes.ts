/** Rules for `nodes[]`: names, one master, tolerations, per-node labels and resources. */
import { DEFAULTS } from "../defaults";
import { formatPath, type Problem, quote } from "../../core/errors";
import { dns1123LabelError, imageReferenceError, labelKeyError, labelValueError } from "../../core/names";
import { MAX_STATEFULSET_NAME, statefulSetNameFor } from "../../core/naming";
import type { LooseSpec } from "../shape";
import { checkLabels } from "./labels";
import { checkResources } from "./resources";

/** Upper bound of `tolerations[].tolerationSeconds`: a year (Kubernetes takes an int64; no real taint waits longer). */
export const MAX_TOLERATION_SECONDS = 365 * 24 * 3600;

type LooseNode = NonNullable<NonNullable<LooseSpec["nodes"]>[number]>;

/** The nodes a spec stands for: its own, or the default single master when omitted. */
export function nodesOf(spec: LooseSpec): (LooseNode | undefined)[] {
  return spec.nodes ?? [DEFAULTS.node];
}

export function checkNodes(cluster: string, spec: LooseSpec): Problem[] {
  const nodes = nodesOf(spec);
  if (nodes.length === 0) return [{ path: "nodes", message: "is empty", fix: "add one node with role: master, or omit nodes for the default single master" }];
  const problems: Problem[] = [];
  const firstByName = new Map<string, number>();
  nodes.forEach((node, i) => {
    if (!node) return;
    if (node.name !== undefined) problems.push(...checkNodeName(cluster, node.name, i, firstByName));
    problems.push(...checkResources(["nodes", i, "resources"], node.resources));
    problems.push(...checkLabels(["nodes", i, "labels"], node.labels, true));
    problems.push(...checkLabels(["nodes", i, "nodeSelector"], node.nodeSelector, false));
    problems.push(...checkTolerations(node, i));
    const imageError = node.image === undefined ? undefined : imageReferenceError(node.image);
    if (imageError) problems.push({ path: `nodes[${i}].image`, message: imageError, fix: "write a kink image like ghcr.io/vk8s/kink:v1.20, or omit it" });
  });
  problems.push(...checkMaster(nodes));
  return problems;
}

/** `nodes[i].name`: a DNS-1123 label, unique (`firstByName` holds the names seen), short enough for its StatefulSet name. */
export function checkNodeName(cluster: string, name: string, i: number, firstByName: Map<string, number>): Problem[] {
  const path = `nodes[${i}].name`;
  const nameError = dns1123LabelError(name);
  if (nameError) return [{ path, message: nameError, fix: "rename the node, e.g. master or worker-1" }];
  const first = firstByName.get(name);
  if (first !== undefined) return [{ path, message: `${quote(name)} is already the name of nodes[${first}]`, fix: "give every node a unique name" }];
  firstByName.set(name, i);
  const sts = statefulSetNameFor(cluster, name);
  if (sts.length > MAX_STATEFULSET_NAME) {
    return [{
      path,
      message: `StatefulSet name ${quote(sts)} (<cluster>-<node>) is ${sts.length} characters, over the ${MAX_STATEFULSET_NAME} Kubernetes allows`,
      fix: "shorten the cluster name or the node name",
    }];
  }
  return [];
}

/** Exactly one master: high-availability control planes (several masters) are not supported yet. */
function checkMaster(nodes: (LooseNode | undefined)[]): Problem[] {
  if (nodes.some((n) => n?.role === undefined)) return []; // a role is missing or mistyped: already reported
  const masters = nodes.flatMap((n, i) => (n?.role === "master" ? [i] : []));
  if (masters.length === 0) return [{ path: "nodes", message: "has no node with role master", fix: "give exactly one node role: master" }];
  return masters.slice(1).map((i) => ({
    path: `nodes[${i}].role`,
    message: `is a second master (nodes[${masters[0]}] is the master); high-availability control planes are not supported yet`,
    fix: "set role: worker; a virtual cluster has exactly one master",
  }));
}

function checkTolerations(node: LooseNode, i: number): Problem[] {
  const problems: Problem[] = [];
  (node.tolerations ?? []).forEach((t, j) => {
    if (!t) return;
    const path = (field: string) => formatPath(["nodes", i, "tolerations", j, field]);
    if (t.operator === "Exists" && t.value) {
      problems.push({ path: path("value"), message: "must be empty when operator is Exists", fix: "remove value, or use operator: Equal" });
    }
    if (!t.key && t.operator !== "Exists") {
      problems.push({ path: path("key"), message: "is required unless operator is Exists", fix: "set key, or use operator: Exists to tolerate every taint" });
    }
    // The Kubernetes rules of a toleration (core validation ValidateTolerations): key a label key, value a label value.
    const keyError = t.key ? labelKeyError(t.key) : undefined;
    if (keyError) problems.push({ path: path("key"), message: keyError.replace(/^label key/, "toleration key"), fix: "write the taint's key, e.g. nvidia.com/gpu or dedicated" });
    const valueError = t.value ? labelValueError(t.value) : undefined;
    if (valueError) problems.push({ path: path("value"), message: valueError.replace(/^label value/, "toleration value"), fix: "write the taint's value, e.g. ml-team-a" });
    if (t.tolerationSeconds !== undefined && (t.tolerationSeconds < 0 || t.tolerationSeconds > MAX_TOLERATION_SECONDS)) {
      problems.push({ path: path("tolerationSeconds"), message: `${t.tolerationSeconds} is not within 0-${MAX_TOLERATION_SECONDS} seconds`, fix: "give the seconds to stay after the taint appears, e.g. 300" });
    }
    if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute") {
      problems.push({ path: path("tolerationSeconds"), message: "only applies to effect NoExecute", fix: "set effect: NoExecute or remove tolerationSeconds" });
    }
  });
  return problems;
}
