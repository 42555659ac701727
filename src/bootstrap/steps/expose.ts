/**
 * Kubeflow on the user's port (program expose.sh). The host NodePort Service forwards
 * `port` to `targetPort` on the master vNode; inside the vNode, `istio-ingressgateway`
 * (namespace `istio-system`) listens on the inner NodePort `targetPort`. See `Exposure`
 * for what `http-nodeport` and `tls` mean; with `tls` the Certificate and the gateway
 * patch travel as data files.
 */
import type { ResolvedPort } from "../../cluster/resolved";
import type { Exposure, StepProgram } from "../types";
import type { StepContext } from "./context";

/**
 * The istio-ingressgateway Service port that serves Kubeflow for each exposure (the port
 * numbers and names of Istio's ingress gateway chart, as in the Kubeflow manifests): 80
 * (`http2`, plain HTTP) or 443 (`https`). expose.sh gets the number and name as
 * `VK8S_SERVICE_PORT`/`VK8S_SERVICE_PORT_NAME`; status.sh gets the number.
 */
export const INGRESS_GATEWAY_PORTS: Readonly<Record<Exposure, { number: number; name: string }>> = {
  "http-nodeport": { number: 80, name: "http2" },
  tls: { number: 443, name: "https" },
};

/** Secret holding the self-signed certificate of the ingress gateway (`tls`). */
export const TLS_SECRET = "kubeflow-ingressgateway-certs";

function tlsFiles(ctx: StepContext): StepProgram["files"] {
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
        { ...server("http", INGRESS_GATEWAY_PORTS["http-nodeport"].number, "HTTP"), tls: { httpsRedirect: true } },
        { ...server("https", INGRESS_GATEWAY_PORTS.tls.number, "HTTPS"), tls: { mode: "SIMPLE", credentialName: TLS_SECRET } },
      ],
    },
  };
  return [
    { path: "expose/certificate.json", content: `${JSON.stringify(certificate, null, 2)}\n` },
    { path: "expose/gateway-patch.json", content: `${JSON.stringify(gateway, null, 2)}\n` },
  ];
}

export function exposeRun(ctx: StepContext, port: ResolvedPort): StepProgram {
  const tls = ctx.options.exposure === "tls";
  return {
    program: "expose.sh",
    env: {
      VK8S_EXPOSURE: ctx.options.exposure,
      VK8S_NODE_PORT: String(port.targetPort),
      VK8S_HOST_PORT: String(port.port),
      VK8S_SERVICE_PORT: String(INGRESS_GATEWAY_PORTS[ctx.options.exposure].number),
      VK8S_SERVICE_PORT_NAME: INGRESS_GATEWAY_PORTS[ctx.options.exposure].name,
      VK8S_TLS_SECRET: TLS_SECRET,
      VK8S_WAIT_TIMEOUT: String(ctx.options.waitTimeoutSeconds),
    },
    files: tls ? tlsFiles(ctx) : [],
  };
}
