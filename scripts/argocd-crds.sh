#!/usr/bin/env bash
# Provides Argo CD's own CRD manifests (Application, AppProject) for the schema tests, taken from
# the Argo CD Go module at a pinned release through the Go module proxy, cached per user.
# Prints the directory holding application-crd.yaml and appproject-crd.yaml.
set -euo pipefail

ARGOCD_VERSION="${ARGOCD_CRD_VERSION:-v3.5.7}"
MODULE="github.com/argoproj/argo-cd/v3"
cache="${PROMOTION_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/promotion-as-code}/argocd-crds/$ARGOCD_VERSION"

if [[ -s "$cache/application-crd.yaml" && -s "$cache/appproject-crd.yaml" ]]; then
  echo "$cache"
  exit 0
fi

command -v go >/dev/null || { echo "argocd-crds: 'go' is not on PATH; it fetches $MODULE@$ARGOCD_VERSION" >&2; exit 1; }

# One temporary directory for everything below (an empty module-less directory to run
# `go mod download` in, and the staged CRD files), removed however the script ends.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/work" "$tmp/crds"

echo "argocd-crds: downloading $MODULE@$ARGOCD_VERSION through the Go module proxy (a 54 MB zip, 210 MB unpacked in GOMODCACHE; once)" >&2
info=$(cd "$tmp/work" && GOFLAGS=-mod=mod go mod download -json "$MODULE@$ARGOCD_VERSION") || {
  echo "argocd-crds: 'go mod download $MODULE@$ARGOCD_VERSION' failed:" >&2
  echo "$info" >&2
  exit 1
}
dir=$(printf '%s' "$info" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
[[ -d "$dir" ]] || { echo "argocd-crds: no module directory in: $info" >&2; exit 1; }

for crd in application-crd.yaml appproject-crd.yaml; do
  cp "$dir/manifests/crds/$crd" "$tmp/crds/$crd" 2>/dev/null || true
  [[ -s "$tmp/crds/$crd" ]] || { echo "argocd-crds: $crd missing from $dir/manifests/crds" >&2; exit 1; }
done
mkdir -p "$cache"
mv "$tmp"/crds/*.yaml "$cache/"
echo "$cache"
