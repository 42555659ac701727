/**
 * Kubeflow on the user's port. The host NodePort Service forwards `port` to `targetPort`
 * on the master vNode; inside the vNode, `istio-ingressgateway` (namespace
 * `istio-system`) listens on the inner NodePort `targetPort`. See `Exposure` for what
 * `http-nodeport` and `tls` mean.
 */
import type { ResolvedPort } from "../../spec/resolved";
import { USE_ADMIN_KUBECONFIG, header, script, shq } from "../shell";
import type { StepContext } from "./context";

/** Secret holding the self-signed certificate of the ingress gateway (`tls`). */
export const TLS_SECRET = "kubeflow-ingressgateway-certs";

function nodePortPatch(servicePort: number, nodePort: number, name: string): string {
  return JSON.stringify({ spec: { type: "NodePort", ports: [{ name, port: servicePort, nodePort }] } });
}

function exposeGateway(servicePort: number, portName: string, target: number): string {
  return [
    `current=$(kubectl get service istio-ingressgateway -n istio-system -o jsonpath='{.spec.type} {.spec.ports[?(@.port==${servicePort})].nodePort}')`,
    `if [ "$current" = "NodePort ${target}" ]; then`,
    `  log "istio-ingressgateway port ${servicePort} is already NodePort ${target}"`,
    "else",
    `  kubectl patch service istio-ingressgateway -n istio-system -p ${shq(nodePortPatch(servicePort, target, portName))} >&2`,
    "fi",
  ].join("\n");
}

function insecureCookies(ctx: StepContext): string {
  const t = ctx.options.waitTimeoutSeconds;
  return [
    "# Plain HTTP: the web apps' secure cookies would never come back, so turn them off.",
    `web_apps=$(kubectl get deployments -n kubeflow -o name | grep -e '-web-app' || true)`,
    "for app in $web_apps; do",
    `  kubectl set env -n kubeflow "$app" APP_SECURE_COOKIES=false >&2`,
    `  kubectl rollout status -n kubeflow "$app" --timeout=${t}s >&2`,
    "done",
  ].join("\n");
}

function selfSignedTls(ctx: StepContext): string {
  const certificate = {
    apiVersion: "cert-manager.io/v1",
    kind: "Certificate",
    metadata: { name: TLS_SECRET, namespace: "istio-system" },
    spec: {
      commonName: `${ctx.cluster.name}.kubeflow`,
      dnsNames: [`${ctx.cluster.name}.kubeflow`, ctx.cluster.master.hostname],
      issuerRef: { kind: "ClusterIssuer", name: "kubeflow-self-signing-issuer" },
      secretName: TLS_SECRET,
    },
  };
  const server = (name: string, number: number, protocol: string) => ({ hosts: ["*"], port: { name, number, protocol } });
  const gateway = {
    spec: {
      servers: [
        { ...server("http", 80, "HTTP"), tls: { httpsRedirect: true } },
        { ...server("https", 443, "HTTPS"), tls: { mode: "SIMPLE", credentialName: TLS_SECRET } },
      ],
    },
  };
  const t = ctx.options.waitTimeoutSeconds;
  return [
    "# TLS: a self-signed certificate from the manifests' cert-manager issuer, served by kubeflow-gateway.",
    `printf '%s\\n' ${shq(JSON.stringify(certificate))} | kubectl apply -f - >&2`,
    `kubectl wait --for=condition=Ready certificate/${TLS_SECRET} -n istio-system --timeout=${t}s >&2`,
    `kubectl patch gateway.networking.istio.io kubeflow-gateway -n kubeflow --type merge -p ${shq(JSON.stringify(gateway))} >&2`,
  ].join("\n");
}

export function exposeScript(ctx: StepContext, id: string, port: ResolvedPort): string {
  const tls = ctx.options.exposure === "tls";
  const t = ctx.options.waitTimeoutSeconds;
  return script(
    header({ id, title: `expose Kubeflow on NodePort ${port.targetPort} (${ctx.options.exposure})`, node: ctx.cluster.master.name }),
    USE_ADMIN_KUBECONFIG,
    `kubectl get service istio-ingressgateway -n istio-system >/dev/null || fail "service istio-ingressgateway is missing in istio-system (did the Kubeflow step finish?)"`,
    tls ? selfSignedTls(ctx) : insecureCookies(ctx),
    exposeGateway(tls ? 443 : 80, tls ? "https" : "http2", port.targetPort),
    [
      `kubectl rollout status deployment/istio-ingressgateway -n istio-system --timeout=${t}s >&2`,
      `log "Kubeflow on ${tls ? "https" : "http"}://<host node>:${port.port} (inner NodePort ${port.targetPort})"`,
    ].join("\n"),
  );
}
