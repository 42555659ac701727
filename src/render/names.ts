/**
 * Names of the host objects of one virtual cluster: they live in the bottom layer
 * (`src/core/naming.ts`, with the namespace, StatefulSet, pod and headless-service names the
 * validation uses for its length checks); this path keeps its importers working.
 */
export {
  RESERVED_PORT_NAMES,
  accessName,
  apiServerServiceName,
  bootConfigMapName,
  headlessServiceName,
  portServiceName,
  sshConfigMapName,
  sshServiceName,
} from "../core/naming";
