/** Pure rendering of a virtual cluster's host objects, scripts and files. */
export * from "./types";
export { toYaml, toYamlDocuments } from "./yaml";
export { renderHostObjects, renderNamespace, checkHostRenderOptions } from "./host";
export { NODE_PORT_RANGE, API_SERVER_PORT } from "../core/ports";
export { renderClusterFiles, hostFilePath, type RenderedFile } from "./files";
export { renderGpuIsolationScript, vNodeResources, gpuEnv, GPU_RESOURCE, NVIDIA_DEVICES_DIR, VNODE_CONFIG_DIR, GPU_LIST_FILE, GPU_ENV_FILE } from "./gpu";
export { renderVNodeStartScript, renderVNodeStatefulSet, renderBootConfigMap, VNODE_SSH_PORT, VNODE_BOOT_DIR, VNODE_SSH_DIR, KINK_INIT, VNODE_STATE_PATHS, VNODE_CONTAINER, USER_STORAGE_VOLUME, USER_STORAGE_MOUNT_PATH } from "./vnode";
export { renderAccessDeployment, renderSshConfigMap, renderSshService, ACCESS_SSH_USER, AUTHORIZED_KEYS_HASH_ANNOTATION, authorizedKeys, authorizedKeysHash } from "./access";
export { renderHeadlessService, renderApiServerService, renderPortService } from "./services";
export * from "./labels";
export * from "./names";
