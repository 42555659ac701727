/**
 * Rules for `kubernetes.podNetworkCidr` / `kubernetes.serviceCidr`: IPv4 blocks (IPv6 parses
 * but is refused here: single-stack IPv4 until dual-stack is supported), big enough,
 * not overlapping each other nor the host cluster's networks (`hostCidrs`).
 */
import { quote } from "../../core/errors";
import { cidrsOverlap, parseCidr, type Cidr } from "../../core/cidr";
import { DEFAULTS } from "../defaults";
import type { Problem } from "../../core/errors";
import type { LooseSpec } from "../shape";
import { nodesOf } from "./nodes";

/** kube-controller-manager's default `--node-cidr-mask-size`: every node takes a /24 of the pod network. */
export const NODE_CIDR_PREFIX = 24;
/** kube-apiserver refuses IPv4 service ranges larger than /12. */
export const LARGEST_SERVICE_PREFIX = 12;

/** Where each host CIDR came from: the spec's `hostCidrs` or the caller's options. */
export interface HostCidr {
  path: string;
  text: string;
}

export function checkNetwork(spec: LooseSpec, hostCidrs: HostCidr[]): Problem[] {
  const problems: Problem[] = [];
  /** `hostNetwork`: a host cluster's block, which may be IPv6 (a dual-stack host); it never overlaps an IPv4 block. */
  const parse = (path: string, text: string, example: string, hostNetwork = false): Cidr | undefined => {
    const cidr = parseCidr(text);
    if (!cidr) {
      problems.push({ path, message: `${quote(text)} is not an IPv4 CIDR`, fix: `write it like ${example}` });
    } else if (cidr.family !== "ipv4" && !hostNetwork) {
      problems.push({ path, message: `${cidr.text} is an IPv6 CIDR; vk8s clusters are single-stack IPv4`, fix: `use an IPv4 block like ${example}` });
      return undefined;
    } else if (cidr.hostBitsSet) {
      problems.push({ path, message: `${text} has address bits set after the /${cidr.prefix} prefix`, fix: `write ${cidr.text}` });
      return undefined;
    }
    return cidr;
  };
  const podPath = "kubernetes.podNetworkCidr";
  const servicePath = "kubernetes.serviceCidr";
  const podText = spec.kubernetes?.podNetworkCidr ?? DEFAULTS.podNetworkCidr;
  const serviceText = spec.kubernetes?.serviceCidr ?? DEFAULTS.serviceCidr;
  const pod = parse(podPath, podText, "10.244.0.0/16");
  const service = parse(servicePath, serviceText, "10.96.0.0/12");
  const hosts = hostCidrs.map((h) => ({ ...h, cidr: parse(h.path, h.text, "10.244.0.0/16", true) }));

  const nodeCount = nodesOf(spec).length;
  const nodeSubnets = pod && pod.prefix <= NODE_CIDR_PREFIX ? 2 ** (NODE_CIDR_PREFIX - pod.prefix) : 0;
  if (pod && nodeSubnets < nodeCount) {
    problems.push({
      path: podPath,
      message: `${pod.text} cannot give each of the ${nodeCount} node(s) its own /${NODE_CIDR_PREFIX}`,
      fix: `use a larger block, e.g. a /16`,
    });
  }
  if (service && service.prefix < LARGEST_SERVICE_PREFIX) {
    problems.push({
      path: servicePath,
      message: `${service.text} is larger than the /${LARGEST_SERVICE_PREFIX} the API server accepts`,
      fix: `use a prefix of /${LARGEST_SERVICE_PREFIX} or longer, e.g. 10.96.0.0/12`,
    });
  }
  if (pod && service && cidrsOverlap(pod, service)) {
    problems.push({ path: servicePath, message: `${service.text} overlaps ${podPath} ${pod.text}`, fix: "choose blocks that do not overlap, e.g. 80.244.0.0/16 and 80.96.0.0/12" });
  }
  for (const [path, own] of [[podPath, pod], [servicePath, service]] as const) {
    for (const host of hosts) {
      if (own && host.cidr && cidrsOverlap(own, host.cidr)) {
        problems.push({ path, message: `${own.text} overlaps the host cluster's ${host.cidr.text} (${host.path})`, fix: "choose a block outside the host's networks" });
      }
    }
  }
  return problems;
}
