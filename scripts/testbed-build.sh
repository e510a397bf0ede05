#!/usr/bin/env bash
# scripts/testbed-build.sh - build the test bed's binaries from Go modules: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubectl, kwok, kustomize and Argo CD, into a per-user
# cache keyed by their versions; install redis-server and git from Debian when missing.
#
# Usage: scripts/testbed-build.sh [--force] [--check] [--help]   (or: npm run testbed -- build)
# The LAST line of stdout is the cache directory (bin/ and share/ inside). Progress on stderr.
# See docs/testbed.md.
set -Eeuo pipefail

# --------------------------------------------------------------------------------------------
# Pins. They must agree with testbed/build/go.mod (checked below). One module for everything, so
# that one `go build` compiles the k8s.io libraries shared by the control plane, kubectl, kwok,
# kustomize and Argo CD once: the control plane is taken at the Kubernetes release Argo CD itself
# builds against (v1.37.0 / k8s.io v0.37.0), etcd at the client line that release uses (3.7).
# --------------------------------------------------------------------------------------------
readonly ARGOCD_MOD=github.com/argoproj/argo-cd/v3 ARGOCD_VER=v3.6.1
readonly K8S_MOD=k8s.io/kubernetes K8S_VER=v1.37.0
readonly ETCD_MOD=go.etcd.io/etcd/server/v3 ETCD_VER=v3.7.3
readonly KWOK_MOD=sigs.k8s.io/kwok KWOK_VER=v0.8.0
readonly KUSTOMIZE_MOD=sigs.k8s.io/kustomize/kustomize/v5 KUSTOMIZE_VER=v5.8.3
# Argo CD's go.mod says go 1.27.0; Go 1.27 comes from the module proxy as a toolchain module.
export GOTOOLCHAIN=go1.27.3

readonly PACKAGES=(
	"$ARGOCD_MOD/cmd"
	"$ETCD_MOD"
	"$K8S_MOD/cmd/kube-apiserver"
	"$K8S_MOD/cmd/kube-controller-manager"
	"$K8S_MOD/cmd/kube-scheduler"
	"$K8S_MOD/cmd/kubectl"
	"$KUSTOMIZE_MOD"
	"$KWOK_MOD/cmd/kwok"
)
# What `go build -o DIR` names each package's binary, in PACKAGES order.
readonly BINARIES=(cmd server kube-apiserver kube-controller-manager kube-scheduler kubectl kustomize kwok)
# ... and what the test bed calls them.
readonly NAMES=(argocd etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kustomize kwok)

usage() {
	sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
	cat <<EOF

Versions: Argo CD ${ARGOCD_VER}, Kubernetes ${K8S_VER}, etcd ${ETCD_VER}, kwok ${KWOK_VER},
kustomize ${KUSTOMIZE_VER}; built with GOTOOLCHAIN=${GOTOOLCHAIN} (fetched through the module proxy).
Cache: \${PROMOTION_TESTBED_CACHE:-\${XDG_CACHE_HOME:-\$HOME/.cache}/promotion-as-code/testbed}/<key>
Cold: about 20-25 min on 2 cores; cached: under a second.
EOF
}

FORCE=0 CHECK=0
while (($#)); do
	case "$1" in
	--force) FORCE=1 ;;
	--check) CHECK=1 ;; # print the cache directory if it is built, else fail; never build
	-h | --help)
		usage
		exit 0
		;;
	*)
		echo "testbed-build.sh: unknown argument: $1 (see --help)" >&2
		exit 2
		;;
	esac
	shift
done

# --------------------------------------------------------------------------------------------
# Logging and failure reporting: every failure names the step, the module and the version.
# --------------------------------------------------------------------------------------------
STEPS_NAME=testbed-build STEPS_DOC="docs/testbed.md (Troubleshooting)"
# shellcheck source=scripts/lib/steps.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/steps.sh"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODULE_DIR=$ROOT/testbed/build
CACHE_ROOT=${PROMOTION_TESTBED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/promotion-as-code/testbed}
MODULE_SUM=$(cat "$MODULE_DIR/go.mod" "$MODULE_DIR/go.sum" | sha256sum | cut -c1-12)
KEY="argocd-${ARGOCD_VER#v}_k8s-${K8S_VER#v}_etcd-${ETCD_VER#v}_kwok-${KWOK_VER#v}_kustomize-${KUSTOMIZE_VER#v}_${MODULE_SUM}"
DIR=$CACHE_ROOT/$KEY
mkdir -p "$DIR/logs"
BUILD_LOG=$DIR/logs/build.log
STAMP=$DIR/stamp
if ((CHECK)); then
	[[ -f $STAMP ]] && command -v redis-server >/dev/null && command -v git >/dev/null || exit 1
	printf '%s\n' "$DIR"
	exit 0
fi

# --------------------------------------------------------------------------------------------
# 1. Debian packages the test bed runs as they are: redis-server (Argo CD's cache) and git.
# --------------------------------------------------------------------------------------------
step "install redis-server and git from Debian" "debian:redis-server,git" "-" "$DIR/logs/apt.log"
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v git >/dev/null 2>&1 || missing+=(git)
if ((${#missing[@]})); then
	log "installing ${missing[*]} from Debian (log: $DIR/logs/apt.log)"
	SUDO=()
	((EUID == 0)) || SUDO=(sudo)
	run_logged "$DIR/logs/apt.log" "${SUDO[@]}" apt-get update
	run_logged "$DIR/logs/apt.log" env DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi

# --------------------------------------------------------------------------------------------
# 2. The pins above agree with the wrapper module.
# --------------------------------------------------------------------------------------------
step "check testbed/build/go.mod against the pins" "-" "-"
for pin in "$ARGOCD_MOD $ARGOCD_VER" "$K8S_MOD $K8S_VER" "$ETCD_MOD $ETCD_VER" "$KWOK_MOD $KWOK_VER" "$KUSTOMIZE_MOD $KUSTOMIZE_VER"; do
	if ! grep -qE "^[[:space:]]*${pin% *} ${pin#* }([[:space:]]|$)" "$MODULE_DIR/go.mod"; then
		echo "testbed-build.sh: testbed/build/go.mod does not require ${pin% *} ${pin#* } (update the pins or the module)" >&2
		exit 2
	fi
done

if ((!FORCE)) && [[ -f $STAMP ]] && for n in "${NAMES[@]}"; do [[ -x $DIR/bin/$n ]] || exit 1; done; then
	log "cached: $DIR"
	printf '%s\n' "$DIR"
	exit 0
fi

# --------------------------------------------------------------------------------------------
# 3. Build every binary in one `go build` (shared compile cache, one link per binary).
# --------------------------------------------------------------------------------------------
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
[[ -x $GO ]] || {
	echo "testbed-build.sh: Go not found (set GO=/path/to/go or put go on PATH)" >&2
	exit 2
}
step "fetch Go $GOTOOLCHAIN through the module proxy" "golang.org/toolchain" "$GOTOOLCHAIN" "$BUILD_LOG"
(cd "$MODULE_DIR" && run_logged "$BUILD_LOG" "$GO" version)

step "download modules" "$ARGOCD_MOD, $K8S_MOD, $ETCD_MOD, $KWOK_MOD, $KUSTOMIZE_MOD" "$ARGOCD_VER, $K8S_VER, $ETCD_VER, $KWOK_VER, $KUSTOMIZE_VER" "$BUILD_LOG"
log "downloading modules (log: $BUILD_LOG)"
(cd "$MODULE_DIR" && run_logged "$BUILD_LOG" "$GO" mod download)

k8s_version_flags() {
	local pkg v=$K8S_VER minor
	minor=${v#v1.}
	minor=${minor%%.*}
	# Without these, clients (and Pulumi's provider) see the apiserver as version v0.0.0.
	for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		printf -- '-X %s.gitVersion=%s -X %s.gitMajor=1 -X %s.gitMinor=%s -X %s.gitTreeState=clean -X %s.buildDate=1970-01-01T00:00:00Z ' \
			"$pkg" "$v" "$pkg" "$pkg" "$minor" "$pkg" "$pkg"
	done
}
LDFLAGS="-s -w $(k8s_version_flags)-X github.com/argoproj/argo-cd/v3/common.version=${ARGOCD_VER#v}"

step "go build" "${PACKAGES[*]}" "$ARGOCD_VER, $K8S_VER, $ETCD_VER, $KWOK_VER, $KUSTOMIZE_VER" "$BUILD_LOG"
log "building ${NAMES[*]} (cold: 20-25 min on 2 cores; log: $BUILD_LOG)"
OUT=$DIR/out
rm -rf "$OUT" && mkdir -p "$OUT" "$DIR/bin"
started=$(date +%s)
(cd "$MODULE_DIR" && CGO_ENABLED=0 run_logged "$BUILD_LOG" "$GO" build -mod=readonly -trimpath -ldflags "$LDFLAGS" -o "$OUT/" "${PACKAGES[@]}")
for i in "${!BINARIES[@]}"; do
	mv -f "$OUT/${BINARIES[$i]}" "$DIR/bin/${NAMES[$i]}"
done
rmdir "$OUT"
log "built in $(($(date +%s) - started)) s"

# --------------------------------------------------------------------------------------------
# 4. Files the test bed takes from the modules themselves: Argo CD's CRDs, config and helper
#    scripts, kwok's pod and node stages.
# --------------------------------------------------------------------------------------------
moddir() { (cd "$MODULE_DIR" && "$GO" list -mod=readonly -m -f '{{.Dir}}' "$1"); }
step "copy Argo CD's CRDs, config and scripts" "$ARGOCD_MOD" "$ARGOCD_VER" "$BUILD_LOG"
ARGO_DIR=$(moddir "$ARGOCD_MOD")
SHARE=$DIR/share
rm -rf "$SHARE" && mkdir -p "$SHARE/argocd/crds" "$SHARE/argocd/config" "$SHARE/argocd/bin" "$SHARE/kwok"
for f in "$ARGO_DIR"/manifests/crds/*-crd.yaml; do cp "$f" "$SHARE/argocd/crds/"; done
for f in "$ARGO_DIR"/manifests/base/config/argocd-*.yaml; do cp "$f" "$SHARE/argocd/config/"; done
# The repo-server calls these by name (git commit verification, GPG, git credentials).
for f in git-verify-wrapper.sh gpg-wrapper.sh git-ask-pass.sh; do
	install -m 0755 "$ARGO_DIR/hack/$f" "$SHARE/argocd/bin/$f"
done
chmod -R u+w "$SHARE"

step "assemble kwok's stages" "$KWOK_MOD" "$KWOK_VER" "$BUILD_LOG"
KWOK_DIR=$(moddir "$KWOK_MOD")
# kwok run standalone has no stages at all: nodes would never be Ready, pods never Running.
# The "fast" pod stages make pods Ready at once (what the latency goal assumes).
{
	for f in "$KWOK_DIR"/kustomize/stage/node/fast/node-initialize.yaml \
		"$KWOK_DIR"/kustomize/stage/node/heartbeat/node-heartbeat.yaml \
		"$KWOK_DIR"/kustomize/stage/pod/fast/*.yaml; do
		[[ $(basename "$f") == kustomization.yaml ]] && continue
		echo "---"
		cat "$f"
	done
} >"$SHARE/kwok/stages.yaml"
chmod -R u+w "$SHARE"

printf '%s\n' "argocd=$ARGOCD_VER kubernetes=$K8S_VER etcd=$ETCD_VER kwok=$KWOK_VER kustomize=$KUSTOMIZE_VER go=$GOTOOLCHAIN built=$(date -u +%FT%TZ)" >"$STAMP"
log "ready: $DIR"
printf '%s\n' "$DIR"
