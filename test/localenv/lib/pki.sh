# shellcheck shell=bash
# Certificates and keys of a control plane, made with openssl (sourced, never run).
# EC P-256 keys (fast to generate); files are 0600, directories 0700.

# pki_ca DIR CN: DIR/ca.crt + DIR/ca.key, unless present.
pki_ca() {
  local dir=$1 cn=$2
  mkdir -p "$dir" && chmod 700 "$dir"
  [ -s "$dir/ca.crt" ] && return 0
  openssl req -x509 -new -nodes -days 3650 -subj "/CN=$cn" \
    -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
  chmod 600 "$dir/ca.key"
}

# pki_cert DIR NAME SUBJECT USAGE [SAN]: DIR/NAME.crt + DIR/NAME.key signed by DIR/ca.*.
# USAGE is serverAuth or clientAuth; SAN like "IP:127.0.0.1,DNS:localhost".
pki_cert() {
  local dir=$1 name=$2 subject=$3 usage=$4 san=${5:-} ext
  [ -s "$dir/$name.crt" ] && return 0
  ext=$(mktemp)
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$usage"
    [ -z "$san" ] || echo "subjectAltName=$san"
  } >"$ext"
  openssl req -new -nodes -subj "$subject" \
    -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout "$dir/$name.key" -out "$dir/$name.csr" 2>/dev/null
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
    -CAcreateserial -days 3650 -extfile "$ext" -out "$dir/$name.crt" 2>/dev/null
  rm -f "$ext" "$dir/$name.csr"
  chmod 600 "$dir/$name.key"
}

# pki_sa DIR: service-account signing key pair DIR/sa.key + DIR/sa.pub.
pki_sa() {
  local dir=$1
  [ -s "$dir/sa.key" ] && return 0
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$dir/sa.key" 2>/dev/null
  openssl pkey -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null
  chmod 600 "$dir/sa.key"
}

# pki_ca_hash DIR: "sha256:<hex>" of the CA public key, as kubeadm's
# --discovery-token-ca-cert-hash computes it.
pki_ca_hash() {
  printf 'sha256:%s\n' "$(openssl x509 -in "$1/ca.crt" -noout -pubkey \
    | openssl pkey -pubin -outform der 2>/dev/null | sha256sum | cut -d' ' -f1)"
}

# first_ip CIDR: first usable address of an IPv4 CIDR (the kubernetes Service's IP).
first_ip() {
  local ip=${1%/*} a b c d
  IFS=. read -r a b c d <<<"$ip"
  echo "$a.$b.$c.$((d + 1))"
}
