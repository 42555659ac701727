#!/usr/bin/env bash
# Runs the README's quickstart as a new user would (no kubeconfig, a fresh state directory)
# and checks what it promises: exit 0, the outputs printed (Kubeflow URL, SSH endpoint, the
# phases reaching Running), secrets not printed, and nothing left running afterwards.
#   bash scripts/ci-quickstart.sh        (used by .ci/run)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/vk8s-ci-quickstart-XXXXXX)
trap 'rm -rf "$work"' EXIT
log=$work/quickstart.log
password="ci-$(openssl rand -hex 12 2>/dev/null || date +%s%N)"

set +e
env -u KUBECONFIG KUBECONFIG="$work/no-kubeconfig" VK8S_KUBEFLOW_PASSWORD="$password" \
  bash scripts/quickstart.sh 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e

problems=()
[ "$rc" = 0 ] || problems+=("quickstart exited $rc")
grep -q '"kubeflowUrl": "http://' "$log" || problems+=("no kubeflowUrl output")
grep -q '"sshEndpoint": "' "$log" || problems+=("no sshEndpoint output")
grep -q '"Running"' "$log" || problems+=("the phases never reached Running")
grep -qF "$password" "$log" && problems+=("the Kubeflow password appears in the output")
grep -q 'BEGIN OPENSSH PRIVATE KEY\|BEGIN PRIVATE KEY\|client-key-data' "$log" && problems+=("a private key appears in the output")
left=$(pgrep -af '/tmp/vk8s-quickstart-' || true)
[ -z "$left" ] || problems+=("processes left running: $left")
leftdirs=$(find /tmp -maxdepth 1 -name 'vk8s-quickstart-*' -newer "$work" 2>/dev/null || true)
[ -z "$leftdirs" ] || problems+=("state left behind: $leftdirs")

if [ ${#problems[@]} -gt 0 ]; then
  printf 'quickstart check: FAILED: %s\n' "${problems[@]}" >&2
  exit 1
fi
echo "quickstart check: ok (exit 0, outputs printed, phases Running, no secret printed, nothing left running)"
