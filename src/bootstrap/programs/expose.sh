#!/bin/sh
# vk8s bootstrap program: Kubeflow on the user's port. The host NodePort Service
# forwards the port to VK8S_NODE_PORT on the master vNode, where istio-ingressgateway
# (istio-system) listens on it as an inner NodePort.
#   http-nodeport: gateway port VK8S_SERVICE_PORT (80), plain HTTP; APP_SECURE_COOKIES=false on the web apps
#     (their secure cookies would never come back over plain HTTP);
#   tls: gateway port VK8S_SERVICE_PORT (443) with a self-signed certificate from the manifests' cert-manager
#     issuer (data file expose/certificate.json), served by kubeflow-gateway
#     (merge patch expose/gateway-patch.json).
# Data: VK8S_EXPOSURE, VK8S_NODE_PORT, VK8S_HOST_PORT, VK8S_SERVICE_PORT and
# VK8S_SERVICE_PORT_NAME (istio-ingressgateway's port of the exposure: INGRESS_GATEWAY_PORTS
# of steps/expose.ts), VK8S_TLS_SECRET, VK8S_WAIT_TIMEOUT.
# shellcheck source=lib.sh
. "${VK8S_STEP_DIR:?}/lib.sh"

use_admin_kubeconfig
kubectl get service istio-ingressgateway -n istio-system >/dev/null \
  || fail "service istio-ingressgateway is missing in istio-system (did the Kubeflow step finish?)"
if [ "$VK8S_EXPOSURE" = tls ]; then
  scheme=https
  kubectl apply -f "$(data expose/certificate.json)" >&2
  kubectl wait --for=condition=Ready "certificate/$VK8S_TLS_SECRET" -n istio-system --timeout="${VK8S_WAIT_TIMEOUT}s" >&2
  kubectl patch gateway.networking.istio.io kubeflow-gateway -n kubeflow --type merge -p "$(cat "$(data expose/gateway-patch.json)")" >&2
else
  scheme=http
  web_apps=$(kubectl get deployments -n kubeflow -o name | grep -e '-web-app' || true)
  for app in $web_apps; do
    kubectl set env -n kubeflow "$app" APP_SECURE_COOKIES=false >&2
    kubectl rollout status -n kubeflow "$app" --timeout="${VK8S_WAIT_TIMEOUT}s" >&2
  done
fi
current=$(kubectl get service istio-ingressgateway -n istio-system -o jsonpath="{.spec.type} {.spec.ports[?(@.port==$VK8S_SERVICE_PORT)].nodePort}")
if [ "$current" = "NodePort $VK8S_NODE_PORT" ]; then
  log "istio-ingressgateway port $VK8S_SERVICE_PORT is already NodePort $VK8S_NODE_PORT"
else
  kubectl patch service istio-ingressgateway -n istio-system \
    -p "{\"spec\":{\"type\":\"NodePort\",\"ports\":[{\"name\":\"$VK8S_SERVICE_PORT_NAME\",\"port\":$VK8S_SERVICE_PORT,\"nodePort\":$VK8S_NODE_PORT}]}}" >&2
fi
kubectl rollout status deployment/istio-ingressgateway -n istio-system --timeout="${VK8S_WAIT_TIMEOUT}s" >&2
log "Kubeflow on $scheme://<host node>:$VK8S_HOST_PORT (inner NodePort $VK8S_NODE_PORT)"
