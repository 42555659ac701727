#!/bin/sh
# vk8s bootstrap program: the user's Kubeflow login in dex. Reads the bcrypt hash
# on stdin (the plain password never leaves the Pulumi program) and puts it where the
# Kubeflow line reads it:
#   - configmap (up to 1.8): staticPasswords[].hash in config map dex (namespace auth, key
#     config.yaml; common/dex/base/config-map.yaml of the manifests, 1.3 included);
#   - secret (from 1.9): DEX_USER_PASSWORD of secret dex-passwords; the config map entry
#     keeps `hashFromEnv: DEX_USER_PASSWORD` and gets the user's email.
# The whole staticPasswords block of dex's config.yaml is replaced (the upstream default
# login user@example.com is gone); a config without exactly one such block fails. The
# config map and secret are written with kubectl's client-side dry run (`--dry-run` on
# kubectl before 1.18) and applied; then dex is restarted.
# stdin: the bcrypt hash of the Kubeflow password (never the password itself).
# Data: VK8S_DEX_MODE (configmap|secret), VK8S_DEX_EMAIL, VK8S_DEX_USERNAME,
# VK8S_DEX_USER_ID, VK8S_KUBEFLOW_LINE, VK8S_WAIT_TIMEOUT.
# shellcheck source=lib.sh
. "${VK8S_STEP_DIR:?}/lib.sh"

use_admin_kubeconfig
hash=$(cat)
printf '%s\n' "$hash" | grep -Eq '^[$]2[aby][$][0-9]{2}[$][./A-Za-z0-9]{53}$' \
  || fail "stdin is not a bcrypt hash (the component must pipe hashDexPassword's result, never the password)"
umask 077
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dry_run=$(kubectl_dry_run)

kubectl get configmap dex -n auth -o jsonpath='{.data.config\.yaml}' > "$tmp/config.yaml"
VK8S_DEX_HASH=$hash
export VK8S_DEX_EMAIL VK8S_DEX_USERNAME VK8S_DEX_USER_ID VK8S_DEX_HASH
awk -v mode="$VK8S_DEX_MODE" '
# A YAML double-quoted scalar of any value: backslash and quote escaped (validation already
# refuses both in these fields; the quoting holds whatever it allows).
function q(s,  out, i, c) {
  out = ""
  for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); if (c == "\\" || c == "\"") out = out "\\"; out = out c }
  return "\"" out "\""
}
function entry(ind) {
  print ind "staticPasswords:"
  print ind "- email: " q(ENVIRON["VK8S_DEX_EMAIL"])
  if (mode == "secret") print ind "  hashFromEnv: DEX_USER_PASSWORD"
  else print ind "  hash: " q(ENVIRON["VK8S_DEX_HASH"])
  print ind "  username: " q(ENVIRON["VK8S_DEX_USERNAME"])
  print ind "  userID: " q(ENVIRON["VK8S_DEX_USER_ID"])
}
in_block {
  match($0, /^ */)
  if ($0 ~ /^ *$/ || RLENGTH > width || (RLENGTH == width && $0 ~ /^ *(- |#)/)) next
  in_block = 0
}
/^ *staticPasswords: *$/ { match($0, /^ */); width = RLENGTH; entry(substr($0, 1, width)); in_block = 1; found++; next }
{ print }
END { if (found != 1) exit 3 }
' "$tmp/config.yaml" > "$tmp/config.new.yaml" \
  || fail "dex config.yaml has no single staticPasswords block (is this the dex config map of Kubeflow $VK8S_KUBEFLOW_LINE?)"
kubectl create configmap dex -n auth --from-file=config.yaml="$tmp/config.new.yaml" "$dry_run" -o yaml \
  | kubectl apply -f - >&2
if [ "$VK8S_DEX_MODE" = secret ]; then
  printf '%s' "$hash" > "$tmp/DEX_USER_PASSWORD"
  kubectl create secret generic dex-passwords -n auth --from-file=DEX_USER_PASSWORD="$tmp/DEX_USER_PASSWORD" "$dry_run" -o yaml \
    | kubectl apply -f - >&2
fi
kubectl rollout restart deployment/dex -n auth >&2
kubectl rollout status deployment/dex -n auth --timeout="${VK8S_WAIT_TIMEOUT}s" >&2
log "dex login set for $VK8S_DEX_EMAIL"
