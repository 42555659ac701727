/**
 * Rules for `kubeflow.email` / `kubeflow.password` (the dex static user). Messages never
 * quote the password.
 */
import { quote } from "../../core/errors";
import type { Problem } from "../../core/errors";
import { isPlainEmail } from "../../core/names";
import type { LooseSpec } from "../shape";

/** The upstream kubeflow/manifests login, public knowledge: the password is never accepted. */
export const UPSTREAM_DEFAULT_LOGIN = { email: "user@example.com", password: "12341234" } as const;
export const MIN_PASSWORD_LENGTH = 8;
/** bcrypt (dex's hash) reads only the first 72 bytes of a password. */
export const MAX_PASSWORD_BYTES = 72;

export function checkKubeflowLogin(spec: LooseSpec): Problem[] {
  const problems: Problem[] = [];
  const { email, password } = spec.kubeflow ?? {};
  if (email !== undefined && !isPlainEmail(email)) {
    problems.push({ path: "kubeflow.email", message: `${quote(email)} is not an email address`, fix: "write it like team-a@example.com" });
  }
  if (password !== undefined) {
    const bytes = Buffer.byteLength(password, "utf8");
    if (password === UPSTREAM_DEFAULT_LOGIN.password) {
      problems.push({ path: "kubeflow.password", message: "is the upstream default password, which is public", fix: `choose your own password of at least ${MIN_PASSWORD_LENGTH} characters` });
    } else if ([...password].length < MIN_PASSWORD_LENGTH) {
      problems.push({ path: "kubeflow.password", message: `has ${[...password].length} characters, fewer than ${MIN_PASSWORD_LENGTH}`, fix: `choose a password of at least ${MIN_PASSWORD_LENGTH} characters` });
    } else if (bytes > MAX_PASSWORD_BYTES) {
      problems.push({ path: "kubeflow.password", message: `is ${bytes} bytes; bcrypt uses only the first ${MAX_PASSWORD_BYTES}`, fix: `choose a password of at most ${MAX_PASSWORD_BYTES} bytes` });
    }
  }
  return problems;
}
