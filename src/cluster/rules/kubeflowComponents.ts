/**
 * Rule for `kubeflow.components`: a non-empty list of the apps the chosen Kubeflow line
 * ships (`src/matrix/components.ts`), each named once. Platform components (cert-manager,
 * istio, dex, the auth proxy, Profiles, the Central Dashboard) and dependencies (knative)
 * are added automatically and are not chosen.
 */
import { KUBEFLOW_COMPONENTS, selectableComponents } from "../../matrix/components";
import { listChoices } from "../../matrix/resolve";
import type { Problem } from "../../core/errors";
import type { LooseSpec } from "../shape";

/** Problems of `kubeflow.components` for the line the matrix chose (`undefined`: the version is already reported). */
export function checkKubeflowComponents(spec: LooseSpec, line: string | undefined): Problem[] {
  const chosen = spec.kubeflow?.components;
  if (chosen === undefined || line === undefined) return [];
  const choices = selectableComponents(line);
  if (chosen.length === 0) {
    return [{ path: "kubeflow.components", message: "is empty", fix: `name at least one of ${listChoices(choices)}, or leave it out for the full example` }];
  }
  const problems: Problem[] = [];
  const seen = new Set<string>();
  chosen.forEach((name, i) => {
    if (name === undefined) return;
    const path = `kubeflow.components[${i}]`;
    const known = KUBEFLOW_COMPONENTS.find((c) => c.name === name);
    if (seen.has(name)) {
      problems.push({ path, message: `${JSON.stringify(name)} is named twice`, fix: "name each component once" });
    } else if (known && known.kind !== "app") {
      problems.push({ path, message: `${JSON.stringify(name)} is a ${known.kind} component, added automatically`, fix: `remove it; choose among ${listChoices(choices)}` });
    } else if (known && !choices.includes(name)) {
      problems.push({ path, message: `${JSON.stringify(name)} is not shipped by Kubeflow ${line} (it came in ${known.since})`, fix: `choose among ${listChoices(choices)}, or a newer Kubeflow line` });
    } else if (!known) {
      problems.push({ path, message: `${JSON.stringify(name)} is not a Kubeflow component vk8s knows`, fix: `choose among ${listChoices(choices)}` });
    }
    seen.add(name);
  });
  return problems;
}
