#!/usr/bin/env bash
# Fills the local environment's site mirror (STATE_DIR/mirror, served over HTTP to the vNodes by
# hostnode.sh) with what the bootstrap downloads, as an air-gapped site would mirror it:
#   kustomize                       the toolchain's kustomize binary (Kubeflow 26.03's version)
#   kubeflow-<shape>.tar.gz         a Kubeflow fixture tree (test/e2e/fixtures/kubeflow/<shape>)
#                                   shaped like a kubeflow/manifests archive (one top folder)
# Kubeflow's own images cannot be had here: the fixture's example/kustomization.yaml gets a
# kustomize `images:` list that maps every image the tree names to the pause image of the
# vNodes' preload archive (a named stand-in, in the README's limits), whose own entrypoint runs
# (one-line container command/args are dropped). Its objects are real:
# Deployments, Services, the dex configuration and the Istio Gateway are applied to the real
# inner cluster and become Available.
#
# Usage: mirror.sh STATE_DIR [SHAPE...]     SHAPE: v1.8-shape v1.9-shape (default both)
# Prints one line per file: NAME URL.
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
trap_errors

[ $# -ge 1 ] || die "usage: mirror.sh STATE_DIR [SHAPE...]"
state=${1%/}
shift
shapes=("$@")
[ ${#shapes[@]} -gt 0 ] || shapes=(v1.8-shape v1.9-shape)
[ -s "$state/hostnode/env" ] || die "no host node in $state (run: hostnode.sh up $state)"
# shellcheck disable=SC1091
. "$state/hostnode/env"
load_toolchain
need kustomize tar
REPO=$(cd "$LOCALENV_DIR/../.." && pwd)
pause=$(preload_image pause) || die "the Kubeflow stand-in needs the pause image"

mkdir -p "$MIRROR_DIR"
install -m 0755 "$(command -v kustomize)" "$MIRROR_DIR/kustomize"
echo "kustomize $MIRROR_URL/kustomize"
for shape in "${shapes[@]}"; do
  src=$REPO/test/e2e/fixtures/kubeflow/$shape
  [ -d "$src/example" ] || die "no Kubeflow fixture $src"
  work=$(mktemp -d)
  cp -a "$src" "$work/manifests"
  # The stand-in image runs its own entrypoint: containers' one-line command/args go.
  find "$work/manifests" -name '*.yaml' -exec sed -i -E '/^ +(command|args): *\[.*\] *$/d' {} +
  {
    echo "# vk8s local environment: Kubeflow's images stood in for by the preloaded pause image."
    echo "images:"
    grep -rhoE 'image: *[^ ]+' "$src" | sed 's/^image: *//' | sed -E 's/(:[^/:]+)$//' | LC_ALL=C sort -u |
      while read -r name; do
        printf -- '- name: %s\n  newName: %s\n  newTag: %s\n' "$name" "${pause%:*}" "${pause##*:}"
      done
  } >>"$work/manifests/example/kustomization.yaml"
  tar -C "$work" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -czf "$MIRROR_DIR/kubeflow-$shape.tar.gz" manifests
  rm -rf "$work"
  echo "kubeflow-$shape $MIRROR_URL/kubeflow-$shape.tar.gz"
done
