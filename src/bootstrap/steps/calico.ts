/**
 * calico, the CNI of the inner cluster (reference, section 2): a vNode has two interfaces,
 * and calico's first-found autodetection picks the wrong one. The manifest is patched
 * BEFORE it is applied, so calico-node never starts on the wrong interface:
 *   - `IP_AUTODETECTION_METHOD=interface=<nodeInterface>` next to `IP=autodetect` in the
 *     calico-node container env;
 *   - `CALICO_IPV4POOL_CIDR=<pod CIDR>` (the manifest ships it commented out).
 * Existing entries of either (commented or not) are dropped first, so patching an already
 * patched copy gives the same file. The patch fails unless it found exactly one
 * `IP=autodetect`, rather than apply a manifest it did not understand.
 */
import { USE_ADMIN_KUBECONFIG, header, script, shq } from "../shell";
import { LOCAL_FILE_NAMES, fetchManifest, upstreamCalicoUrl } from "../sources";
import type { StepContext } from "./context";

/** awk program: reads calico.yaml, writes it patched; exit 3 when `IP=autodetect` was not found exactly once. */
export const CALICO_PATCH_AWK = String.raw`
drop_value {
  drop_value = 0
  if ($0 ~ /^ *#? *value:/) next
}
/^ *#? *- name: (IP_AUTODETECTION_METHOD|CALICO_IPV4POOL_CIDR) *$/ { drop_value = 1; next }
after_ip {
  after_ip = 0
  print
  if ($0 ~ /^ *value: "?autodetect"? *$/) {
    print indent "- name: IP_AUTODETECTION_METHOD"
    print indent "  value: \"" autodetect "\""
    print indent "- name: CALICO_IPV4POOL_CIDR"
    print indent "  value: \"" pool "\""
    added++
  }
  next
}
/^ *- name: IP *$/ { match($0, /^ */); indent = substr($0, 1, RLENGTH); after_ip = 1; print; next }
{ print }
END { if (added != 1) exit 3 }
`.trim();

export function calicoScript(ctx: StepContext, id: string): string {
  const version = ctx.cluster.matrix.calico;
  const autodetect = `interface=${ctx.options.nodeInterface}`;
  const pool = ctx.cluster.network.podNetworkCidr;
  const t = ctx.options.waitTimeoutSeconds;
  return script(
    header({ id, title: `calico ${version} with the ${ctx.options.nodeInterface} patch`, node: ctx.cluster.master.name }),
    USE_ADMIN_KUBECONFIG,
    [
      `mkdir -p "$work/calico"`,
      `manifest="$work/calico/calico-${version}.yaml"`,
      fetchManifest(ctx.options.calicoSource, upstreamCalicoUrl(version), version, LOCAL_FILE_NAMES.calico, "$manifest.orig"),
    ].join("\n"),
    [
      `# Patch before apply: calico-node must use ${ctx.options.nodeInterface} from its first start, and the pool must be the pod CIDR.`,
      `awk -v autodetect=${shq(autodetect)} -v pool=${shq(pool)} '`,
      CALICO_PATCH_AWK,
      `' "$manifest.orig" > "$manifest" || fail "calico manifest: expected exactly one calico-node env entry IP=autodetect (is this a calico.yaml of ${version}?)"`,
      `grep -q ${shq(`value: "${autodetect}"`)} "$manifest" || fail "calico manifest: IP_AUTODETECTION_METHOD patch missing"`,
      `grep -q ${shq(`value: "${pool}"`)} "$manifest" || fail "calico manifest: CALICO_IPV4POOL_CIDR patch missing"`,
    ].join("\n"),
    [
      `kubectl apply -f "$manifest" >&2`,
      `kubectl rollout status daemonset/calico-node -n kube-system --timeout=${t}s >&2`,
      `kubectl wait --for=condition=Ready ${shq(`node/${ctx.cluster.master.name}`)} --timeout=${t}s >&2`,
      `log "calico ${version} running with IP_AUTODETECTION_METHOD=${autodetect} and pool ${pool}"`,
    ].join("\n"),
  );
}
