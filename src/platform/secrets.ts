/**
 * Users' Kubeflow passwords come from a secret map (the stack's `kubeflowPasswords` config
 * object), never from the users file. This picks one user's, or says how to set it.
 */
import { quote, Vk8sValidationError } from "../core/errors";

/** The config key holding every user's Kubeflow password (`pulumi config set --secret --path 'kubeflowPasswords.<user>'`). */
export const PASSWORDS_CONFIG_KEY = "kubeflowPasswords";

/** How to set one user's password. */
export function setPasswordCommand(user: string): string {
  // Quoted for a POSIX shell whatever the name holds: the command is meant to be pasted.
  const key = `${PASSWORDS_CONFIG_KEY}.${user}`.replace(/'/g, `'\\''`);
  return `pulumi config set --secret --path '${key}' <password>`;
}

/** `passwords[user]`, or throws `Vk8sValidationError` (`kubeflowPasswords["user"]: ... (run: ...)`) without quoting any value. */
export function requirePassword(passwords: Record<string, unknown> | undefined, user: string): string {
  const value = passwords && Object.hasOwn(passwords, user) ? passwords[user] : undefined;
  if (typeof value === "string" && value !== "") return value;
  const what = value === undefined ? "is not set" : "is not a non-empty string";
  throw new Vk8sValidationError({ kind: "vk8s platform" }, [{
    path: `${PASSWORDS_CONFIG_KEY}[${quote(user)}]`,
    message: `the Kubeflow password of user ${user} ${what}`,
    fix: `run: ${setPasswordCommand(user)}`,
  }]);
}
