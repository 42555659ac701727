/** Object naming lives in the bottom layer (`src/core/naming.ts`); this path keeps its importers working. */
export {
  HOST_CLUSTER_DOMAIN,
  MAX_STATEFULSET_NAME,
  headlessServiceNameFor,
  namespaceFor,
  podNameFor,
  statefulSetNameFor,
  vNodeHostname,
} from "../core/naming";
