/**
 * The user's Kubeflow login in dex (reference, section 4; program dex-login.sh). The
 * program reads the bcrypt hash on stdin (the plain password never leaves the Pulumi
 * program) and puts it where the Kubeflow line reads it: `configmap` (up to 1.8:
 * `staticPasswords[].hash` in config map `dex`) or `secret` (from 1.9: `DEX_USER_PASSWORD`
 * of secret `dex-passwords`, with `hashFromEnv` in the config map).
 */
import { digest } from "../password";
import type { StepProgram } from "../types";
import type { StepContext } from "./context";

/** The dex username: the email's local part, reduced to safe characters. */
export function dexUsername(email: string): string {
  return email.split("@")[0].replace(/[^A-Za-z0-9._-]/g, "-") || "user";
}

/** A stable dex user id derived from the email. */
export function dexUserId(email: string): string {
  return digest(`vk8s-dex-user:${email}`).slice(0, 16);
}

export function dexRun(ctx: StepContext): StepProgram {
  const email = ctx.cluster.kubeflow.email;
  return {
    program: "dex-login.sh",
    env: {
      VK8S_DEX_MODE: ctx.row.dexPassword,
      VK8S_DEX_EMAIL: email,
      VK8S_DEX_USERNAME: dexUsername(email),
      VK8S_DEX_USER_ID: dexUserId(email),
      VK8S_KUBEFLOW_LINE: ctx.row.kubeflow,
      VK8S_WAIT_TIMEOUT: String(ctx.options.waitTimeoutSeconds),
    },
    files: [],
  };
}
