/**
 * Structural patches of a fetched manifest, built by the node's own `kubectl kustomize`
 * (calico, the local-path provisioner). Kubernetes before 1.21 embeds kustomize 2.0.3,
 * which knows `patchesJson6902` only; 1.21+ get the `patches` field (`patchesJson6902` is
 * deprecated in kustomize 5).
 */
import { stringify } from "yaml";
import { atLeast } from "../core/version";

/** The object a JSON patch file applies to. */
export interface PatchTarget {
  group?: string;
  version: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** A kustomization over `resources` with one JSON patch file per target, in the field the node's kubectl knows. */
export function jsonPatchKustomization(kubernetesMinor: string, resources: string[], patches: { target: PatchTarget; path: string }[]): string {
  return stringify({
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    resources,
    ...(atLeast(kubernetesMinor, "1.21") ? { patches } : { patchesJson6902: patches }),
  });
}
