/**
 * Port facts of Kubernetes that vk8s relies on, each defined once (the bottom layer: it
 * imports nothing). The validation, the renderer, the bootstrap, the platform and the
 * federated-learning checks import them; `test/facts.test.ts` fails when one of these
 * numbers is written anywhere else in the code.
 */

/**
 * The NodePort range, inclusive: kube-apiserver's default `--service-node-port-range`
 * (`30000-32767`, Kubernetes docs "Service / type NodePort"). vk8s assumes it on the host
 * cluster and inside every virtual cluster (kubeadm keeps the default).
 */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

/** `30000-32767`: the range as messages write it. */
export const NODE_PORT_RANGE_TEXT = `${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`;

/** Whether `port` is a whole number inside {@link NODE_PORT_RANGE}. */
export function isNodePort(port: number): boolean {
  return Number.isInteger(port) && port >= NODE_PORT_RANGE.min && port <= NODE_PORT_RANGE.max;
}

/**
 * The NodePort the samples give Kubeflow inside a virtual cluster (istio-ingressgateway on
 * the master vNode; reference, section 2): the first port of {@link NODE_PORT_RANGE}.
 */
export const KUBEFLOW_NODE_PORT = NODE_PORT_RANGE.min;

/**
 * Port of a virtual cluster's kube-apiserver on the master vNode: kubeadm's default
 * `localAPIEndpoint.bindPort` (6443), also the port of the `<cluster>-apiserver` Service.
 */
export const API_SERVER_PORT = 6443;

/**
 * The TCP/UDP port numbers, inclusive: 1-65535 (16-bit; port 0 is reserved and means "any
 * port" to the socket API, RFC 6335 section 6). Every "is a port" rule of vk8s uses it.
 */
export const PORT_RANGE = { min: 1, max: 65535 } as const;

/** `1-65535`: the range as messages write it. */
export const PORT_RANGE_TEXT = `${PORT_RANGE.min}-${PORT_RANGE.max}`;

/** Whether `port` is a whole number inside {@link PORT_RANGE}. */
export function isPort(port: unknown): port is number {
  return typeof port === "number" && Number.isInteger(port) && port >= PORT_RANGE.min && port <= PORT_RANGE.max;
}
