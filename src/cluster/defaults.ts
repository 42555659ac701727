/**
 * Every default of a virtual cluster spec, in one place. `resolveCluster()` applies them;
 * docs and the CLI quote them from here.
 */
import { VK8S_IMAGE_TAG } from "../matrix/table";
import type { NodeInput } from "./schema";

/** The node a cluster gets when `nodes` is omitted: one master, modest requests, no GPU. */
const DEFAULT_NODE: NodeInput = {
  name: "master",
  role: "master",
  resources: { requests: { cpu: "2", memory: "8Gi" } },
};

export const DEFAULTS = {
  /** `kubernetes.podNetworkCidr`: the inner cluster's pod network (kubeadm/calico default). */
  podNetworkCidr: "10.244.0.0/16",
  /** `kubernetes.serviceCidr`: the inner cluster's service network (kubeadm default). */
  serviceCidr: "10.96.0.0/12",
  /**
   * `accessPodImage`: the SSH access pod (jump host). vk8s's own image, built from
   * images/access by scripts/images.sh and tagged with the vk8s package version: an OpenSSH
   * server on port 22 following panubo/sshd's conventions (`SSH_USERS`, keys in
   * /etc/authorized_keys/<user>), so panubo/sshd or a mirror of it also works.
   */
  accessPodImage: `ghcr.io/vk8s/access:${VK8S_IMAGE_TAG}`,
  /** `accessPodPort`: the port sshd listens on in the access pod. */
  accessPodPort: 22,
  /**
   * `imageRepository`: repository of the kink vNode images (built from `images/kink`);
   * the tag is `v<kubernetes minor>`, e.g. `ghcr.io/vk8s/kink:v1.20`.
   */
  imageRepository: "ghcr.io/vk8s/kink",
  /**
   * `nodes`: when omitted, one master named `master` requesting 2 CPUs and 8Gi (no limits,
   * no GPU). Kubeflow itself wants more (1.9: 16 CPU / 32 GB): size real clusters explicitly.
   */
  node: DEFAULT_NODE,
  /** `ports[].targetPort`: the same number as `port`. */
  targetPortSameAsPort: true,
  /** `labels`, `nodes[].labels`, `nodes[].nodeSelector`: none. */
  labels: {} as Record<string, string>,
} as const;
