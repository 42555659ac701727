/**
 * `planFederatedLearning`: everything `FederatedLearning` computes before it registers
 * anything, as data: the validated spec, its objects, and its outputs (which registered
 * object each is read from, the endpoints as pure functions of the host address and the
 * NodePorts Kubernetes gives). Pure: no Pulumi.
 */
import { COMPONENT_DEFAULTS } from "../cluster/defaults";
import type { K8sObject } from "../render/types";
import { flNames, inClusterPredictUrl, PIPELINE_KEY } from "../fl/names";
import { renderResolved } from "../fl/render";
import { projectPrefix } from "../fl/storage";
import { resolveFederatedLearning } from "../fl/validate";
import type { FederatedLearningSpec, ResolvedFederatedLearning } from "../fl/spec";
import { keyOf as key, objectKey } from "./names";

/** What each output of `FederatedLearning` is read from; keys are `<kind>/<object name>`. */
export interface FlOutputsPlan {
  /** The Namespace, when the plan creates it: the `namespace` output waits for it. */
  namespace?: string;
  /** The Flower server's Service, whose NodePort clients dial (the planned `server.nodePort` when it reports none). */
  serverService: { key: string; nodePort: number };
  /** `{group}/{project}`. */
  storagePrefix: string;
  /** The ConfigMap holding the pipeline package, and its key. */
  pipeline: { key: string; dataKey: string };
  /**
   * `deployment`: the model server's Service and planned NodePort (`predictUrl` of them).
   * `kserve`: the InferenceService, whose in-cluster URL is `inClusterPredictUrl` once it exists.
   */
  predict: { mode: "deployment"; key: string; nodePort: number } | { mode: "kserve"; key: string; url: string };
}

/** The plan of a federated-learning deployment. */
export interface FlPlan {
  spec: ResolvedFederatedLearning;
  objects: K8sObject[];
  outputs: FlOutputsPlan;
}

/** Validates `input` (`name` defaults to `name`; throws every problem at once) and plans it. */
export function planFederatedLearning(name: string, input: FederatedLearningSpec): FlPlan {
  const spec = resolveFederatedLearning({ ...input, name: input.name ?? name });
  const names = flNames(spec);
  const objects = renderResolved(spec);
  const namespace = objects.find((o) => o.kind === "Namespace");
  return {
    spec,
    objects,
    outputs: {
      ...(namespace ? { namespace: objectKey(namespace) } : {}),
      serverService: { key: key("Service", names.flowerServer), nodePort: spec.server.nodePort },
      storagePrefix: projectPrefix(spec.group, spec.project),
      pipeline: { key: key("ConfigMap", names.pipeline), dataKey: PIPELINE_KEY },
      predict: spec.serving.mode === "kserve"
        ? { mode: "kserve", key: key("InferenceService", names.modelServer), url: inClusterPredictUrl(spec) }
        : { mode: "deployment", key: key("Service", names.modelServer), nodePort: spec.serving.nodePort },
    },
  };
}

/** `hostAddress`, or its default (`COMPONENT_DEFAULTS.hostAddress`). */
export function flHostAddress(hostAddress: string | undefined): string {
  return hostAddress ?? COMPONENT_DEFAULTS.hostAddress;
}

/** `serverEndpoint`: `<hostAddress>:<Flower server NodePort>`. */
export function serverEndpoint(hostAddress: string, nodePort: number): string {
  return `${hostAddress}:${nodePort}`;
}

/** `predictUrl` in deployment mode: `http://<hostAddress>:<model server NodePort>/v1/models/<model>:predict`. */
export function hostPredictUrl(spec: Pick<ResolvedFederatedLearning, "model">, hostAddress: string, nodePort: number): string {
  return `http://${hostAddress}:${nodePort}/v1/models/${spec.model.name}:predict`;
}
