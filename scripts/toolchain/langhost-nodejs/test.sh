#!/usr/bin/env bash
# Runs main_test.go of the Node.js language host stand-in (RunPlugin, InstallDependencies) with
# `go test`, in a throwaway copy of its build module under $TMPDIR (scripts/toolchain.sh builds
# the stand-in but runs no tests). Needs Go (the toolchain's, /usr/local/go) and node on PATH.
#   bash scripts/toolchain/langhost-nodejs/test.sh [go test flags...]
set -euo pipefail
export PATH="/usr/local/go/bin:$PATH" # where scripts/toolchain.sh installs Go
here=$(cd "$(dirname "$0")" && pwd)
pulumi_version=$(sed -n 's/^PULUMI_VERSION=\([0-9.]*\).*/\1/p' "$here/../../toolchain.sh")
work=$(mktemp -d "${TMPDIR:-/tmp}/vk8s-langhost-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$here"/*.go "$work/"
printf 'module vk8s.local/toolchain/pulumi-language-nodejs-standin\n\ngo 1.26\n' >"$work/go.mod"
cd "$work"
go mod edit -require="github.com/pulumi/pulumi/sdk/v3@v$pulumi_version"
GOFLAGS=-mod=mod GOWORK=off nice -n 10 go mod tidy
GOFLAGS=-mod=mod GOWORK=off nice -n 10 go vet ./...
GOFLAGS=-mod=mod GOWORK=off nice -n 10 go test -count=1 "$@" ./...
