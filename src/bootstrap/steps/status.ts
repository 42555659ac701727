/**
 * The final check: prints every inner node's status (`VK8S_NODE <node> Ready|NotReady`)
 * and, when Kubeflow is available, reachable on its port and not on the upstream default
 * login, the `Running` phase marker. Otherwise it says which check failed and exits 1.
 * Node-independent on purpose: adding a worker does not change this step.
 */
import type { ResolvedPort } from "../../spec/resolved";
import { USE_ADMIN_KUBECONFIG, header, phaseMarker, script } from "../shell";
import type { StepContext } from "./context";

/** The upstream default login that must never stay active (reference, section 4). */
export const UPSTREAM_DEFAULT_EMAIL = "user@example.com";

export function statusScript(ctx: StepContext, id: string, port: ResolvedPort | undefined): string {
  const t = ctx.options.waitTimeoutSeconds;
  const servicePort = ctx.options.exposure === "tls" ? 443 : 80;
  const checks = [
    `not_running() { echo "VK8S_STATUS not-running: $*"; fail "$*"; }`,
    `nodes=$(kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}') \\`,
    `  || not_running "cannot list the nodes of the virtual cluster"`,
    `printf '%s\\n' "$nodes" | awk 'NF { print "VK8S_NODE " $1 " " ($2 == "True" ? "Ready" : "NotReady") }'`,
    `kubectl wait --for=condition=Available deployment --all -n kubeflow --timeout=${t}s >&2 \\`,
    `  || not_running "Kubeflow deployments in namespace kubeflow are not available after ${t}s"`,
  ];
  if (ctx.cluster.kubeflow.email !== UPSTREAM_DEFAULT_EMAIL) {
    checks.push(
      `if kubectl get configmap dex -n auth -o jsonpath='{.data.config\\.yaml}' | grep -qF '${UPSTREAM_DEFAULT_EMAIL}'; then`,
      `  not_running "the upstream default login ${UPSTREAM_DEFAULT_EMAIL} is active in dex (re-run the dex login step)"`,
      "fi",
    );
  }
  if (port) {
    checks.push(
      `node_port=$(kubectl get service istio-ingressgateway -n istio-system -o jsonpath='{.spec.ports[?(@.port==${servicePort})].nodePort}')`,
      `[ "$node_port" = "${port.targetPort}" ] \\`,
      `  || not_running "istio-ingressgateway port ${servicePort} is on NodePort $node_port, not ${port.targetPort} (re-run the expose step)"`,
    );
  }
  return script(
    header({ id, title: "check the virtual cluster and report the phase reached", node: ctx.cluster.master.name }),
    USE_ADMIN_KUBECONFIG,
    checks.join("\n"),
    phaseMarker("Running"),
  );
}
