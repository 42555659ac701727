/**
 * Every default of a virtual cluster, in one place (the README names this module): the spec
 * (`DEFAULTS`, applied by `resolveCluster()`), the host objects' render options
 * (`HOST_RENDER_DEFAULTS`, applied by `src/render`) and the bootstrap options
 * (`BOOTSTRAP_DEFAULTS`, applied by `resolveBootstrapOptions()` in `src/bootstrap/options.ts`,
 * which checks they are a complete `BootstrapOptions`). Docs and the CLI quote them from here.
 * This module sits in the cluster layer, so it imports only the matrix table and the core.
 */
import { ADDON_VERSIONS, BUSYBOX_IMAGE, VK8S_IMAGE_TAG } from "../matrix/table";
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
} as const;

/** Defaults of the host objects' render options (`HostRenderOptions`, src/render/types.ts). */
export const HOST_RENDER_DEFAULTS = {
  /**
   * `nodeStorage.size`: a vNode's node-state claim: containerd's images (Kubeflow's are
   * several GiB per node), etcd, the kubelet's pods and the inner local-path volumes of the node.
   */
  nodeStorageSize: "50Gi",
  /** `userStorage.mountPath`: where the user's claim is mounted in every vNode (the platform's `storageMountPath` too). */
  userStorageMountPath: "/mnt/vk8s-storage",
} as const;

/** `bootstrap.apply`: the bounded retry of the Kubeflow manifests' apply (seconds). */
const APPLY_RETRY_DEFAULTS = {
  attempts: 30,
  backoffSeconds: 10,
  maxBackoffSeconds: 120,
  timeoutSeconds: 1800,
};

/**
 * Defaults of the bootstrap options (`BootstrapOptions`, src/bootstrap/types.ts, which
 * documents each option): upstream sources, calico, the local-path default StorageClass,
 * plain-HTTP exposure on the NodePort.
 */
export const BOOTSTRAP_DEFAULTS = {
  kubeflowSource: { kind: "upstream" as const },
  kustomizeSource: { kind: "upstream" as const },
  calicoSource: { kind: "upstream" as const },
  devicePluginSource: { kind: "upstream" as const },
  defaultStorageClass: "local-path" as const,
  localPathSource: { kind: "upstream" as const },
  localPathProvisionerImage: `docker.io/rancher/local-path-provisioner:v${ADDON_VERSIONS.localPath}`,
  localPathHelperImage: BUSYBOX_IMAGE,
  /** Where the inner local-path provisioner keeps volumes: a node-state path (`VNODE_STATE_PATHS`), so user data survives the pod. */
  localPathDir: "/opt/local-path-provisioner",
  apply: APPLY_RETRY_DEFAULTS,
  /** Seconds each wait of a step may take. */
  waitTimeoutSeconds: 600,
  exposure: "http-nodeport" as const,
  nodeInterface: "eth0",
  kubeadmIgnorePreflightErrors: ["Swap", "SystemVerification"],
  apiServerExtraSans: [] as string[],
  imageArchives: [],
  cni: "calico" as const,
  /** vk8s's flannel image (images/flannel, built by scripts/images.sh) at the matrix's flannel release. */
  flannelImage: `ghcr.io/vk8s/flannel:v${ADDON_VERSIONS.flannel}`,
};

// ---- Component defaults (what `Vk8sCluster`, `Vk8sPlatform` and `FederatedLearning` take
// besides the spec). The components read them through src/plan; their docstrings quote them.

/**
 * Defaults of the component arguments that are not part of the cluster spec. Applied by
 * src/plan (`outputs.ts`: endpoints, SSH routes; `federatedLearning.ts`).
 */
export const COMPONENT_DEFAULTS = {
  /** `hostAddress`: where users reach the NodePorts when none is given (the local host). */
  hostAddress: "127.0.0.1",
  /** `ssh.user`: the login user on the vNodes (kink images run sshd for root). */
  sshUser: "root",
  /** `ssh.perDialTimeout`: seconds one SSH dial may take. */
  perDialTimeout: 10,
  /** `ssh.dialErrorLimit`: dial attempts before a bootstrap step fails as unreachable (6 x 10 s: about a minute). */
  dialErrorLimit: 6,
} as const;
