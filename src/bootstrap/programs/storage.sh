#!/bin/sh
# vk8s bootstrap program: the virtual cluster's default StorageClass, before
# Kubeflow (whose claims stay Pending without one). rancher/local-path-provisioner's
# manifest is patched structurally BEFORE it is applied: `kubectl kustomize` applies the
# rendered JSON patches (storage/*-patch.yaml): the provisioner's image, the volume
# directory and helper pod in ConfigMap local-path-config, and the default-class
# annotation on StorageClass local-path. A manifest without those objects fails the build:
# nothing is applied. Then the provisioner must roll out and exactly one default class
# must exist.
# Data: VK8S_LOCAL_PATH_VERSION, VK8S_LOCAL_PATH_SOURCE_KIND (url|local),
# VK8S_LOCAL_PATH_SOURCE, VK8S_STORAGE_CLASS, VK8S_STORAGE_NAMESPACE, VK8S_WAIT_TIMEOUT;
# files storage/kustomization.yaml and storage/*-patch.yaml.
# shellcheck source=lib.sh
. "${VK8S_STEP_DIR:?}/lib.sh"

use_admin_kubeconfig
build="$work/storage/build-$VK8S_LOCAL_PATH_VERSION"
manifest="$work/storage/local-path-storage-$VK8S_LOCAL_PATH_VERSION.yaml"
rm -rf "$build"
mkdir -p "$build"
fetch_source "$VK8S_LOCAL_PATH_SOURCE_KIND" "$VK8S_LOCAL_PATH_SOURCE" "$build/local-path-storage.yaml"
for f in kustomization.yaml provisioner-patch.yaml storage-class-patch.yaml config-patch.yaml; do
  cp "$(data "storage/$f")" "$build/"
done
kubectl kustomize "$build" > "$manifest.tmp" 2> "$build/kustomize.err" || {
  tail -n 5 "$build/kustomize.err" >&2
  fail "local-path-storage.yaml: the patches do not apply (is this the manifest of local-path-provisioner v$VK8S_LOCAL_PATH_VERSION, with Deployment $VK8S_STORAGE_NAMESPACE/local-path-provisioner, StorageClass $VK8S_STORAGE_CLASS and ConfigMap local-path-config?)"
}
mv "$manifest.tmp" "$manifest"
kubectl apply -f "$manifest" >&2
kubectl rollout status deployment/local-path-provisioner -n "$VK8S_STORAGE_NAMESPACE" --timeout="${VK8S_WAIT_TIMEOUT}s" >&2
defaults=$(kubectl get storageclass --no-headers -o 'custom-columns=NAME:.metadata.name,DEFAULT:.metadata.annotations.storageclass\.kubernetes\.io/is-default-class' \
  | awk '$2 == "true" { print $1 }' | sort | tr '\n' ' ')
case "$defaults" in
  "$VK8S_STORAGE_CLASS ") ;;
  "") fail "no default StorageClass after applying local-path-provisioner (StorageClass $VK8S_STORAGE_CLASS lacks the default-class annotation)" ;;
  *) fail "more than one default StorageClass: ${defaults}(remove the storageclass.kubernetes.io/is-default-class annotation from all but one, or set bootstrap.defaultStorageClass to none)" ;;
esac
log "StorageClass $VK8S_STORAGE_CLASS is the default (local-path-provisioner v$VK8S_LOCAL_PATH_VERSION)"
