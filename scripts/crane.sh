#!/usr/bin/env bash
# Provides `crane` (github.com/google/go-containerregistry/cmd/crane) for the registry tests: built
# from its Go module through the Go module proxy at a pinned version, cached per user. Idempotent:
# a cached binary is used as is. Prints the path of the binary.
set -euo pipefail

CRANE_VERSION="${CRANE_VERSION:-v0.22.1}"
MODULE="github.com/google/go-containerregistry/cmd/crane"
cache="${PROMOTION_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/promotion-as-code}/crane/$CRANE_VERSION"
bin="$cache/crane"

if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi

command -v go >/dev/null || { echo "crane: 'go' is not on PATH; it builds $MODULE@$CRANE_VERSION" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "crane: building $MODULE@$CRANE_VERSION through the Go module proxy (once)" >&2
# GOTOOLCHAIN: the module may ask for a newer Go than the machine's; `go install` fetches that
# toolchain through the module proxy when allowed (the machine's default, "auto", does).
if ! (cd "$tmp" && CGO_ENABLED=0 GOBIN="$tmp/bin" go install -trimpath "$MODULE@$CRANE_VERSION") >&2; then
  echo "crane: 'go install $MODULE@$CRANE_VERSION' failed (above)" >&2
  exit 1
fi
[[ -x "$tmp/bin/crane" ]] || { echo "crane: go install produced no binary in $tmp/bin" >&2; exit 1; }
mkdir -p "$cache"
mv "$tmp/bin/crane" "$bin.tmp.$$" && mv "$bin.tmp.$$" "$bin"
echo "$bin"
