#!/usr/bin/env bash
# Smoke test of the command provider stand-in (pulumi-resource-command built by
# tools/toolchain.sh from this folder) and of the pulumi-resource-pulumi-nodejs dynamic
# provider script, through the real Pulumi CLI of the toolchain, with a local file backend and a
# passphrase. It starts a throwaway sshd on 127.0.0.1:<free port> (generated host key, authorized
# client keys; also the jump host), and a silent TCP listener (accepts, never speaks SSH), runs
# the program in smoke/index.js, and stops everything it started on exit.
#
# Usage: tools/standins/command-provider/smoke.sh
#   Needs: tools/toolchain.sh run first (pulumi, language host, command plugin), Node.js
#   (scripts/node22.sh), /work/main-style node_modules with @pulumi/pulumi and @pulumi/command
#   at the repo root, /usr/sbin/sshd (openssh-server; installed with apt-get when missing).
# Environment: VK8S_TOOLCHAIN_DIR (default ~/.cache/vk8s/toolchain), KEEP=1 keeps the work dir.
# Prints one PASS/FAIL line per check with its wall time; exits 1 if any check failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
# shellcheck source=/dev/null
. "${VK8S_TOOLCHAIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vk8s/toolchain}/env.sh"
# shellcheck source=/dev/null
. "$repo/scripts/node22.sh"

if [ ! -x /usr/sbin/sshd ]; then
  apt-get update -qq && apt-get install -y -qq openssh-server >/dev/null
fi
mkdir -p /run/sshd

work=$(mktemp -d /tmp/vk8s-command-smoke.XXXXXX)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ]; then echo "work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

failures=0
t0=$SECONDS
pass() { echo "PASS $1 ($((SECONDS - t0))s)"; t0=$SECONDS; }
fail() {
  echo "FAIL $1 ($((SECONDS - t0))s)"
  [ -z "${2:-}" ] || tail -n 30 "$2" | sed 's/^/    /'
  failures=$((failures + 1))
  t0=$SECONDS
}
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# ---- the provider and its unit tests ------------------------------------------------------
# Rebuilds the stand-in when its module changed (cached otherwise), then runs its Go tests in
# place (tools/standins/gotest.sh; the toolchain build leaves them out).
if "$repo/tools/toolchain.sh" command-provider >"$work/toolchain.out" 2>&1; then
  pass "tools/toolchain.sh command-provider: $(grep '^pulumi-resource-command' "$work/toolchain.out" | tail -n 1 | sed 's/ (log: .*//')"
else fail "tools/toolchain.sh command-provider" "$work/toolchain.out"; fi
# shellcheck source=/dev/null
. "$VK8S_TOOLCHAIN_DIR/env.sh"
if [ "$VK8S_COMMAND_PROVIDER" = vk8s-stand-in ]; then
  if bash "$repo/tools/standins/gotest.sh" command-provider >"$work/gotest.out" 2>&1; then
    pass "go test (main_test.go): $(tail -n 1 "$work/gotest.out")"
  else fail "go test (main_test.go)" "$work/gotest.out"; fi
else
  echo "SKIP go test: the installed command provider is '$VK8S_COMMAND_PROVIDER', not the stand-in"
fi

# ---- keys and sshd ------------------------------------------------------------------------
mkdir -p "$work/ssh" "$work/marker" "$work/proj/prog"
chmod 700 "$work/ssh"
ssh-keygen -q -t ed25519 -N '' -C smoke-host -f "$work/ssh/host_key"
ssh-keygen -q -t ed25519 -N '' -C smoke-openssh -f "$work/ssh/id_openssh"
proxy_password="proxy-pass-$RANDOM"
ssh-keygen -q -t ed25519 -N "$proxy_password" -C smoke-proxy -f "$work/ssh/id_proxy"
openssl genpkey -algorithm ed25519 -out "$work/ssh/id_pkcs8" 2>/dev/null
# ssh-keygen cannot read PKCS#8 ed25519 keys: derive the authorized_keys line with sshpk
# (the library components/sshKeyPair.ts formats keys with), from the repository's node_modules.
NODE_PATH="$repo/node_modules" node -e '
  const key = require("sshpk").parsePrivateKey(require("fs").readFileSync(process.argv[1]), "pem").toPublic();
  key.comment = "smoke-pkcs8";
  console.log(key.toString("ssh"));
' "$work/ssh/id_pkcs8" >"$work/ssh/id_pkcs8.pub"
cat "$work/ssh/id_openssh.pub" "$work/ssh/id_proxy.pub" "$work/ssh/id_pkcs8.pub" >"$work/ssh/authorized_keys"
port=$(free_port)
cat >"$work/sshd_config" <<CONFIG
ListenAddress 127.0.0.1:$port
HostKey $work/ssh/host_key
PidFile $work/sshd.pid
AuthorizedKeysFile $work/ssh/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AcceptEnv LANG LC_* PULUMI_COMMAND_* VK8S_*
AllowTcpForwarding yes
MaxStartups 100:30:200
MaxSessions 50
LogLevel DEBUG1
CONFIG
/usr/sbin/sshd -t -f "$work/sshd_config"
/usr/sbin/sshd -D -f "$work/sshd_config" -E "$work/sshd.log" </dev/null >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
# A listener that accepts TCP and never answers: only perDialTimeout ends each attempt.
silent_port=$(free_port)
node -e 'require("net").createServer(() => {}).listen(+process.argv[1], "127.0.0.1")' "$silent_port" &
pids+=($!)
pass "sshd on 127.0.0.1:$port, silent listener on 127.0.0.1:$silent_port"

# ---- project ------------------------------------------------------------------------------
proj=$work/proj
cp "$here/smoke/index.js" "$proj/prog/index.js"
ln -s "$repo/node_modules" "$proj/node_modules" # the program in prog/ has none of its own
echo '{"name": "command-smoke", "private": true}' >"$proj/package.json"
cat >"$proj/Pulumi.yaml" <<'YAML'
name: command-smoke
runtime:
  name: nodejs
  options:
    typescript: false
main: prog/
YAML
export PULUMI_BACKEND_URL="file://$work/state" PULUMI_CONFIG_PASSPHRASE="smoke-passphrase"
mkdir -p "$work/state"
cd "$proj"
stdin_secret="stdin-sentinel-$RANDOM$RANDOM"
pulumi stack init smoke --non-interactive >/dev/null 2>&1
pulumi config set port "$port" >/dev/null
pulumi config set markerDir "$work/marker" >/dev/null
pulumi config set hostKey "$(cut -d' ' -f1,2 "$work/ssh/host_key.pub")" >/dev/null
pulumi config set --secret privateKey <"$work/ssh/id_openssh" >/dev/null
pulumi config set --secret pkcs8Key <"$work/ssh/id_pkcs8" >/dev/null
pulumi config set --secret proxyKey <"$work/ssh/id_proxy" >/dev/null
pulumi config set --secret proxyKeyPassword "$proxy_password" >/dev/null
pulumi config set --secret stdinSecret "$stdin_secret" >/dev/null
pulumi config set wrongHostKey "$(cut -d' ' -f1,2 "$work/ssh/id_openssh.pub")" >/dev/null
log=$work/pulumi.log
: >"$log"
run() { # run NAME ARGS...: pulumi ARGS with output appended to $log and to $work/NAME.out
  echo "## pulumi ${*:2}" >>"$log"
  pulumi "${@:2}" --non-interactive >"$work/$1.out" 2>&1
  local rc=$?
  cat "$work/$1.out" >>"$log"
  return $rc
}
output() { pulumi stack output "$1" --show-secrets; }

# ---- checks -------------------------------------------------------------------------------
if run up up --yes --skip-preview; then
  got="$(output mainStdout)|$(output mainStderr)|$(output proxyStdout)|$(output secretStdout)|$(output localStdout)|$(output dynValue)"
  want="created hello-stdin env=env-ok|warn|via-proxy|$stdin_secret|local from-stdin in $work/marker|dyn-ok!"
  if [ "$got" = "$want" ]; then pass "pulumi up: stdout/stderr of remote (env, stdin), proxied, secret, local and dynamic resources"; else
    echo "    got:  $got" && echo "    want: $want" && fail "pulumi up outputs"
  fi
else fail "pulumi up" "$work/up.out"; fi

if grep -q 'direct-tcpip' "$work/sshd.log"; then pass "via-proxy went through the jump host (direct-tcpip channel in the sshd log)"; else
  fail "no direct-tcpip channel in the sshd log" "$work/sshd.log"
fi

if run preview preview --expect-no-changes; then pass "pulumi preview --expect-no-changes"; else fail "pulumi preview --expect-no-changes" "$work/preview.out"; fi
if run refresh refresh --yes --expect-no-changes; then pass "pulumi refresh --expect-no-changes"; else fail "pulumi refresh --expect-no-changes" "$work/refresh.out"; fi

# A change of `create` is an in-place update that runs the new create with the previous stdout.
pulumi config set createVersion v2 >/dev/null
pulumi preview --json --non-interactive >"$work/preview-update.json" 2>>"$log" || true
ops=$(node -e 'const p=JSON.parse(require("fs").readFileSync(process.argv[1])); console.log((p.steps||[]).filter(s=>s.urn.endsWith("::main")).map(s=>s.op).join(","))' "$work/preview-update.json")
if [ "$ops" = update ]; then pass "create changed: preview plans an update of main"; else fail "create changed: preview plans '$ops' for main, want update"; fi
if run update up --yes --skip-preview && [ "$(output mainStdout)" = "v2 hello-stdin prev=created hello-stdin env=env-ok env=env-ok" ] &&
  [ "$(tail -n 1 "$work/marker/log")" = create-v2 ]; then
  pass "create changed: update re-ran create with PULUMI_COMMAND_STDOUT"
else fail "create changed: update (mainStdout: $(output mainStdout 2>&1))" "$work/update.out"; fi

# A change of `triggers` replaces main: the old one's delete runs.
pulumi config set trigger t2 >/dev/null
pulumi preview --json --non-interactive >"$work/preview-replace.json" 2>>"$log" || true
ops=$(node -e 'const p=JSON.parse(require("fs").readFileSync(process.argv[1])); console.log((p.steps||[]).filter(s=>s.urn.endsWith("::main")).map(s=>s.op).join(","))' "$work/preview-replace.json")
if run replace up --yes --skip-preview && grep -qx 'delete prev=v2 hello-stdin prev=created hello-stdin env=env-ok env=env-ok' "$work/marker/log" &&
  [ "$(grep -c '^create-v2$' "$work/marker/log")" = 2 ] && [[ $ops == *replace* ]]; then
  pass "triggers changed: replace (preview: $ops); delete ran with the previous stdout"
else fail "triggers changed: replace (preview: $ops; marker log: $(tr '\n' ';' <"$work/marker/log"))" "$work/replace.out"; fi

# Unreachable host: dialErrorLimit 2 (3 attempts) x perDialTimeout 2s, then a clear error.
pulumi config set unreachablePort "$silent_port" >/dev/null
start=$EPOCHREALTIME
if run unreachable up --yes --skip-preview; then fail "unreachable host: pulumi up succeeded"; else
  took=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
  msg="remote.Command: unable to reach root@127.0.0.1:$silent_port after 3 attempts (perDialTimeout 2s)"
  if grep -qF "$msg" "$work/unreachable.out" && awk -v t="$took" 'BEGIN { exit !(t < 20) }'; then
    pass "unreachable host: the step failed after $(grep -o 'creating ([0-9.]*s) error' "$work/unreachable.out" | head -n 1 | grep -o '[0-9.]*s'), pulumi up after ${took}s, with '$msg: ...'"
  else fail "unreachable host (${took}s)" "$work/unreachable.out"; fi
fi
pulumi config rm unreachablePort >/dev/null

# Failing commands: exit status and first line; output only from the streams logging allows.
pulumi config set failing true >/dev/null
if run failing up --yes --skip-preview; then fail "failing commands: pulumi up succeeded"; else
  out="$work/failing.out"
  if grep -qF "Process exited with status 3: running \"printf 'leak-%s\\\\n' sentinel; printf 'leak-%s\\\\n' sentinel >&2; exit 3\" (output not shown: logging is \"none\")" "$out" &&
    grep -qF 'Process exited with status 4: running "printf '"'"'shown-%s\\n'"'"' sentinel; printf '"'"'hidden-%s\\n'"'"' sentinel >&2; exit 4..." (stderr not shown: logging is "stdout")' "$out" &&
    grep -q '^ *shown-sentinel' "$out" && ! grep -q 'leak-sentinel\|hidden-sentinel' "$out" &&
    grep -qF "remote.Command: unable to reach root@127.0.0.1:$port after 1 attempt (perDialTimeout 15s): ssh: handshake failed: ssh: host key mismatch" "$out"; then
    pass "failing commands: status, first line, only the logged streams (none / stdout); pinned hostKey mismatch"
  else fail "failing commands: messages" "$out"; fi
fi
pulumi config rm failing >/dev/null

# Secrets stay out of the state and of the CLI output.
pulumi stack export >"$work/export.json"
key_line=$(sed -n 2p "$work/ssh/id_openssh")
if ! grep -qF "$stdin_secret" "$work/export.json" && ! grep -qF "$key_line" "$work/export.json" &&
  ! grep -qF "$proxy_password" "$work/export.json" && ! grep -qF "$stdin_secret" "$log" &&
  grep -q '"secretStdout"' "$work/export.json"; then
  pass "secrets (stdin, echoed stdout with additionalSecretOutputs, keys, key password) absent from stack export and CLI output"
else fail "a secret leaked into the stack export or the CLI output"; fi

if run destroy destroy --yes --skip-preview && [ "$(tail -n 1 "$work/marker/log")" = "delete prev=v2 hello-stdin prev= env=env-ok" ] &&
  [ "$(pulumi stack export | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log((JSON.parse(s).deployment.resources||[]).length))')" = 0 ]; then
  pass "pulumi destroy: delete ran, stack empty"
else fail "pulumi destroy" "$work/destroy.out"; fi
pulumi stack rm --yes smoke >/dev/null 2>&1 || true

if [ "$failures" -gt 0 ]; then
  echo "command provider smoke: $failures check(s) FAILED (pulumi log: $work/pulumi.log; run with KEEP=1 to keep it)"
  exit 1
fi
echo "command provider smoke: all checks passed"
