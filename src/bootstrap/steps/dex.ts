/**
 * The user's Kubeflow login in dex (reference, section 4). The script reads the bcrypt
 * hash on stdin (the plain password never leaves the Pulumi program) and puts it where
 * the Kubeflow line reads it:
 *   - up to 1.8: `staticPasswords[].hash` in config map `dex` (namespace `auth`, key
 *     `config.yaml`; from `common/dex/base/config-map.yaml` of the manifests, in 1.3 too);
 *   - from 1.9: `DEX_USER_PASSWORD` of secret `dex-passwords`; the config map entry keeps
 *     `hashFromEnv: DEX_USER_PASSWORD` and gets the user's email.
 * The whole `staticPasswords` block is replaced, so the upstream default login
 * (`user@example.com`) is gone; then dex is restarted.
 */
import { digest } from "../password";
import { USE_ADMIN_KUBECONFIG, header, script, shq } from "../shell";
import type { StepContext } from "./context";

/**
 * awk program: replaces the `staticPasswords:` block of dex's config.yaml with one entry
 * built from ENVIRON (VK8S_DEX_EMAIL, VK8S_DEX_USERNAME, VK8S_DEX_USER_ID, and VK8S_DEX_HASH
 * when mode is `configmap`); exit 3 unless exactly one block was found.
 */
export const DEX_PATCH_AWK = String.raw`
function entry(ind) {
  print ind "staticPasswords:"
  print ind "- email: \"" ENVIRON["VK8S_DEX_EMAIL"] "\""
  if (mode == "secret") print ind "  hashFromEnv: DEX_USER_PASSWORD"
  else print ind "  hash: \"" ENVIRON["VK8S_DEX_HASH"] "\""
  print ind "  username: \"" ENVIRON["VK8S_DEX_USERNAME"] "\""
  print ind "  userID: \"" ENVIRON["VK8S_DEX_USER_ID"] "\""
}
in_block {
  match($0, /^ */)
  if ($0 ~ /^ *$/ || RLENGTH > width || (RLENGTH == width && $0 ~ /^ *(- |#)/)) next
  in_block = 0
}
/^ *staticPasswords: *$/ { match($0, /^ */); width = RLENGTH; entry(substr($0, 1, width)); in_block = 1; found++; next }
{ print }
END { if (found != 1) exit 3 }
`.trim();

/** The dex username: the email's local part, reduced to safe characters. */
export function dexUsername(email: string): string {
  return email.split("@")[0].replace(/[^A-Za-z0-9._-]/g, "-") || "user";
}

/** A stable dex user id derived from the email. */
export function dexUserId(email: string): string {
  return digest(`vk8s-dex-user:${email}`).slice(0, 16);
}

export function dexScript(ctx: StepContext, id: string): string {
  const email = ctx.cluster.kubeflow.email;
  const mode = ctx.row.dexPassword;
  const t = ctx.options.waitTimeoutSeconds;
  const where = mode === "secret" ? "secret dex-passwords (DEX_USER_PASSWORD)" : "config map dex (staticPasswords)";
  const env = [
    `VK8S_DEX_EMAIL=${shq(email)}`,
    `VK8S_DEX_USERNAME=${shq(dexUsername(email))}`,
    `VK8S_DEX_USER_ID=${shq(dexUserId(email))}`,
    ...(mode === "configmap" ? [`VK8S_DEX_HASH="$hash"`] : []),
  ].join(" ");
  const secret =
    mode === "secret"
      ? [
          `printf '%s' "$hash" > "$tmp/DEX_USER_PASSWORD"`,
          `kubectl create secret generic dex-passwords -n auth --from-file=DEX_USER_PASSWORD="$tmp/DEX_USER_PASSWORD" --dry-run=client -o yaml \\`,
          "  | kubectl apply -f - >&2",
        ].join("\n")
      : "";
  return script(
    header({
      id,
      title: `Kubeflow login ${email} (hash in ${where})`,
      node: ctx.cluster.master.name,
      stdin: "the bcrypt hash of the Kubeflow password (never the password itself)",
    }),
    USE_ADMIN_KUBECONFIG,
    [
      "hash=$(cat)",
      `printf '%s\\n' "$hash" | grep -Eq '^[$]2[aby][$][0-9]{2}[$][./A-Za-z0-9]{53}$' \\`,
      `  || fail "stdin is not a bcrypt hash (the component must pipe hashDexPassword's result, never the password)"`,
      "umask 077",
      `tmp=$(mktemp -d)`,
      `trap 'rm -rf "$tmp"' EXIT`,
    ].join("\n"),
    [
      `kubectl get configmap dex -n auth -o jsonpath='{.data.config\\.yaml}' > "$tmp/config.yaml"`,
      `${env} awk -v mode=${mode} '`,
      DEX_PATCH_AWK,
      `' "$tmp/config.yaml" > "$tmp/config.new.yaml" || fail "dex config.yaml has no single staticPasswords block (is this the dex config map of Kubeflow ${ctx.row.kubeflow}?)"`,
      `kubectl create configmap dex -n auth --from-file=config.yaml="$tmp/config.new.yaml" --dry-run=client -o yaml \\`,
      "  | kubectl apply -f - >&2",
    ].join("\n"),
    secret,
    [
      "kubectl rollout restart deployment/dex -n auth >&2",
      `kubectl rollout status deployment/dex -n auth --timeout=${t}s >&2`,
      `log "dex login set for ${email}"`,
    ].join("\n"),
  );
}
