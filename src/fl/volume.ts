/**
 * The volume of a federated-learning deployment: one PersistentVolumeClaim for the data
 * (download, preprocessed arrays) and, unless S3 is used, the models.
 *
 *   /mnt/storage/data/<dataset>/raw           what download-data fetched
 *   /mnt/storage/data/<dataset>/arrays.npz    fixed-size arrays written by preprocess
 *   /mnt/storage/models/{group}/{project}/{round}/weights.npz, meta.json
 */
import type { K8sObject } from "../render/types";
import { flLabels, flNames } from "./names";
import type { ResolvedFederatedLearning } from "./spec";
import { DATA_ROOT } from "./storage";

/** The claim the Flower server, the model server and the pipeline mount. */
export function renderStorageClaim(spec: ResolvedFederatedLearning): K8sObject {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: flNames(spec).storage, namespace: spec.namespace, labels: flLabels(spec, "storage") },
    spec: {
      accessModes: [spec.storage.accessMode],
      resources: { requests: { storage: spec.storage.size } },
      ...(spec.storage.storageClassName !== undefined ? { storageClassName: spec.storage.storageClassName } : {}),
    },
  };
}

/** Where the pipeline keeps one dataset on the volume. */
export function dataPaths(spec: Pick<ResolvedFederatedLearning, "dataset">): { rawDir: string; arrays: string } {
  return { rawDir: `${DATA_ROOT}/${spec.dataset}/raw`, arrays: `${DATA_ROOT}/${spec.dataset}/arrays.npz` };
}
