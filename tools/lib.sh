# shellcheck shell=bash disable=SC2154 # force, TC_ROOT, ... come from tools/toolchain.sh
# Helpers for tools/toolchain.sh (sourced; uses its TC_ROOT, TC_PULUMI_HOME, force,
# TC_MISSING, TC_FAILED; and heartbeat_run from tools/heartbeat.sh). Every build step appends to one log file per tool and
# version under $TC_ROOT/logs; the status line printed per tool is one of
#   <tool> <version>: built in <N>s | cached | on PATH (<path>: <version>) | unavailable: ... | FAILED: ...

# tc_log_start NAME: starts the log $TC_ROOT/logs/NAME.log and the wall-clock timer.
tc_log_start() {
  TC_LOG="$TC_ROOT/logs/$1.log"
  TC_NAME="$1"
  TC_T0=$SECONDS
  : >"$TC_LOG"
  echo "# $1 started $(date -u +%Y-%m-%dT%H:%M:%SZ) with $(go version)" >>"$TC_LOG"
  local last
  last=$(cat "$TC_ROOT/logs/$1.took" 2>/dev/null || true)
  echo "$1: building${last:+ (last build took $((last / 60)) min $((last % 60)) s)}; log: $TC_LOG"
}

# tc_heartbeat LABEL COMMAND...: runs COMMAND (output appended to $TC_LOG) while printing a
# progress line to stdout every VK8S_PROGRESS_SECONDS (default 60): the piece, the minutes so
# far, the last build's time and the log's last line (tools/heartbeat.sh).
tc_heartbeat() {
  TC_HB_LABEL=$1
  TC_HB_LAST=$(cat "$TC_ROOT/logs/${TC_NAME:-none}.took" 2>/dev/null || true)
  shift
  heartbeat_run "${VK8S_PROGRESS_SECONDS:-60}" tc_heartbeat_report tc_logged "$@"
}

# tc_logged COMMAND...: COMMAND with its output appended to $TC_LOG.
tc_logged() { "$@" >>"$TC_LOG" 2>&1; }

# tc_heartbeat_report SECONDS: one progress line of tc_heartbeat.
tc_heartbeat_report() {
  local so_far=$((SECONDS - TC_T0))
  echo "  ... $TC_HB_LABEL: $((so_far / 60)) min $((so_far % 60)) s so far${TC_HB_LAST:+ (last build: $((TC_HB_LAST / 60)) min)}; $(tail -n 1 "$TC_LOG" 2>/dev/null | cut -c1-100)"
}

# tc_path_ok NAME VERSION_OUTPUT EXPECTED: NAME is on PATH outside the cache and its version
# output contains EXPECTED.
tc_path_ok() {
  local path
  path=$(command -v "$1" 2>/dev/null) || return 1
  case "$path" in "$TC_ROOT"/*) return 1 ;; esac
  [[ "$2" == *"$3"* ]]
}

# tc_on_path NAME VERSION_OUTPUT EXPECTED: like tc_path_ok, and says so.
tc_on_path() {
  tc_path_ok "$@" || return 1
  echo "$1: on PATH ($(command -v "$1"): $(echo "$2" | head -1)), not built"
}

# tc_cached DIR BIN...: DIR holds a complete build with every BIN (unless --force).
tc_cached() {
  local dir="$1" b
  shift
  [ "$force" = 0 ] && [ -f "$dir/.complete" ] || return 1
  for b in "$@"; do [ -x "$dir/bin/$b" ] || return 1; done
}

# tc_use LABEL: reports a cache hit.
tc_use() { echo "$1: cached"; }

tc_failed() {
  echo "$1: FAILED: $2" >&2
  if [ -n "${TC_LOG:-}" ] && [ -s "$TC_LOG" ]; then
    echo "  last lines of $TC_LOG:" >&2
    tail -n 15 "$TC_LOG" | sed 's/^/    /' >&2
  fi
  TC_FAILED+=("$1")
}

# tc_unavailable LABEL ANSWER [WHY]: the proxy does not serve the piece; ANSWER is its reply.
tc_unavailable() {
  echo "$1: unavailable: ${3:+$3; }the Go module proxy answered: $2"
  TC_MISSING+=("$1")
}

# tc_proxy_answer MODULE: the go command's error when listing MODULE's versions (or the list).
tc_proxy_answer() {
  go list -m -versions "$1" 2>&1 | tr '\n' ' ' | sed 's/[[:space:]]\+/ /g; s/ $//'
}

# tc_module_available LABEL MODULE VERSION: downloads MODULE@VERSION, or reports it unavailable.
tc_module_available() {
  local out
  if out=$(go mod download -json "$2@$3" 2>&1) && ! grep -q '"Error"' <<<"$out"; then return 0; fi
  tc_unavailable "$1" "$(grep -m1 -E 'Error|403|404|not' <<<"$out" |
    sed 's/^[[:space:]]*"Error": "//; s/",\{0,1\}$//; s/\\n\\t/ /g; s/^[[:space:]]*//')" "$2@$3"
  return 1
}

# tc_step LABEL FUNCTION ARGS...: runs a preparation step into the log.
tc_step() {
  local label="$1"
  shift
  echo "## $*" >>"$TC_LOG"
  if ! tc_heartbeat "$label: $1" "$@"; then
    tc_failed "$label" "step '$1' failed"
    return 1
  fi
}

# tc_module NAME REQUIRE... [OLD=NEW@VERSION...] -- PACKAGE...: writes the throwaway module
# $TC_ROOT/src/NAME that requires each REQUIRE (module@version), applies each replacement and
# imports each main PACKAGE from a tools.go (build tag `tools`), then tidies it. Starts the log.
tc_module() {
  local name="$1" src="$TC_ROOT/src/$1" arg pkgs=() reqs=() reps=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    case "$1" in *=*) reps+=("$1") ;; *) reqs+=("$1") ;; esac
    shift
  done
  shift
  pkgs=("$@")
  tc_log_start "$name"
  rm -rf "$src" && mkdir -p "$src"
  printf 'module vk8s.local/toolchain/%s\n\ngo 1.26\n' "$name" >"$src/go.mod"
  {
    printf '//go:build tools\n\n// Package tools pins the main packages built from this throwaway module.\npackage tools\n\nimport (\n'
    for arg in "${pkgs[@]}"; do printf '\t_ "%s"\n' "$arg"; done
    printf ')\n'
  } >"$src/tools.go"
  local edits=()
  for arg in "${reqs[@]}"; do edits+=("-require=$arg"); done
  for arg in "${reps[@]}"; do edits+=("-replace=$arg"); done
  echo "## go mod edit ${edits[*]} && go mod tidy" >>"$TC_LOG"
  if ! tc_heartbeat "$name: go mod tidy (downloads)" tc_in "$src" sh -c 'go mod edit "$@" && nice -n 10 go mod tidy' - "${edits[@]}"; then
    tc_failed "$name" "go mod tidy failed"
    return 1
  fi
}

# tc_build LABEL DIR SRC LDFLAGS BIN=PACKAGE...: builds each PACKAGE in SRC into DIR/bin/BIN.
tc_build() {
  local label="$1" dir="$2" src="$3" ld="$4" spec
  shift 4
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/bin"
  for spec in "$@"; do
    echo "## go build -o bin/${spec%%=*} ${spec#*=}" >>"$TC_LOG"
    if ! tc_heartbeat "$label: go build ${spec%%=*}" tc_in "$src" nice -n 10 go build -trimpath -ldflags "-s -w $ld" -o "$dir.tmp/bin/${spec%%=*}" "${spec#*=}"; then
      tc_failed "$label" "go build ${spec#*=} failed"
      return 1
    fi
  done
  tc_finish "$label" "$dir"
}

# tc_in DIR COMMAND...: runs COMMAND in DIR (a subshell).
tc_in() { (cd "$1" && shift && "$@"); }

# tc_install LABEL DIR MODULE@VERSION: `go install` for modules without replace lines.
tc_install() {
  local label="$1" dir="$2"
  tc_log_start "$(basename "$dir")"
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/bin"
  echo "## go install $3" >>"$TC_LOG"
  if ! tc_heartbeat "$label: go install" tc_in "$TC_ROOT" env GOBIN="$dir.tmp/bin" GOFLAGS=-buildvcs=false nice -n 10 go install -trimpath -ldflags "-s -w" "$3"; then
    tc_failed "$label" "go install $3 failed"
    return 1
  fi
  tc_finish "$label" "$dir"
}

# tc_finish LABEL DIR: marks DIR.tmp complete, moves it into place, reports the wall time.
tc_finish() {
  local took=$((SECONDS - TC_T0))
  echo "built in ${took}s by $(go version)" >"$2.tmp/.complete"
  echo "# done in ${took}s" >>"$TC_LOG"
  [ -z "${TC_NAME:-}" ] || echo "$took" >"$TC_ROOT/logs/$TC_NAME.took"
  rm -rf "$2" && mv "$2.tmp" "$2"
  echo "$1: built in ${took}s (log: $TC_LOG)"
}

# tc_install_plugin NAME VERSION BINARY: installs a resource plugin into the Pulumi plugin cache
# the way `pulumi plugin install` lays it out: plugins/resource-NAME-vVERSION/pulumi-resource-NAME
# (a real folder; no .partial marker, which would hide it). Hard link, else copy.
tc_install_plugin() {
  local pdir="$TC_PULUMI_HOME/plugins/resource-$1-v$2" exe="pulumi-resource-$1"
  if [ -x "$pdir/$exe" ] && [ "$pdir/$exe" -ef "$3" ] && [ ! -e "$pdir.partial" ]; then return; fi
  mkdir -p "$pdir"
  rm -f "$pdir.partial" "$pdir/$exe"
  ln "$3" "$pdir/$exe" 2>/dev/null || cp "$3" "$pdir/$exe"
  echo "  installed plugin resource-$1-v$2 into $pdir"
}

# tc_plugin_installed NAME VERSION: the plugin is fully installed in the Pulumi plugin cache.
tc_plugin_installed() {
  local pdir="$TC_PULUMI_HOME/plugins/resource-$1-v$2"
  [ -x "$pdir/pulumi-resource-$1" ] && [ ! -e "$pdir.partial" ]
}

# tc_is_command_standin FILE: FILE is vk8s's command provider stand-in (it embeds this marker).
tc_is_command_standin() {
  grep -qa vk8s-command-provider-stand-in "$1" 2>/dev/null
}

# tc_place_nodejs_dynamic_provider: puts pulumi-resource-pulumi-nodejs (Node.js dynamic
# providers; real Pulumi ships it as a script in its release archive, the Go modules do not have
# it) next to the cached `pulumi`, where the CLI looks for bundled plugins.
tc_place_nodejs_dynamic_provider() {
  local dir="$TC_ROOT/pulumi-v$PULUMI_VERSION" src="$TC_TOOLS/standins/langhost-nodejs/pulumi-resource-pulumi-nodejs"
  [ -f "$dir/.complete" ] || return 0
  if ! cmp -s "$src" "$dir/bin/pulumi-resource-pulumi-nodejs"; then
    cp "$src" "$dir/bin/pulumi-resource-pulumi-nodejs.tmp" && chmod 755 "$dir/bin/pulumi-resource-pulumi-nodejs.tmp" &&
      mv "$dir/bin/pulumi-resource-pulumi-nodejs.tmp" "$dir/bin/pulumi-resource-pulumi-nodejs"
    echo "pulumi-resource-pulumi-nodejs (vk8s script): placed next to pulumi in $dir/bin"
  fi
}

# tc_kubernetes_staging_modules VERSION: the k8s.io/* modules that k8s.io/kubernetes@vVERSION
# replaces with ./staging paths.
tc_kubernetes_staging_modules() {
  local gomod
  gomod=$(cd "$TC_ROOT" && go mod download -json "k8s.io/kubernetes@v$1" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')
  [ -n "$gomod" ] || return 0
  awk '$2 == "=>" && $3 ~ /^\.\/staging\// { print $1 }' "$gomod"
}

# tc_write_env: writes $TC_ROOT/env.sh from the pinned versions present in the cache.
tc_write_env() {
  local env="$TC_ROOT/env.sh" d paths=() missing=()
  for d in pulumi-v$PULUMI_VERSION pulumi-language-yaml-v$PULUMI_YAML_VERSION etcd-v$ETCD_VERSION kubernetes-v$KUBERNETES_VERSION kustomize-v$KUSTOMIZE_VERSION coredns-v$COREDNS_VERSION cri-tools-v$CRI_TOOLS_VERSION flannel-v$FLANNEL_VERSION; do
    [ -f "$TC_ROOT/$d/.complete" ] && paths+=("$TC_ROOT/$d/bin")
  done
  # The language host sits next to the cached pulumi; only with another pulumi is the stand-in
  # put on PATH (where the CLI finds it, with a warning).
  local host
  host=$(cat "$TC_ROOT/pulumi-v$PULUMI_VERSION/language-host" 2>/dev/null || true)
  d=$(tc_language_nodejs_standin_dir)
  if [ -z "$host" ] && [ -f "$d/.complete" ] && ! command -v pulumi-language-nodejs >/dev/null; then
    paths+=("$d/bin")
    host=vk8s-stand-in
  fi
  local p
  for p in pulumi pulumi-language-nodejs pulumi-language-yaml pulumi-resource-pulumi-nodejs etcd kubectl kustomize coredns crictl flanneld "${KUBERNETES_BINARIES[@]}"; do
    PATH="$(IFS=:; echo "${paths[*]:-/nonexistent}"):$PATH" command -v "$p" >/dev/null || missing+=("$p")
  done
  for p in "kubernetes-v$KUBERNETES_PROVIDER_VERSION" "command-v$COMMAND_PROVIDER_VERSION"; do
    [ -x "$TC_PULUMI_HOME/plugins/resource-$p/pulumi-resource-${p%%-v*}" ] || missing+=("pulumi-resource-$p")
  done
  local command_provider="" cmd_bin="$TC_PULUMI_HOME/plugins/resource-command-v$COMMAND_PROVIDER_VERSION/pulumi-resource-command"
  if [ -x "$cmd_bin" ]; then
    command_provider=pulumi
    tc_is_command_standin "$cmd_bin" && command_provider=vk8s-stand-in
  fi
  {
    echo "# Generated by tools/toolchain.sh: source it to use the vk8s toolchain."
    echo "export VK8S_TOOLCHAIN_DIR='$TC_ROOT'"
    for d in "${paths[@]}"; do
      echo "case \":\$PATH:\" in *':$d:'*) ;; *) PATH='$d':\"\$PATH\" ;; esac"
    done
    echo "export PATH"
    echo "export PULUMI_HOME='$TC_PULUMI_HOME'"
    echo "export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true"
    echo "export PULUMI_SKIP_UPDATE_CHECK=true"
    echo "# Node.js language host: pulumi (the real one), vk8s-stand-in, or empty when not from the cache."
    echo "export VK8S_PULUMI_LANGUAGE_HOST='$host'"
    echo "# Command provider plugin resource-command-v$COMMAND_PROVIDER_VERSION: pulumi (the real one), vk8s-stand-in"
    echo "# (tools/standins/command-provider: the proxy does not serve the real one), or empty when missing."
    echo "export VK8S_COMMAND_PROVIDER='$command_provider'"
    echo "# Pieces not available on this machine (space-separated; empty when complete)."
    echo "export VK8S_TOOLCHAIN_MISSING='${missing[*]}'"
  } >"$env.tmp"
  mv "$env.tmp" "$env"
}
