/**
 * Where the bootstrap gets what it installs: the upstream URLs (one place), mirrors and
 * local copies for air-gapped edge sites, and where a step program fetches a file from
 * (`fetch_source KIND LOCATION` in programs/lib.sh).
 */
import { AMD64_ONLY_KUSTOMIZE, calicoManifestInRepo } from "../matrix/table";
import type { ManifestSource } from "./types";
import { minorOf } from "../core/version";


/** File names looked up in a `local` source directory. */
export const LOCAL_FILE_NAMES = { calico: "calico.yaml", devicePlugin: "nvidia-device-plugin.yml", localPath: "local-path-storage.yaml" } as const;

/** The provisioner's deploy manifest at its release tag. */
export function upstreamLocalPathUrl(version: string): string {
  return `https://raw.githubusercontent.com/rancher/local-path-provisioner/v${version}/deploy/local-path-storage.yaml`;
}

/**
 * calico.yaml of a calico release. From `CALICO_MANIFEST_IN_REPO_FROM` (the matrix table) the
 * manifests are in the calico repository at the release tag (patch-exact); older releases
 * are served from the docs site's archive of their minor line (that line's last published
 * manifest: the patch is not pinned there), on the docs site's current host
 * (docs.tigera.io; projectcalico.docs.tigera.io redirects).
 */
export function upstreamCalicoUrl(calico: string): string {
  if (calicoManifestInRepo(calico)) {
    return `https://raw.githubusercontent.com/projectcalico/calico/v${calico}/manifests/calico.yaml`;
  }
  return `https://docs.tigera.io/archive/v${minorOf(calico)}/manifests/calico.yaml`;
}

/** The static device plugin manifest (moved to `deployments/static/` in 0.15). */
export function upstreamDevicePluginUrl(version: string): string {
  return `https://raw.githubusercontent.com/NVIDIA/k8s-device-plugin/v${version}/deployments/static/nvidia-device-plugin.yml`;
}

/** The GitHub archive of a kubeflow/manifests ref (tag or branch): one top-level directory. */
export function upstreamKubeflowArchiveUrl(ref: string): string {
  return `https://github.com/kubeflow/manifests/archive/${ref}.tar.gz`;
}

/**
 * The kustomize release for linux/`{arch}` (replaced at run time). `AMD64_ONLY_KUSTOMIZE` (the matrix
 * table: 3.2.0, which Kubeflow 1.3-1.6 want) was published as a bare binary for amd64 only;
 * later releases as `.tar.gz` under a `kustomize/` tag.
 */
export function upstreamKustomize(version: string): { url: string; archive: boolean } {
  if (version === AMD64_ONLY_KUSTOMIZE) {
    return { url: `https://github.com/kubernetes-sigs/kustomize/releases/download/v${version}/kustomize_${version}_linux_{arch}`, archive: false };
  }
  return {
    url: `https://github.com/kubernetes-sigs/kustomize/releases/download/kustomize%2Fv${version}/kustomize_v${version}_linux_{arch}.tar.gz`,
    archive: true,
  };
}

/** Replaces `{version}` in a mirror URL or local path. */
export function withVersion(template: string, version: string): string {
  return template.split("{version}").join(version);
}

/** A short, stable description of a source, for triggers. */
export function describeSource(source: ManifestSource): string {
  switch (source.kind) {
    case "upstream":
      return "upstream";
    case "mirror":
      return `mirror:${source.url}`;
    case "local":
      return `local:${source.path}`;
  }
}

/** Where a program fetches a file: a URL (`url`) or a path on the vNode (`local`). */
export interface FetchFrom {
  kind: "url" | "local";
  location: string;
}

/** The upstream URL, the mirror URL, or `<local dir>/<fileName>`, with `{version}` replaced. */
export function fetchFrom(source: ManifestSource, upstreamUrl: string, version: string, fileName: string): FetchFrom {
  switch (source.kind) {
    case "upstream":
      return { kind: "url", location: upstreamUrl };
    case "mirror":
      return { kind: "url", location: withVersion(source.url, version) };
    case "local":
      return { kind: "local", location: `${withVersion(source.path, version).replace(/\/+$/, "")}/${fileName}` };
  }
}
