/**
 * How a compatibility fact is known:
 * - `tested-upstream`: the kubeflow/manifests README of that release (or the Kubeflow 0.x
 *   docs) names this Kubernetes minor as tested;
 * - `field-verified`: observed working in the original vk8s system;
 * - `ours`: a bound vk8s chose (the usual three-minor window below a README's "up to 1.X",
 *   or one minor past it): nobody has tested it upstream;
 * - `ci-only`: upstream's CI ran it (e.g. the kind image of its GitHub workflows) but the
 *   README does not promise it.
 */
export type Evidence = "tested-upstream" | "field-verified" | "ours" | "ci-only";

/** One Kubeflow release line and what it runs with. One row per Kubeflow line. */
export interface KubeflowRow {
  /** Kubeflow release line, e.g. `1.3` or `0.7`. */
  kubeflow: string;
  /** The kubeflow/manifests git ref installed for this line, e.g. `v1.3.1`. */
  manifestsRef: string;
  /** Kubernetes minors this line runs on, each with how it is known. Ordered ascending. */
  kubernetes: { version: string; evidence: Evidence }[];
  /** Kubernetes minor picked when the user names only the Kubeflow version. */
  defaultKubernetes: string;
  /** kustomize version used to build the manifests. */
  kustomize: string;
  /** Where dex reads the static password: config map (<= 1.8) or `dex-passwords` secret (>= 1.9). */
  dexPassword: "configmap" | "secret";
  /** Pipe the build through `awk '!/well-defined/'` (1.7). */
  wellDefinedFilter: boolean;
  /** Apply with `--server-side --force-conflicts` (1.10+). */
  serverSideApply: boolean;
  /** Kubeflow 0.x used kfctl, not kustomize/manifests; we list it but cannot install it. */
  installable: boolean;
  /** Free text: the source of the row (README of the release, field report). */
  source: string;
  /** Why a Kubernetes minor below the lowest listed cannot work, when a reason is known (said in the refusal). */
  lowerBoundReason?: string;
}

/** One calico release and the Kubernetes minors it supports (tigera docs). */
export interface CalicoRow {
  calico: string;
  kubernetes: string[];
  /**
   * Whether the installed manifest is exactly `calico`'s patch. Before 3.24 the manifests
   * are served from the docs site's archive of the minor line (`/archive/v3.20/`), which
   * holds that line's last published manifest: the patch is not pinned there.
   */
  patchPinned: boolean;
}

/** What the matrix decides for one cluster. */
export interface MatrixDecision {
  kubeflow: KubeflowRow;
  /** Kubernetes minor, e.g. `1.20`. */
  kubernetesMinor: string;
  /** Full Kubernetes version for kubeadm, e.g. `1.20.15`. */
  kubernetesVersion: string;
  evidence: Evidence;
  /** calico version to install, e.g. `3.20.6`. */
  calico: string;
  /** Tag of the kink vNode image, e.g. `v1.20`. */
  imageTag: string;
}
