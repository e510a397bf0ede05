#!/usr/bin/env bash
# Provides Flux's own CRD manifests (GitRepository, HelmRepository, OCIRepository, Kustomization,
# HelmRelease, Provider, Alert) for the schema tests and the test bed, taken from the Flux
# controllers' Go modules (config/crd/bases/) at pinned releases through the Go module proxy,
# cached per user. Prints the directory holding the CRD files.
#
# The versions are the newest each controller's module the proxy serves whole here: source- and
# kustomize-controller v1.10.1 (their go.mod asks for Go 1.27, hence GOTOOLCHAIN below),
# helm-controller v1.6.0 and notification-controller v1.6.0 (their later versions are refused).
set -euo pipefail

SOURCE_VERSION="${FLUX_SOURCE_CONTROLLER_VERSION:-v1.10.1}"
KUSTOMIZE_VERSION="${FLUX_KUSTOMIZE_CONTROLLER_VERSION:-v1.10.1}"
HELM_VERSION="${FLUX_HELM_CONTROLLER_VERSION:-v1.6.0}"
NOTIFICATION_VERSION="${FLUX_NOTIFICATION_CONTROLLER_VERSION:-v1.6.0}"
key="source-$SOURCE_VERSION.kustomize-$KUSTOMIZE_VERSION.helm-$HELM_VERSION.notification-$NOTIFICATION_VERSION"
cache="${PROMOTION_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/promotion-as-code}/flux-crds/$key"

# controller version file...: the CRD files each module ships under config/crd/bases/.
MODULES=(
  "source-controller $SOURCE_VERSION source.toolkit.fluxcd.io_gitrepositories.yaml source.toolkit.fluxcd.io_helmrepositories.yaml source.toolkit.fluxcd.io_ocirepositories.yaml"
  "kustomize-controller $KUSTOMIZE_VERSION kustomize.toolkit.fluxcd.io_kustomizations.yaml"
  "helm-controller $HELM_VERSION helm.toolkit.fluxcd.io_helmreleases.yaml"
  "notification-controller $NOTIFICATION_VERSION notification.toolkit.fluxcd.io_providers.yaml notification.toolkit.fluxcd.io_alerts.yaml"
)

if [[ -f "$cache/complete" ]]; then
  echo "$cache"
  exit 0
fi

command -v go >/dev/null || { echo "flux-crds: 'go' is not on PATH; it fetches the Flux controllers' modules" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/work" "$tmp/crds"

for entry in "${MODULES[@]}"; do
  read -r controller version files <<<"$entry"
  module="github.com/fluxcd/$controller"
  echo "flux-crds: downloading $module@$version through the Go module proxy (once)" >&2
  # A module whose go.mod asks for a newer Go than the local one is refused by `go mod download`
  # unless the toolchain may switch: go1.27.3 comes through the same proxy (once).
  info=$(cd "$tmp/work" && GOTOOLCHAIN="${FLUX_CRDS_GOTOOLCHAIN:-go1.27.3+auto}" GOFLAGS=-mod=mod \
    go mod download -json "$module@$version") || {
    echo "flux-crds: 'go mod download $module@$version' failed:" >&2
    echo "$info" >&2
    exit 1
  }
  dir=$(printf '%s' "$info" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  [[ -d "$dir" ]] || { echo "flux-crds: no module directory in: $info" >&2; exit 1; }
  for file in $files; do
    cp "$dir/config/crd/bases/$file" "$tmp/crds/$file" 2>/dev/null || true
    [[ -s "$tmp/crds/$file" ]] || { echo "flux-crds: $file missing from $dir/config/crd/bases" >&2; exit 1; }
  done
done
mkdir -p "$cache"
mv "$tmp"/crds/*.yaml "$cache/"
chmod u+w "$cache"/*.yaml
printf '%s\n' "${MODULES[@]}" >"$cache/complete"
echo "$cache"
