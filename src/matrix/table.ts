/**
 * The compatibility matrix: every version pin and compatibility fact vk8s relies on, in
 * one data table (reference, section 4). `resolve.ts` reads it; nothing else hard-codes a
 * version.
 *
 * Evidence (`types.ts`): `tested-upstream` only where the release README names the minor;
 * a bound we chose is `ours`; CI-only evidence is `ci-only`. Patch versions and manifests
 * refs are pinned from best knowledge (2026-02 for the 1.x lines; Kubeflow 1.11 and 26.03
 * as the lead's brief states them) and were not re-fetched from the internet on this
 * machine: each row's `source` says what it rests on.
 */
import { atLeast } from "../core/version";
import type { CalicoRow, KubeflowRow } from "./types";

const tested = (...versions: string[]) => versions.map((version) => ({ version, evidence: "tested-upstream" as const }));
const field = (...versions: string[]) => versions.map((version) => ({ version, evidence: "field-verified" as const }));
const ours = (...versions: string[]) => versions.map((version) => ({ version, evidence: "ours" as const }));
const ciOnly = (...versions: string[]) => versions.map((version) => ({ version, evidence: "ci-only" as const }));

/** Kubeflow 0.x: listed for reference, installed with kfctl/ksonnet, so not installable here. */
const KFCTL_ERA = {
  dexPassword: "configmap",
  wellDefinedFilter: false,
  serverSideApply: false,
  installable: false,
} as const;

/** Kubeflow 1.x installed from kubeflow/manifests with kustomize. */
const MANIFESTS_ERA = { wellDefinedFilter: false, serverSideApply: false, installable: true } as const;

/** One row per Kubeflow release line, oldest first. */
export const KUBEFLOW_ROWS: KubeflowRow[] = [
  {
    kubeflow: "0.4", manifestsRef: "v0.4.1", kubernetes: tested("1.11", "1.12", "1.13", "1.14"), defaultKubernetes: "1.14",
    kustomize: "none (ksonnet)", ...KFCTL_ERA,
    source: "Kubeflow 0.x docs compatibility table, as encoded by the original vk8s operator; deployed with kfctl/ksonnet",
  },
  {
    kubeflow: "0.5", manifestsRef: "v0.5.1", kubernetes: tested("1.11", "1.12", "1.13", "1.14", "1.15"), defaultKubernetes: "1.15",
    kustomize: "none (ksonnet)", ...KFCTL_ERA,
    source: "Kubeflow 0.x docs compatibility table, as encoded by the original vk8s operator; deployed with kfctl/ksonnet",
  },
  {
    kubeflow: "0.6", manifestsRef: "v0.6.2", kubernetes: tested("1.14", "1.15"), defaultKubernetes: "1.15",
    kustomize: "bundled in kfctl", ...KFCTL_ERA,
    source: "Kubeflow 0.x docs compatibility table, as encoded by the original vk8s operator; deployed with kfctl",
  },
  {
    kubeflow: "0.7", manifestsRef: "v0.7.1", kubernetes: tested("1.14", "1.15"), defaultKubernetes: "1.15",
    kustomize: "bundled in kfctl", ...KFCTL_ERA,
    source: "Kubeflow 0.x docs compatibility table, as encoded by the original vk8s operator; deployed with kfctl",
  },
  {
    kubeflow: "1.3", manifestsRef: "v1.3.1", kubernetes: [...tested("1.17"), ...field("1.19", "1.20")], defaultKubernetes: "1.20",
    kustomize: "3.2.0", dexPassword: "configmap", ...MANIFESTS_ERA,
    source: "kubeflow/manifests v1.3 README: tested on Kubernetes 1.17, kustomize 3.2.0 (4.x breaks); 1.19 and 1.20 field-verified by the original vk8s system; dex password in common/dex/base/config-map.yaml",
  },
  {
    kubeflow: "1.4", manifestsRef: "v1.4.1", kubernetes: [...tested("1.19"), ...field("1.20")], defaultKubernetes: "1.20",
    kustomize: "3.2.0", dexPassword: "configmap", ...MANIFESTS_ERA,
    source: "kubeflow/manifests v1.4 README: tested on Kubernetes 1.19, kustomize 3.2.0; 1.20 field-verified by the original vk8s system",
  },
  {
    kubeflow: "1.5", manifestsRef: "v1.5.1", kubernetes: [...ours("1.19", "1.20"), ...tested("1.21")], defaultKubernetes: "1.21",
    kustomize: "3.2.0", dexPassword: "configmap", ...MANIFESTS_ERA,
    source: "kubeflow/manifests v1.5 README: Kubernetes up to 1.21 (not 1.22+), kustomize 3.2.0; lower bound 1.19 is ours",
  },
  {
    kubeflow: "1.6", manifestsRef: "v1.6.1", kubernetes: [...ours("1.21"), ...tested("1.22")], defaultKubernetes: "1.22",
    kustomize: "3.2.0", dexPassword: "configmap", ...MANIFESTS_ERA,
    source: "kubeflow/manifests v1.6 README: Kubernetes up to 1.22, kustomize 3.2.0; lower bound 1.21 is ours and is the lowest its objects allow (knative-serving's PodDisruptionBudgets are policy/v1, served from Kubernetes 1.21)",
    lowerBoundReason: "its knative-serving PodDisruptionBudgets are policy/v1, which Kubernetes serves from 1.21",
  },
  {
    kubeflow: "1.7", manifestsRef: "v1.7.0", kubernetes: [...ours("1.23", "1.24"), ...tested("1.25")], defaultKubernetes: "1.25",
    kustomize: "5.0.0", dexPassword: "configmap", ...MANIFESTS_ERA, wellDefinedFilter: true,
    source: "kubeflow/manifests v1.7 README: Kubernetes up to 1.25, kustomize 5.0.0, build piped through awk '!/well-defined/'; lower bound 1.23 is ours",
  },
  {
    kubeflow: "1.8", manifestsRef: "v1.8.1", kubernetes: [...ours("1.25"), ...tested("1.26", "1.27")], defaultKubernetes: "1.27",
    kustomize: "5.0.3", dexPassword: "configmap", ...MANIFESTS_ERA,
    source: "kubeflow/manifests v1.8 README: Kubernetes up to 1.26, 1.8.1 up to 1.27, kustomize 5.0.3; lower bound 1.25 is ours",
  },
  {
    kubeflow: "1.9", manifestsRef: "v1.9.1", kubernetes: [...ours("1.27", "1.28"), ...tested("1.29")], defaultKubernetes: "1.29",
    kustomize: "5.2.1", dexPassword: "secret", ...MANIFESTS_ERA,
    source: "kubeflow/manifests v1.9 README: Kubernetes 1.29, kustomize 5.2.1+; lower bound 1.27 is ours; oauth2-proxy, dex password in secret dex-passwords",
  },
  {
    kubeflow: "1.10", manifestsRef: "v1.10.2", kubernetes: [...ours("1.30", "1.31"), ...tested("1.32")], defaultKubernetes: "1.32",
    kustomize: "5.4.3", dexPassword: "secret", ...MANIFESTS_ERA, serverSideApply: true,
    source: "kubeflow/manifests v1.10 README: targets Kubernetes 1.32, kustomize 5.4.3+, apply with --server-side --force-conflicts; 1.30-1.31 is ours",
  },
  {
    kubeflow: "1.11", manifestsRef: "v1.11.0", kubernetes: tested("1.34"), defaultKubernetes: "1.34",
    kustomize: "5.7.1", dexPassword: "secret", ...MANIFESTS_ERA, serverSideApply: true,
    source: "kubeflow/manifests v1.11.0 README (read at the tag): \"targets Kubernetes version 1.34+\", Kustomize 5.7.1, a default StorageClass required, inotify 2280/1255360; its KinD test cluster runs kindest/node v1.34.0; the single-command install applies --server-side",
  },
  {
    kubeflow: "26.03", manifestsRef: "26.03", kubernetes: ciOnly("1.34"), defaultKubernetes: "1.34",
    kustomize: "5.8.1", dexPassword: "secret", ...MANIFESTS_ERA, serverSideApply: true,
    source: "kubeflow/manifests tag 26.03 (first calendar-versioned release; the tag has no v): its README defers the Kubernetes version to the release notes; tests/install_KinD_create_KinD_cluster_install_kustomize.sh at the tag runs kindest/node v1.34.0 with KUSTOMIZE_VERSION v5.8.1 (ci-only evidence)",
  },
];

/**
 * The first calico line whose `calico.yaml` is in the calico repository at the release tag
 * (`manifests/calico.yaml`, patch-exact); older lines are served from the docs site's
 * archive of their minor line (that line's last published manifest: the patch is not pinned).
 */
export const CALICO_MANIFEST_IN_REPO_FROM = "3.24";

/** Whether calico `version`'s manifest is at its release tag (else in the docs archive of its minor line). */
export function calicoManifestInRepo(version: string): boolean {
  return atLeast(version, CALICO_MANIFEST_IN_REPO_FROM);
}

const calicoRow = (calico: string, kubernetes: string[]): CalicoRow => ({ calico, kubernetes, patchPinned: calicoManifestInRepo(calico) });

/**
 * calico releases and the Kubernetes minors each supports (tigera docs, system
 * requirements of each release), newest patch of each line from best knowledge.
 * 3.17 is not in the reference: it is added so that Kubeflow 1.3's tested Kubernetes 1.17
 * has a CNI (calico 3.17 requirements: Kubernetes 1.17-1.19; v3.17.6 released 2021-11,
 * projectcalico/calico#5081). Before {@link CALICO_MANIFEST_IN_REPO_FROM} the manifest comes
 * from the docs archive of the minor line, so the patch is not pinned there (`patchPinned: false`).
 */
export const CALICO_ROWS: CalicoRow[] = [
  calicoRow("3.17.6", ["1.17", "1.18", "1.19"]),
  calicoRow("3.20.6", ["1.19", "1.20", "1.21"]),
  calicoRow("3.22.5", ["1.21", "1.22", "1.23"]),
  calicoRow("3.25.2", ["1.23", "1.24", "1.25", "1.26"]),
  calicoRow("3.26.5", ["1.24", "1.25", "1.26", "1.27"]),
  calicoRow("3.28.5", ["1.27", "1.28", "1.29", "1.30"]),
  calicoRow("3.29.7", ["1.29", "1.30", "1.31", "1.32"]),
  calicoRow("3.30.6", ["1.31", "1.32", "1.33", "1.34", "1.35"]),
];

/**
 * The kustomize release Kubeflow 1.3-1.6 build with, published as a bare binary for
 * linux/amd64 only (kustomize's v3.2.0 release page), not as a `kustomize/v<version>`
 * `.tar.gz` for each arch like later releases: the rows above name it, the bootstrap
 * downloads it differently and the matrix refuses it on other architectures.
 */
export const AMD64_ONLY_KUSTOMIZE = "3.2.0";

/**
 * Versions of what the bootstrap installs besides Kubeflow, calico and Kubernetes (one pin
 * each; the bootstrap's sources and options read them from here).
 */
export const ADDON_VERSIONS = {
  /** NVIDIA k8s-device-plugin release whose static manifest is applied (device plugin API v1beta1: Kubernetes >= 1.10). */
  devicePlugin: "0.17.4",
  /**
   * flannel release of vk8s's flannel image (images/flannel; tools/toolchain.sh FLANNEL_VERSION
   * builds the same flanneld: a test keeps the two equal).
   */
  flannel: "0.28.10",
  /**
   * rancher/local-path-provisioner release whose `deploy/local-path-storage.yaml` gives the
   * virtual cluster its default StorageClass (a release from best knowledge, early 2025; not
   * fetched here). Its images are set by `localPathProvisionerImage`/`localPathHelperImage`.
   */
  localPath: "0.0.31",
  /**
   * docker.io/library/busybox tag of vk8s's small `sh` helpers: the inner local-path
   * provisioner's helper pod (`localPathHelperImage`) and the host preparation's init
   * container. A tag from best knowledge (busybox 1.36, 2023), not pulled here.
   */
  busybox: "1.36",
} as const;

/** The busybox image of vk8s's `sh` helpers, at {@link ADDON_VERSIONS}.busybox. */
export const BUSYBOX_IMAGE = `docker.io/library/busybox:${ADDON_VERSIONS.busybox}`;

/**
 * Tag of vk8s's own images that follow the package (the access pod `ghcr.io/vk8s/access`,
 * the federated-learning image `ghcr.io/vk8s/vk8s-fl`): the package version, as
 * scripts/images.sh tags them (`$VK8S_VERSION` from package.json; a test keeps the two equal).
 */
export const VK8S_IMAGE_TAG = "0.1.0";

/**
 * Kubernetes minor -> the patch release kubeadm installs (the last patch of the line; for
 * lines still maintained in 2026-02, the newest we know: 1.32.13, 1.33.8; 1.34.4 is the
 * release vk8s's toolchain builds and runs).
 */
export const KUBERNETES_RELEASES: Record<string, string> = {
  "1.11": "1.11.10",
  "1.12": "1.12.10",
  "1.13": "1.13.12",
  "1.14": "1.14.10",
  "1.15": "1.15.12",
  "1.16": "1.16.15",
  "1.17": "1.17.17",
  "1.18": "1.18.20",
  "1.19": "1.19.16",
  "1.20": "1.20.15",
  "1.21": "1.21.14",
  "1.22": "1.22.17",
  "1.23": "1.23.17",
  "1.24": "1.24.17",
  "1.25": "1.25.16",
  "1.26": "1.26.15",
  "1.27": "1.27.16",
  "1.28": "1.28.15",
  "1.29": "1.29.15",
  "1.30": "1.30.14",
  "1.31": "1.31.14",
  "1.32": "1.32.13",
  "1.33": "1.33.8",
  "1.34": "1.34.4",
};
