/** Federated learning on a virtual cluster: spec, validation, objects and pipeline (pure). */
export * from "./spec";
export { validateFederatedLearning, resolveFederatedLearning } from "./validate";
export type { FederatedLearningValidation } from "./validate";
export { renderFederatedLearning, renderResolved } from "./render";
export { renderPipeline, pipelineYaml, pipelineSteps } from "./pipeline";
export type { ArgoWorkflow } from "./pipeline";
export { roundPrefix, projectPrefix, pathSegmentError, MODELS_ROOT, DATA_ROOT, VOLUME_MOUNT_PATH } from "./storage";
export { flNames, inClusterPredictUrl, inClusterServerAddress } from "./names";
export { FL_MODULES, FL_FLAGS, flEnvName, modelConfigFor, TRAINING_DEFAULTS } from "./contract";
