/**
 * The bootstrap of a virtual cluster as a graph of steps. Each step runs one static
 * program of `src/bootstrap/programs/` on one vNode (over SSH, through the access pod) with
 * its data (`StepProgram`); the component turns each step into one
 * `command.remote.Command`, chained with `dependsOn`, whose text carries program and data
 * (`bundle.ts`).
 *
 * What a kink vNode image must provide for these programs (checked by `01-wait-master` and
 * by every `06-join-<node>`): POSIX `sh`, `kubeadm`, `kubelet` and `kubectl` of the
 * cluster's Kubernetes version, a container runtime socket (containerd, Docker,
 * cri-dockerd or CRI-O), systemd running kubelet with the kubeadm drop-in (which reads
 * `KUBELET_EXTRA_ARGS` from `/etc/default/kubelet`: the bootstrap owns that file), and
 * `curl`, `tar`, `awk`, `sed`, `grep`, `timeout`, `mktemp`, `ip` (iproute2), and `ctr` when
 * image archives are preloaded.
 */

/** What a step runs: a static program and the data it reads. */
export interface StepProgram {
  /** File name in `src/bootstrap/programs/`, e.g. `calico.sh`. */
  program: string;
  /** The `VK8S_*` variables the program reads (its `step.env`); never a secret. */
  env: Record<string, string>;
  /**
   * Data files, by path relative to the step directory (and to `bootstrap/` in
   * `vk8s render`), e.g. `kubeadm/init.yaml`; never a secret.
   */
  files: { path: string; content: string }[];
}

/** Install phases, in order, as the original system reported them (reference, section 2). */
export const PHASES = [
  "Waiting: creating node",
  "Installing: configuring master node",
  "Installing: installing kubeflow",
  "Running",
] as const;

/** One of {@link PHASES}. */
export type Phase = (typeof PHASES)[number];

/** What a step reads on stdin. Secrets are passed by reference: never inlined in a script. */
export type StepStdin =
  /** The bcrypt hash of the Kubeflow password (`hashDexPassword`), supplied by the component. */
  | { secret: "dexPasswordHash" }
  /** The stdout of another step, e.g. the join command minted on the master. */
  | { stepOutput: string };

export interface BootstrapStep {
  /**
   * Stable id: `<NN>-<step>`, e.g. `02-kubeadm-init`, `06-join-<node>`. Used as the
   * resource name suffix and as the file name (`bootstrap/<id>.sh`). `NN` orders the
   * files; the order of the `planBootstrap` array is a topological order of `dependsOn`.
   */
  id: string;
  /** One line for humans. */
  title: string;
  /** Name of the node whose vNode runs `script`. */
  node: string;
  /** The install phase this step belongs to. */
  phase: Phase;
  /** The static program and the data it runs with. */
  run: StepProgram;
  /** The command text (`bundle.ts`): carries `run` to the vNode and runs it; deterministic. */
  script: string;
  /** What to pipe into the script, if anything. */
  stdin?: StepStdin;
  /** stdout/stderr carry or may carry a secret (tokens, kubeconfig, hashes): keep out of logs, mark secret. */
  secretOutput: boolean;
  /** Ids of the steps that must have succeeded before this one starts (direct dependencies only). */
  dependsOn: string[];
  /**
   * Deterministic strings; the step must re-run when one of them changes, and only then
   * (besides a change of `script` itself or of its stdin). Never labels or unrelated
   * fields; never a plain secret (a sha256 digest instead). `after:<id>=<digest>` entries
   * make a step re-run when a step it must follow re-runs (e.g. re-applying the Kubeflow
   * manifests resets the dex login, so the dex step must follow).
   */
  triggers: string[];
  /**
   * Names of the nodes whose node state holds what this step made (the master's etcd for
   * every object it applies; a worker's kubelet for its join). When one of them loses its
   * state (a new node-state claim, or a new pod of an `emptyDir` vNode), the component makes
   * the step run again: it adds the live identity of each named node's state to the triggers.
   */
  stateOf: string[];
  /** Runs when the step is deleted (e.g. a worker removed from the spec). */
  deleteRun?: StepProgram;
  /** The command text of `deleteRun`. */
  deleteScript?: string;
  /** Node whose vNode runs `deleteScript`. @default `node` */
  deleteNode?: string;
}

/**
 * Where a manifest (or the kustomize binary) comes from. `{version}` in a mirror URL or a
 * local path is replaced by the pinned version (calico, device plugin, kustomize) or by
 * the kubeflow/manifests ref.
 */
export type ManifestSource =
  /** The upstream release: see `sources.ts` for the exact URLs. */
  | { kind: "upstream" }
  /** An HTTP(S) mirror, for sites that cannot reach the upstream hosts. */
  | { kind: "mirror"; url: string }
  /** Already copied onto the master vNode (air-gapped edge sites): an absolute path. */
  | { kind: "local"; path: string };

/**
 * An image archive (`ctr images export` / `docker save` format) imported into each vNode's
 * containerd (namespace `k8s.io`) before `kubeadm init`/`join`. `{version}` in the URL or
 * path is replaced by the cluster's Kubernetes version (e.g. `1.20.15`).
 */
export type ImageArchiveSource =
  /** Downloaded by each vNode from an HTTP(S) mirror. */
  | { kind: "mirror"; url: string }
  /** A file already on every vNode: an absolute path. */
  | { kind: "local"; path: string };

/** The bounded retry loop of the Kubeflow `kustomize build | kubectl apply`. */
export interface ApplyRetry {
  /** Attempts before giving up (each attempt = build if not built yet, then apply). @default 30 */
  attempts: number;
  /** Sleep after the first failed attempt; doubles after each further failure. @default 10 */
  backoffSeconds: number;
  /** Cap of the doubling sleep. @default 120 */
  maxBackoffSeconds: number;
  /** Total time budget of the loop; no attempt starts or runs past it. @default 1800 */
  timeoutSeconds: number;
}

/**
 * How Kubeflow is exposed on the cluster's `kubeflow` port:
 * - `http-nodeport`: `istio-ingressgateway` port 80 as NodePort `targetPort`, plain HTTP,
 *   with `APP_SECURE_COOKIES=false` on the Kubeflow web apps (their secure cookies are
 *   never sent back over plain HTTP, which breaks every form).
 * - `tls`: `istio-ingressgateway` port 443 as NodePort `targetPort`, serving a self-signed
 *   certificate issued by cert-manager's `kubeflow-self-signing-issuer` (shipped with the
 *   manifests) on `kubeflow-gateway`; browsers warn until the CA is trusted; secure
 *   cookies stay on.
 */
export type Exposure = "http-nodeport" | "tls";

/** CNIs the bootstrap installs (see `BootstrapOptions.cni`). */
export const CNIS = ["calico", "flannel"] as const;
export type Cni = (typeof CNIS)[number];

export interface BootstrapOptions {
  /**
   * kubeflow/manifests tree. upstream = the GitHub archive (`.tar.gz`) of the matrix's
   * `manifestsRef`; mirror = URL of such a `.tar.gz` (one top-level directory); local =
   * directory on the master vNode holding the manifests tree (with `example/`).
   * @default { kind: "upstream" }
   */
  kubeflowSource: ManifestSource;
  /**
   * kustomize binary of the matrix's version. upstream = the kubernetes-sigs/kustomize
   * GitHub release; mirror = URL of the binary itself (not an archive); local = path of the
   * binary on the master vNode. Must not be upstream when `kubeflowSource` is not
   * (an air-gapped site cannot download it).
   * @default { kind: "upstream" }
   */
  kustomizeSource: ManifestSource;
  /**
   * calico manifest (`calico.yaml`) of the matrix's calico version. mirror = URL of the
   * file; local = directory on the master vNode holding `calico.yaml`.
   * @default { kind: "upstream" }
   */
  calicoSource: ManifestSource;
  /**
   * NVIDIA k8s-device-plugin static manifest of the pinned version (`ADDON_VERSIONS.devicePlugin`, src/matrix/table.ts).
   * mirror = URL of the file; local = directory on the master vNode holding `nvidia-device-plugin.yml`.
   * @default { kind: "upstream" }
   */
  devicePluginSource: ManifestSource;
  /**
   * The default StorageClass inside the virtual cluster (Kubeflow's PVCs: pipelines MySQL
   * and MinIO, Katib's database): `local-path`, rancher/local-path-provisioner
   * (`ADDON_VERSIONS.localPath`, src/matrix/table.ts) storing volumes under `localPathDir` on the vNode that runs the
   * pod, installed before Kubeflow (step `07-storage`); `none` leaves storage to you (then
   * Kubeflow's claims stay Pending unless your cluster has a default class).
   * @default "local-path"
   */
  defaultStorageClass: "local-path" | "none";
  /**
   * The provisioner's manifest (`local-path-storage.yaml`). mirror = URL of the file;
   * local = directory on the master vNode holding `local-path-storage.yaml`.
   * @default { kind: "upstream" }
   */
  localPathSource: ManifestSource;
  /** Image of the provisioner (a mirror for sites that cannot pull Docker Hub). @default "docker.io/rancher/local-path-provisioner:v0.0.31" */
  localPathProvisionerImage: string;
  /** Image of the helper pod that creates and removes volume directories (needs `sh`, `mkdir`, `rm`). @default "docker.io/library/busybox:1.36" */
  localPathHelperImage: string;
  /**
   * Where volumes live on each vNode (local-path-provisioner's own default directory).
   * The vNode does not mount its data volume there yet, so volumes live on the vNode
   * container's filesystem and do not survive the vNode pod being recreated.
   * @default "/opt/local-path-provisioner"
   */
  localPathDir: string;
  /** Bounded retry of the Kubeflow apply. @default { attempts: 30, backoffSeconds: 10, maxBackoffSeconds: 120, timeoutSeconds: 1800 } */
  apply: ApplyRetry;
  /** Timeout of each readiness wait (prerequisites, API server, rollouts, `kubectl wait`). @default 600 */
  waitTimeoutSeconds: number;
  /** @default "http-nodeport" */
  exposure: Exposure;
  /** The vNode interface that reaches the other vNodes (calico, kubelet node IP, API server address). @default "eth0" */
  nodeInterface: string;
  /**
   * Registry (and path) of kubeadm's control-plane images (kube-apiserver, etcd, coredns,
   * pause...), e.g. `registry.example.com/k8s`, for sites that cannot reach
   * registry.k8s.io. Written as `imageRepository` of the ClusterConfiguration.
   * @default undefined (kubeadm's default registry)
   */
  kubeadmImageRepository?: string;
  /**
   * Tag of the etcd image under `kubeadmImageRepository` when the site's etcd image is not the
   * one kubeadm pins for its version (written as `etcd.local.imageTag`), e.g. `3.6.16`.
   * @default undefined (kubeadm's pin)
   */
  kubeadmEtcdImageTag?: string;
  /**
   * The inner cluster's CNI. `calico` (the original system's, patched for the vNode interface)
   * or `flannel` (host-gw backend, vk8s's flannel image `flannelImage`), for sites that cannot
   * have calico's images. @default "calico"
   */
  cni: Cni;
  /** Image of the `flannel` CNI (vk8s's images/flannel). @default ghcr.io/vk8s/flannel:v<ADDON_VERSIONS.flannel> */
  flannelImage: string;
  /**
   * Image archives preloaded into every vNode's containerd before `kubeadm init`/`join`
   * (air-gapped sites: the control-plane, calico and Kubeflow images). @default []
   */
  imageArchives: ImageArchiveSource[];
  /** kubeadm preflight checks that cannot pass inside a container. @default ["Swap", "SystemVerification"] */
  kubeadmIgnorePreflightErrors: string[];
  /**
   * Extra names/IPs in the inner API server's certificate, besides the master's stable
   * hostname (which the kubeconfig can name with `tls-server-name`): e.g. the host Service
   * that exposes the API server. @default []
   */
  apiServerExtraSans: string[];
  /**
   * The bcrypt hash the dex step will receive (from `hashDexPassword`). Only its sha256
   * goes into the dex step's triggers, so that a new password re-runs the step.
   * @default undefined (the trigger is left out; the changed stdin still re-runs the step)
   */
  dexPasswordHash?: string;
}

/** What `planBootstrap` accepts: any subset of the options; `apply` may be partial too. */
export type BootstrapOptionsInput = Partial<Omit<BootstrapOptions, "apply">> & { apply?: Partial<ApplyRetry> };
