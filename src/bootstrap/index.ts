/** Bootstrap of a virtual cluster: kubeadm configuration as data, static step programs and the step graph (no Pulumi here). */
export type {
  ApplyRetry, BootstrapOptions, BootstrapOptionsInput, BootstrapStep, Exposure, ImageArchiveSource, ManifestSource, Phase, StepProgram, StepStdin,
} from "./types";
export { planBootstrap, STEP_IDS, stepDigest } from "./plan";
export { renderBootstrapFiles, type RenderedFile } from "./files";
export { digest, hashDexPassword, newDexPasswordSalt, DEX_BCRYPT_COST } from "./password";
export { DEFAULT_BOOTSTRAP_OPTIONS, DEFAULT_APPLY_RETRY, resolveBootstrapOptions } from "./options";
export { DEVICE_PLUGIN_VERSION } from "./sources";
export { KINK_RUNTIME_CGROUP_DRIVER, kubeadmApiVersion, renderInitConfiguration, renderJoinConfiguration } from "./kubeadm";
export { bundle, programNames, programText } from "./bundle";
