/**
 * The final check (program status.sh): prints every inner node's status and, when Kubeflow
 * is available, reachable on its port, not on the upstream default login, and the login
 * user's Profile is theirs with its namespace created (by the Profiles controller), the
 * `Running` phase marker. Node-independent on purpose: adding a worker does not change it.
 */
import type { ResolvedPort } from "../../cluster/resolved";
import { UPSTREAM_DEFAULT_LOGIN } from "../../cluster/rules/kubeflow";
import type { StepProgram } from "../types";
import type { StepContext } from "./context";
import { INGRESS_GATEWAY_PORTS } from "./expose";
import { profileName } from "./kubeflow";

export function statusRun(ctx: StepContext, port: ResolvedPort | undefined): StepProgram {
  return {
    program: "status.sh",
    env: {
      VK8S_WAIT_TIMEOUT: String(ctx.options.waitTimeoutSeconds),
      // The upstream default login must never stay active (reference, section 4).
      VK8S_CHECK_DEFAULT_LOGIN: ctx.cluster.kubeflow.email !== UPSTREAM_DEFAULT_LOGIN.email ? UPSTREAM_DEFAULT_LOGIN.email : "",
      VK8S_SERVICE_PORT: port ? String(INGRESS_GATEWAY_PORTS[ctx.options.exposure].number) : "",
      VK8S_NODE_PORT: port ? String(port.targetPort) : "",
      VK8S_PROFILE_NAME: profileName(ctx.cluster.kubeflow.email),
      VK8S_PROFILE_USER: ctx.cluster.kubeflow.email,
    },
    files: [],
  };
}
