/**
 * kubeadm configuration as data: the files `kubeadm init --config` and `kubeadm join
 * --config` read, rendered deterministically with the `yaml` library (keys in the order
 * written here, no timestamps). Shipped to the node as data files of steps 02 and 06.
 *
 * kubeadm API version per Kubernetes minor (kubeadm's own docs, "kubeadm Configuration"
 * pages and the Go package docs of k8s.io/kubernetes/cmd/kubeadm/app/apis/kubeadm/v1beta*):
 *   - `kubeadm.k8s.io/v1beta2`: introduced in 1.15, deprecated in 1.22, removed in 1.26;
 *   - `kubeadm.k8s.io/v1beta3`: introduced in 1.22, deprecated in 1.31 (still read by
 *     kubeadm 1.34);
 *   - `kubeadm.k8s.io/v1beta4`: introduced in 1.31.
 * vk8s writes each minor the newest version it reads: v1beta2 up to 1.21, v1beta3 for
 * 1.22-1.30, v1beta4 from 1.31. v1beta4 changed `extraArgs`/`kubeletExtraArgs` from a map
 * to a list of `{ name, value }`; nothing else used here changed.
 *
 * Values only the node knows are placeholders that the step program fills in (and fails
 * when one is left): `@VK8S_NODE_IP@` (the IPv4 of the node interface), and for a join
 * `@VK8S_API_SERVER_ENDPOINT@`, `@VK8S_JOIN_TOKEN@`, `@VK8S_CA_CERT_HASH@` (from the join
 * command minted on the master, read on stdin: the token never sits in rendered data).
 */
import { stringify } from "yaml";
import type { ResolvedCluster, ResolvedNode } from "../cluster/resolved";
import { atLeast, minorOf } from "../core/version";
import { API_SERVER_PORT } from "../core/ports";
import { GPU_LABEL } from "./steps/context";

/**
 * The cgroup driver of the kink image's container runtime. The image has no systemd (PID 1 is
 * tini supervising containerd, sshd and the kubelet with runit: images/kink/README.md), and its
 * containerd runs runc with `SystemdCgroup = false` (the image records the same word in
 * /etc/vk8s/cgroup-driver), so the kubelet must use `cgroupfs` too. kubeadm defaults the kubelet
 * to `systemd` from Kubernetes 1.22 on, and a mismatch keeps every inner pod from starting: the
 * rendered KubeletConfiguration always names it. Change it here, and only here, for an image
 * whose runtime uses the systemd driver.
 */
export const KINK_RUNTIME_CGROUP_DRIVER: "systemd" | "cgroupfs" = "cgroupfs";

/** Placeholders filled in on the node by the step programs (`render_config` in programs/lib.sh). */
export const PLACEHOLDERS = {
  nodeIp: "@VK8S_NODE_IP@",
  apiServerEndpoint: "@VK8S_API_SERVER_ENDPOINT@",
  joinToken: "@VK8S_JOIN_TOKEN@",
  caCertHash: "@VK8S_CA_CERT_HASH@",
} as const;

export type KubeadmApiVersion = "kubeadm.k8s.io/v1beta2" | "kubeadm.k8s.io/v1beta3" | "kubeadm.k8s.io/v1beta4";

/** The kubeadm API version a Kubernetes minor (`1.20`) is given (see the module comment). */
export function kubeadmApiVersion(minor: string): KubeadmApiVersion {
  if (atLeast(minor, "1.31")) return "kubeadm.k8s.io/v1beta4";
  if (atLeast(minor, "1.22")) return "kubeadm.k8s.io/v1beta3";
  return "kubeadm.k8s.io/v1beta2";
}

/** What the configuration needs beyond the cluster. */
export interface KubeadmInput {
  /** `1.20.15` (no `v`). */
  kubernetesVersion: string;
  /** `<master hostname>:6443`. */
  controlPlaneEndpoint: string;
  /** Extra API server certificate names, after the master's hostname. */
  apiServerExtraSans: string[];
  /** kubeadm preflight checks ignored on every node. */
  ignorePreflightErrors: string[];
  /** Registry of the control-plane images (kube-apiserver, etcd, coredns, pause); kubeadm's default when undefined. */
  imageRepository?: string;
  /** Tag of the etcd image when it is not the one kubeadm pins (`etcd.local.imageTag`); kubeadm's when undefined. */
  etcdImageTag?: string;
}

/** kubelet flags per node: its IP on the node interface and the GPU label the device plugin step checks. */
function kubeletExtraArgs(apiVersion: KubeadmApiVersion, node: ResolvedNode): unknown {
  const args: [string, string][] = [["node-ip", PLACEHOLDERS.nodeIp], ["node-labels", `${GPU_LABEL}=${node.gpus}`]];
  return apiVersion === "kubeadm.k8s.io/v1beta4"
    ? args.map(([name, value]) => ({ name, value }))
    : Object.fromEntries(args);
}

function nodeRegistration(apiVersion: KubeadmApiVersion, node: ResolvedNode, input: KubeadmInput, master: boolean): Record<string, unknown> {
  return {
    name: node.name,
    kubeletExtraArgs: kubeletExtraArgs(apiVersion, node),
    ...(input.ignorePreflightErrors.length > 0 ? { ignorePreflightErrors: [...input.ignorePreflightErrors] } : {}),
    // vk8s clusters are small: the master runs workloads too (no control-plane taint).
    ...(master ? { taints: [] } : {}),
  };
}

/**
 * The kubelet of a node inside a container (kind's kubeadm config is the model):
 * - `cgroupDriver`: `KINK_RUNTIME_CGROUP_DRIVER`, the runtime's driver;
 * - `failSwapOn: false`: the host may have swap, which the vNode cannot turn off;
 * - `failCgroupV1: false` (field added in kubelet 1.31): cgroup v1 hosts stay usable;
 * - `imageGCHighThresholdPercent: 100` and `evictionHard` at `0%`: the filesystem the
 *   kubelet sees is the host's, shared with everything else there; evicting pods or
 *   deleting images because the host disk fills would only break the inner cluster (kind
 *   sets the same for the same reason).
 */
export function kubeletConfiguration(kubernetesVersion: string): Record<string, unknown> {
  return {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    cgroupDriver: KINK_RUNTIME_CGROUP_DRIVER,
    failSwapOn: false,
    ...(atLeast(minorOf(kubernetesVersion), "1.31") ? { failCgroupV1: false } : {}),
    imageGCHighThresholdPercent: 100,
    evictionHard: { "imagefs.available": "0%", "nodefs.available": "0%", "nodefs.inodesFree": "0%" },
  };
}

/**
 * kube-proxy inside a container cannot write the host's conntrack sysctls: `maxPerCore: 0`
 * leaves `nf_conntrack_max` alone, the two zero timeouts leave the TCP timeouts alone (as kind).
 */
export function kubeProxyConfiguration(): Record<string, unknown> {
  return {
    apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
    kind: "KubeProxyConfiguration",
    conntrack: { maxPerCore: 0, tcpEstablishedTimeout: "0s", tcpCloseWaitTimeout: "0s" },
  };
}

function documents(...docs: Record<string, unknown>[]): string {
  return docs.map((d) => stringify(d, { lineWidth: 0 })).join("---\n");
}

/** `kubeadm init --config`: InitConfiguration, ClusterConfiguration, KubeletConfiguration, KubeProxyConfiguration. */
export function renderInitConfiguration(cluster: ResolvedCluster, input: KubeadmInput): string {
  const apiVersion = kubeadmApiVersion(minorOf(input.kubernetesVersion));
  const init = {
    apiVersion,
    kind: "InitConfiguration",
    localAPIEndpoint: { advertiseAddress: PLACEHOLDERS.nodeIp, bindPort: API_SERVER_PORT },
    nodeRegistration: nodeRegistration(apiVersion, cluster.master, input, true),
  };
  const clusterConfiguration = {
    apiVersion,
    kind: "ClusterConfiguration",
    kubernetesVersion: `v${input.kubernetesVersion}`,
    controlPlaneEndpoint: input.controlPlaneEndpoint,
    ...(input.imageRepository ? { imageRepository: input.imageRepository } : {}),
    ...(input.etcdImageTag ? { etcd: { local: { imageTag: input.etcdImageTag } } } : {}),
    networking: { podSubnet: cluster.network.podNetworkCidr, serviceSubnet: cluster.network.serviceCidr },
    apiServer: { certSANs: [cluster.master.hostname, ...input.apiServerExtraSans] },
  };
  return documents(init, clusterConfiguration, kubeletConfiguration(input.kubernetesVersion), kubeProxyConfiguration());
}

/**
 * `kubeadm join --config`: the JoinConfiguration of one worker. The kubelet and kube-proxy
 * settings come from the cluster (kubeadm uploads them at init), so they are not repeated.
 */
export function renderJoinConfiguration(worker: ResolvedNode, input: KubeadmInput): string {
  const apiVersion = kubeadmApiVersion(minorOf(input.kubernetesVersion));
  return documents({
    apiVersion,
    kind: "JoinConfiguration",
    discovery: {
      bootstrapToken: {
        apiServerEndpoint: PLACEHOLDERS.apiServerEndpoint,
        token: PLACEHOLDERS.joinToken,
        caCertHashes: [PLACEHOLDERS.caCertHash],
      },
    },
    nodeRegistration: nodeRegistration(apiVersion, worker, input, false),
  });
}
