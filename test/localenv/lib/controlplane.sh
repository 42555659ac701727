# shellcheck shell=bash
# etcd + kube-apiserver (+ kube-controller-manager) on 127.0.0.1 under one directory
# (sourced, never run; needs common.sh and pki.sh). Used for the host control plane
# (host.sh) and for each virtual cluster's inner control plane (the kubeadm stand-in).
#
# Layout of a control-plane DIR:
#   ports.env                 ETCD_CLIENT_PORT ETCD_PEER_PORT APISERVER_PORT KCM_PORT
#   pki/                      ca.*, apiserver.*, sa.key/sa.pub, client certs
#   etcd-data/                etcd's data
#   <component>.pid|.log      etcd, kube-apiserver, kube-controller-manager, kubelet-sim

# cp_ports STATE DIR: allocates the ports once and loads DIR/ports.env.
cp_ports() {
  local state=$1 dir=$2
  if [ ! -s "$dir/ports.env" ]; then
    {
      echo "ETCD_CLIENT_PORT=$(free_port "$state")"
      echo "ETCD_PEER_PORT=$(free_port "$state")"
      echo "APISERVER_PORT=$(free_port "$state")"
      echo "KCM_PORT=$(free_port "$state")"
    } >"$dir/ports.env"
  fi
  # shellcheck disable=SC1091
  . "$dir/ports.env"
}

etcd_healthy() { curl -fsS "http://127.0.0.1:$1/health" | grep -q '"health":"true"'; }

cp_start_etcd() {
  local dir=$1 extra=()
  pidfile_alive "$dir/etcd.pid" && return 0
  # --unsafe-no-fsync exists from etcd 3.5 on; a test cluster needs no durability
  etcd --help 2>&1 | grep -q -- '--unsafe-no-fsync' && extra+=(--unsafe-no-fsync)
  mkdir -p "$dir/etcd-data" && chmod 700 "$dir/etcd-data"
  daemon "$dir/etcd.pid" "$dir/etcd.log" etcd --name localenv \
    --data-dir "$dir/etcd-data" \
    --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "localenv=http://127.0.0.1:$ETCD_PEER_PORT" \
    --log-level warn "${extra[@]}"
  wait_until "$VK8S_LOCALENV_TIMEOUT" "etcd on 127.0.0.1:$ETCD_CLIENT_PORT ($dir/etcd.log)" \
    etcd_healthy "$ETCD_CLIENT_PORT"
}

# cp_pki DIR CA_CN SERVICE_CIDR: CA, apiserver serving cert, service-account keys.
cp_pki() {
  local pki=$1/pki cn=$2 cidr=$3
  pki_ca "$pki" "$cn"
  pki_cert "$pki" apiserver /CN=kube-apiserver serverAuth \
    "IP:127.0.0.1,IP:$(first_ip "$cidr"),DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  pki_sa "$pki"
}

apiserver_ready() { curl -fsS --cacert "$1/pki/ca.crt" "https://127.0.0.1:$2/readyz" | grep -qx ok; }

# cp_start_apiserver DIR SERVICE_CIDR [extra flags...]
cp_start_apiserver() {
  local dir=$1 cidr=$2
  shift 2
  pidfile_alive "$dir/kube-apiserver.pid" && return 0
  daemon "$dir/kube-apiserver.pid" "$dir/kube-apiserver.log" kube-apiserver \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 \
    --secure-port="$APISERVER_PORT" \
    --etcd-servers="http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --tls-cert-file="$dir/pki/apiserver.crt" --tls-private-key-file="$dir/pki/apiserver.key" \
    --client-ca-file="$dir/pki/ca.crt" \
    --service-account-key-file="$dir/pki/sa.pub" \
    --service-account-signing-key-file="$dir/pki/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range="$cidr" \
    --service-node-port-range=30000-32767 \
    --authorization-mode=Node,RBAC \
    --allow-privileged=true \
    --endpoint-reconciler-type=none \
    --profiling=false \
    "$@"
  wait_until "$VK8S_LOCALENV_TIMEOUT" "kube-apiserver on 127.0.0.1:$APISERVER_PORT ($dir/kube-apiserver.log)" \
    apiserver_ready "$dir" "$APISERVER_PORT"
}

# write_kubeconfig FILE SERVER CA_FILE USER (token TOKEN | cert CRT KEY) [CLUSTER]
write_kubeconfig() {
  local file=$1 server=$2 ca=$3 user=$4 kind=$5 cluster=${8:-kubernetes} cred
  if [ "$kind" = token ]; then
    cred="    token: $6"
  else
    cred="    client-certificate-data: $(b64 "$6")
    client-key-data: $(b64 "$7")"
  fi
  (
    umask 077
    cat >"$file" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: $(b64 "$ca")
    server: $server
  name: $cluster
contexts:
- context:
    cluster: $cluster
    user: $user
  name: $user@$cluster
current-context: $user@$cluster
preferences: {}
users:
- name: $user
  user:
$cred
KUBECONFIG
  )
}

# kcm_controllers [CONTROLLER...]: --controllers value: every controller except the
# cloud-provider ones and the given ones (names as this kube-controller-manager knows them).
kcm_controllers() {
  local list='*' c pattern='cloud-node-lifecycle(-controller)?|node-route-controller|service-lb-controller'
  for c in "$@"; do pattern="$pattern|$c"; done
  for c in $(kube-controller-manager --help 2>&1 | grep -oE "\b($pattern)\b" | sort -u); do
    list="$list,-$c"
  done
  echo "$list"
}

kcm_healthy() { curl -fsSk "https://127.0.0.1:$1/healthz" | grep -qx ok; }

# cp_start_kcm DIR KUBECONFIG CONTROLLERS: kube-controller-manager on 127.0.0.1:$KCM_PORT.
cp_start_kcm() {
  local dir=$1 kubeconfig=$2 controllers=$3
  if ! pidfile_alive "$dir/kube-controller-manager.pid"; then
    daemon "$dir/kube-controller-manager.pid" "$dir/kube-controller-manager.log" kube-controller-manager \
      --kubeconfig="$kubeconfig" \
      --authentication-kubeconfig="$kubeconfig" \
      --authorization-kubeconfig="$kubeconfig" \
      --bind-address=127.0.0.1 --secure-port="$KCM_PORT" \
      --leader-elect=false \
      --controllers="$controllers" \
      --service-account-private-key-file="$dir/pki/sa.key" \
      --root-ca-file="$dir/pki/ca.crt" \
      --cluster-signing-cert-file="$dir/pki/ca.crt" \
      --cluster-signing-key-file="$dir/pki/ca.key" \
      --profiling=false
  fi
  wait_until "$VK8S_LOCALENV_TIMEOUT" "kube-controller-manager healthz (127.0.0.1:$KCM_PORT, $dir/kube-controller-manager.log)" \
    kcm_healthy "$KCM_PORT"
}

# Components of a control-plane DIR, in stop order.
CP_COMPONENTS="kubelet-sim kube-controller-manager kube-apiserver etcd"

# cp_stop DIR: stops every component of DIR (simulated kubelet first, etcd last).
cp_stop() {
  local dir=$1 c
  for c in $CP_COMPONENTS; do
    stop_pidfile "$dir/$c.pid"
  done
}
