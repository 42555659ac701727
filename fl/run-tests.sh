#!/usr/bin/env bash
# Runs the Python tests of fl/ (pytest) in a venv cached per requirements.txt.
#
#   bash fl/run-tests.sh [pytest args...]      e.g. bash fl/run-tests.sh -s -k federated
#   bash fl/run-tests.sh --setup-only          only make (or reuse) the venv
#
# The venv lives at ${XDG_CACHE_HOME:-$HOME/.cache}/vk8s/fl-venv-<hash>, where <hash> is
# taken from requirements.txt and the Python version, so a changed pin builds a new venv
# and an unchanged one is reused. Packages come from PyPI through pip. Exit code: pytest's.
# Env: PYTHON  interpreter to use (default: /root/.pyenv/shims/python3 if present, else python3)
#      FL_TEST_TIMEOUT  seconds the whole pytest run may take (default: 1200)
#      FL_WITH_TF=1  also install requirements-tf.txt (tensorflow-cpu, ~600 MB) into a venv of
#                    its own (fl-tf-venv-<hash>), so the EfficientNetB0 tests run instead of
#                    being skipped. Off by default: CI does not pay for the install.
set -euo pipefail

FL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ -z "${PYTHON:-}" ]]; then
  if [[ -x /root/.pyenv/shims/python3 ]]; then PYTHON=/root/.pyenv/shims/python3; else PYTHON=python3; fi
fi
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || {
  echo "fl/run-tests.sh: $PYTHON is $("$PYTHON" --version 2>&1); need Python 3.10+ (set PYTHON=...)" >&2
  exit 2
}

PY_VERSION="$("$PYTHON" -c 'import sys; print(sys.version.split()[0])')"
REQUIREMENTS=("$FL_DIR/requirements.txt")
NAME=fl-venv
if [[ "${FL_WITH_TF:-0}" == 1 ]]; then
  REQUIREMENTS+=("$FL_DIR/requirements-tf.txt")
  NAME=fl-tf-venv
fi
HASH="$( { cat "${REQUIREMENTS[@]}"; echo "python $PY_VERSION"; } | sha256sum | cut -c1-16)"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/vk8s"
VENV="$CACHE_ROOT/$NAME-$HASH"
mkdir -p "$CACHE_ROOT"

# One builder at a time; a venv counts only once its .complete marker is written.
exec 9>"$VENV.lock"
flock 9
if [[ ! -f "$VENV/.complete" ]]; then
  echo "fl: building venv $VENV (Python $PY_VERSION)"
  started=$(date +%s)
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --no-input --disable-pip-version-check \
    "${REQUIREMENTS[@]/#/-r}"
  touch "$VENV/.complete"
  echo "fl: venv installed in $(( $(date +%s) - started ))s"
elif [[ "${1:-}" != --setup-only ]]; then
  echo "fl: reusing venv $VENV"
fi
flock -u 9
# --setup-only: make the venv and stop (scripts/setup.sh).
[[ "${1:-}" != --setup-only ]] || exit 0

cd "$FL_DIR"
export FLWR_TELEMETRY_ENABLED=0
# -p no:cacheprovider: leave no .pytest_cache in the work tree.
exec timeout --kill-after=30 "${FL_TEST_TIMEOUT:-1200}" \
  "$VENV/bin/python" -m pytest -p no:cacheprovider "$@"
