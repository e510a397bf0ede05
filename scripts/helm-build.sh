#!/usr/bin/env bash
# Builds the `helm` command from its Go module (helm.sh/helm/v3) through the Go module proxy into a
# per-user cache, for the test bed: Argo CD's repo-server renders Helm-chart Applications with it.
# Prints the directory holding `helm`. --check prints it when built, else fails (builds nothing).
# Cold: about 10-15 min on 2 cores (the module's dependencies compile); cached: instant.
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-v3.22.0}"
cache="${PROMOTION_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/promotion-as-code}/helm/$HELM_VERSION"

if [[ -x "$cache/helm" ]]; then
  echo "$cache"
  exit 0
fi
if [[ "${1:-}" == "--check" ]]; then
  echo "helm-build: helm $HELM_VERSION is not built (run scripts/helm-build.sh)" >&2
  exit 1
fi
command -v go >/dev/null || { echo "helm-build: 'go' is not on PATH; it builds helm.sh/helm/v3@$HELM_VERSION" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "helm-build: building helm.sh/helm/v3/cmd/helm@$HELM_VERSION from the Go module proxy (once)" >&2
(
  cd "$tmp"
  printf 'module helmbuild\n\ngo 1.26\n' >go.mod
  export GOTOOLCHAIN="${HELM_GOTOOLCHAIN:-go1.27.3+auto}" GOFLAGS=-mod=mod
  go get "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >"$tmp/build.log" 2>&1 &&
    go build -trimpath -o "$tmp/helm" helm.sh/helm/v3/cmd/helm >>"$tmp/build.log" 2>&1
) || {
  echo "helm-build: building helm $HELM_VERSION failed; the end of its log:" >&2
  tail -n 30 "$tmp/build.log" >&2
  exit 1
}
mkdir -p "$cache"
mv "$tmp/helm" "$cache/helm"
echo "$cache"
