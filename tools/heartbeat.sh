# shellcheck shell=bash
# heartbeat_run EVERY REPORT COMMAND...: runs COMMAND in this shell and, every EVERY seconds
# while it runs, calls the function REPORT with the whole seconds since the start. Returns
# COMMAND's status. The one progress loop of the long builds (tools/lib.sh, scripts/setup.sh,
# scripts/images.sh): CI's log shows a line a minute, never a silent 10 minutes.
# The reporter's `sleep` is killed with it, so nothing keeps the caller's pipes open after
# COMMAND ends (a pipe reader such as `| tee` would otherwise wait out the last sleep). When
# COMMAND ends the shell itself (a function that calls `exit`), the reporter notices at its
# next wake-up and ends without reporting: at most one period, never a reporter left running.
heartbeat_run() {
  local every=$1 report=$2 t0=$SECONDS pid rc=0
  shift 2
  (
    nap=
    trap 'kill "$nap" 2>/dev/null; exit 0' TERM
    while :; do
      sleep "$every" &
      nap=$!
      wait "$nap"
      kill -0 "$$" 2>/dev/null || exit 0 # $$: the shell that called heartbeat_run
      "$report" $((SECONDS - t0))
    done
  ) &
  pid=$!
  "$@" || rc=$?
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  return "$rc"
}
