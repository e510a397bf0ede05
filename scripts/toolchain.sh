#!/usr/bin/env bash
# scripts/toolchain.sh - provide the Pulumi engine, Node.js language host and provider plugins
# without Pulumi's installer or plugin downloads: everything is built from Go modules fetched
# through the Go module proxy, into a per-user cache outside the repository.
#
# Usage: scripts/toolchain.sh [--print-env] [--force] [--no-path] [--help]
# The LAST line of stdout is the absolute bin directory:
#     PATH="$(scripts/toolchain.sh | tail -1):$PATH"
# Progress and errors go to stderr. See docs/toolchain.md.
set -Eeuo pipefail

# --------------------------------------------------------------------------------------------
# Pins. Each must agree with the wrapper module under toolchain/<name>/go.mod (checked below).
# --------------------------------------------------------------------------------------------
# npm packages the project uses (what the binaries serve):
readonly NPM_PULUMI=3.248.0        # @pulumi/pulumi
readonly NPM_KUBERNETES=4.24.1     # @pulumi/kubernetes
readonly NPM_GITHUB=6.15.0         # @pulumi/github

# pulumi CLI: tagged modules pkg/v3 and sdk/v3, same release as @pulumi/pulumi.
readonly PULUMI_MOD=github.com/pulumi/pulumi/pkg/v3
readonly PULUMI_VER=v3.248.0
# Node.js language host: its own module (sdk/nodejs/cmd/pulumi-language-nodejs/v3) is untagged
# and the proxy serves no pseudo-version of it, so the newest host obtainable is the package that
# still lived inside the sdk/v3 module (v3.68.0). See docs/toolchain.md.
readonly LANGHOST_MOD=github.com/pulumi/pulumi/sdk/v3
readonly LANGHOST_VER=v3.68.0
# That host cannot start policy packs (its RunPlugin answers "not supported"), so the engine talks to
# our wrapper (toolchain/pulumi-language-nodejs-runplugin, built against sdk/v3 at the CLI's version):
# it answers RunPlugin for policy packs and forwards every other call to the v3.68.0 host, which
# lives in bin/langhost/. See docs/policy.md.
readonly RUNPLUGIN_SDK_VER=$PULUMI_VER
readonly LANGHOST_INNER=langhost/pulumi-language-nodejs
# Kubernetes provider: provider/v4 is untagged; the only pseudo-version the proxy serves is this
# commit (2026-01-15, 1.5 days before sdk/v4.25.0). 4.34.2's commit is not served.
readonly K8S_MOD=github.com/pulumi/pulumi-kubernetes/provider/v4
readonly K8S_VER=v4.0.0-20260115033456-f47bc2d6f199
readonly K8S_BUILD_VERSION=4.25.0-alpha.20260115033456+f47bc2d6f199
# GitHub provider: github.com/pulumi/pulumi-github/provider/v6 is not served at all, so we bridge
# the same upstream Terraform provider with the same bridge ourselves (toolchain/pulumi-resource-github).
readonly GH_TF_MOD=github.com/integrations/terraform-provider-github/v6
readonly GH_TF_VER=v6.13.0
readonly GH_BRIDGE_MOD=github.com/pulumi/pulumi-terraform-bridge/v3
readonly GH_BRIDGE_VER=v3.137.0
readonly GH_BUILD_VERSION=${NPM_GITHUB}+standin.tf${GH_TF_VER#v}

readonly KEY="pulumi-${PULUMI_VER#v}_langhost-${LANGHOST_VER#v}-runplugin_k8s-${NPM_KUBERNETES}-${K8S_VER##*-}_github-${NPM_GITHUB}-tf${GH_TF_VER#v}"
readonly BINARIES=(pulumi pulumi-language-nodejs pulumi-resource-kubernetes pulumi-resource-github)

# --------------------------------------------------------------------------------------------
usage() {
	cat <<EOF
Usage: scripts/toolchain.sh [--print-env] [--force] [--no-path] [--help]

Provides pulumi ${PULUMI_VER}, pulumi-language-nodejs (${LANGHOST_VER} behind a RunPlugin wrapper for
policy packs), pulumi-resource-kubernetes and
pulumi-resource-github (plus the pulumi-resource-pulumi-nodejs shell plugin) built from Go modules,
for npm @pulumi/pulumi ${NPM_PULUMI}, @pulumi/kubernetes ${NPM_KUBERNETES}, @pulumi/github ${NPM_GITHUB}.

If 'pulumi version' on PATH prints ${PULUMI_VER} and the other three binaries are on PATH, those are
used. Otherwise they are built (cold: 15-30 min on 2 cores; cached: under a second) into
  \${PROMOTION_TOOLCHAIN_CACHE:-\${XDG_CACHE_HOME:-\$HOME/.cache}/promotion-as-code/toolchain}/${KEY}/bin
The providers are also registered in the Pulumi plugin cache (\${PULUMI_HOME:-~/.pulumi}/plugins)
under the npm versions, so PULUMI_IGNORE_AMBIENT_PLUGINS=true can silence the engine's
"using ... from \$PATH" warnings (skip with PROMOTION_TOOLCHAIN_NO_PLUGIN_INSTALL=1).

Options:
  --print-env  print 'export ...' lines (PATH and offline Pulumi settings) instead of the bin dir
  --force      rebuild everything, ignoring stamps
  --no-path    do not use binaries already on PATH; always use/build the cache
  --help       this text

Stdout: the LAST line is the absolute bin directory:  PATH="\$(scripts/toolchain.sh | tail -1):\$PATH"
Progress goes to stderr. Build logs: <cache>/${KEY}/logs/.
EOF
}

PRINT_ENV=0 FORCE=0 USE_PATH=1
while (($#)); do
	case "$1" in
	--print-env) PRINT_ENV=1 ;;
	--force) FORCE=1 ;;
	--no-path) USE_PATH=0 ;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		echo "toolchain.sh: unknown argument: $1 (see --help)" >&2
		exit 2
		;;
	esac
	shift
done

# --------------------------------------------------------------------------------------------
# Logging and failure reporting
# --------------------------------------------------------------------------------------------
STEPS_NAME=toolchain STEPS_DOC="docs/toolchain.md (Troubleshooting)"
# shellcheck source=scripts/lib/steps.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/steps.sh"

# --------------------------------------------------------------------------------------------
# Locations
# --------------------------------------------------------------------------------------------
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WRAPPERS=$ROOT/toolchain
CACHE_ROOT=${PROMOTION_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/promotion-as-code/toolchain}
DIR=$CACHE_ROOT/$KEY
BIN=$DIR/bin
case "$DIR" in
"$ROOT"/*)
	echo "toolchain.sh: the cache ($DIR) must be outside the repository ($ROOT)" >&2
	exit 2
	;;
esac

emit() { # final stdout
	local bindir=$1
	if ((PRINT_ENV)); then
		# shellcheck disable=SC2016 # $PATH is expanded by the caller's eval
		printf 'export PATH=%q:"$PATH"\n' "$bindir"
		printf 'export PULUMI_SKIP_UPDATE_CHECK=true\n'
		printf 'export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true\n'
	else
		printf '%s\n' "$bindir"
	fi
}

# The project's installed npm packages should be the ones the binaries are pinned for.
npm_version() { # npm_version PACKAGE: version installed in the repo's node_modules, or empty
	local f=$ROOT/node_modules/$1/package.json
	[[ -f $f ]] && sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$f" | head -n 1
	return 0
}
check_npm_pins() {
	local pkg want have
	for pkg in "@pulumi/pulumi=$NPM_PULUMI" "@pulumi/kubernetes=$NPM_KUBERNETES" "@pulumi/github=$NPM_GITHUB"; do
		want=${pkg#*=}
		have=$(npm_version "${pkg%%=*}")
		if [[ -n $have && $have != "$want" ]]; then
			log "note: node_modules has ${pkg%%=*} $have but this toolchain is pinned for $want (update the pins in scripts/toolchain.sh)"
		fi
	done
}
check_npm_pins

# --------------------------------------------------------------------------------------------
# 1. Binaries already on PATH?
# --------------------------------------------------------------------------------------------
PATH_PULUMI=$(command -v pulumi 2>/dev/null || true)
case "$PATH_PULUMI" in
"$CACHE_ROOT"/*/bin/pulumi)
	# Another (older) key of our own cache is on PATH: don't trust it, use this key's stamps.
	[[ $PATH_PULUMI == "$BIN/pulumi" ]] || PATH_PULUMI=""
	;;
esac
if ((USE_PATH)) && ((!FORCE)) && [[ -n $PATH_PULUMI ]]; then
	have=$(pulumi version 2>/dev/null || true)
	missing=()
	for b in "${BINARIES[@]}"; do command -v "$b" >/dev/null 2>&1 || missing+=("$b"); done
	if [[ $have == "$PULUMI_VER" && ${#missing[@]} -eq 0 ]]; then
		for b in "${BINARIES[@]}"; do log "using $b from PATH: $(command -v "$b")"; done
		emit "$(cd "$(dirname "$(command -v pulumi)")" && pwd)"
		exit 0
	fi
	log "PATH has pulumi '${have:-?}'${missing:+ but not ${missing[*]}}; using the cache $DIR"
fi

# --------------------------------------------------------------------------------------------
# 2. Build (or reuse) in the cache
# --------------------------------------------------------------------------------------------
step "check prerequisites" "-" "-"
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
[[ -x $GO ]] || {
	echo "toolchain.sh: Go not found (set GO=/path/to/go or put go on PATH)" >&2
	false
}
command -v sha256sum >/dev/null || {
	echo "toolchain.sh: sha256sum (coreutils) not found" >&2
	false
}
export GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0
# The proxy's checksum database lacks some of these versions; the committed go.sum files pin
# every module hash, so the checksum database is not needed for them.
export GONOSUMDB=${GONOSUMDB:+$GONOSUMDB,}github.com/pulumi,github.com/bored-engineer
GO_VERSION=$("$GO" env GOVERSION)

mkdir -p "$BIN" "$DIR/stamps" "$DIR/logs" "$DIR/build"

# One build at a time per cache key (a second caller waits here).
if command -v flock >/dev/null 2>&1; then
	exec 9>"$DIR/.lock"
	if ! flock -n 9; then
		log "another toolchain.sh is building in $DIR; waiting for it"
		flock 9
	fi
fi

# Consistency: the pins above must match the wrapper go.mod files.
step "check wrapper pins" "-" "-"
require_pin() { # require_pin WRAPPER MODULE VERSION
	step "check wrapper pins (toolchain/$1/go.mod)" "$2" "$3"
	grep -Eq "^[[:space:]]*(require[[:space:]]+)?$2[[:space:]]+$3([[:space:]]|$)" "$WRAPPERS/$1/go.mod" || {
		echo "toolchain.sh: toolchain/$1/go.mod does not require $2 $3 (update the pins in scripts/toolchain.sh too)" >&2
		false
	}
}
require_pin pulumi "$PULUMI_MOD" "$PULUMI_VER"
require_pin pulumi github.com/pulumi/pulumi/sdk/v3 "$PULUMI_VER"
require_pin pulumi-language-nodejs "$LANGHOST_MOD" "$LANGHOST_VER"
require_pin pulumi-language-nodejs-runplugin github.com/pulumi/pulumi/sdk/v3 "$RUNPLUGIN_SDK_VER"
require_pin pulumi-resource-kubernetes "$K8S_MOD" "$K8S_VER"
require_pin pulumi-resource-github "$GH_TF_MOD" "$GH_TF_VER"
require_pin pulumi-resource-github "$GH_BRIDGE_MOD" "$GH_BRIDGE_VER"

stamp_for() { # what a build depends on: recipe, Go version and the wrapper's files
	local name=$1 recipe=$2
	{
		printf 'recipe=%s\ngo=%s\n' "$recipe" "$GO_VERSION"
		for d in "$WRAPPERS/$name" "$WRAPPERS/shared"; do
			(cd "$d" && find . -type f ! -name '*.md' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
		done
	} | sha256sum | cut -d' ' -f1
}
is_fresh() { # is_fresh NAME STAMP (NAME: path under bin/, e.g. langhost/pulumi-language-nodejs)
	((!FORCE)) && [[ -x $BIN/$1 && -f $DIR/stamps/$1 && $(cat "$DIR/stamps/$1") == "$2" ]]
}
prepare() { # prepare NAME: fresh copy of the wrapper (plus the shared generators) in the cache build dir; prints its path
	local b=$DIR/build/$1
	rm -rf "$b"
	mkdir -p "$b"
	cp -R "$WRAPPERS/shared/." "$b/"
	cp -R "$WRAPPERS/$1/." "$b/"
	chmod -R u+w "$b"
	printf '%s\n' "$b"
}
install_bin() { # install_bin SRC NAME STAMP: atomic replace, then stamp
	chmod 0755 "$1"
	mkdir -p "$(dirname "$BIN/$2")" "$(dirname "$DIR/stamps/$2")"
	mv -f "$1" "$BIN/$2"
	printf '%s\n' "$3" >"$DIR/stamps/$2"
}
moddir() { # moddir BUILD_DIR MODULE: module's directory in the module cache
	(cd "$1" && "$GO" list -m -f '{{.Dir}}' "$2")
}

TOTAL_START=$SECONDS
BUILT=0

# ---- pulumi ---------------------------------------------------------------------------------
LDF_PULUMI="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VER"
S=$(stamp_for pulumi "$PULUMI_MOD@$PULUMI_VER $LDF_PULUMI tags=osusergo,grpcnotrace")
if is_fresh pulumi "$S"; then
	log "pulumi $PULUMI_VER: cached"
else
	L=$DIR/logs/pulumi.log
	: >"$L"
	step "build pulumi" "$PULUMI_MOD" "$PULUMI_VER" "$L"
	log "building pulumi $PULUMI_VER (cold: ~5-11 min; log: $L)"
	t=$SECONDS
	B=$(prepare pulumi)
	(cd "$B" && run_logged "$L" "$GO" build -trimpath -tags osusergo,grpcnotrace -ldflags "$LDF_PULUMI" \
		-o "$B/pulumi.out" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
	install_bin "$B/pulumi.out" pulumi "$S"
	log "built pulumi in $((SECONDS - t))s"
	BUILT=1
fi

# ---- pulumi-resource-pulumi-nodejs (shell script shipped in the sdk/v3 module; optional) ----
step "copy pulumi-resource-pulumi-nodejs" github.com/pulumi/pulumi/sdk/v3 "$PULUMI_VER"
if [[ ! -x $BIN/pulumi-resource-pulumi-nodejs || $BUILT == 1 ]]; then
	SDK_DIR=$(cd "$DIR" && "$GO" mod download -json "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VER" |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	if [[ -n $SDK_DIR && -f $SDK_DIR/nodejs/dist/pulumi-resource-pulumi-nodejs ]]; then
		cp "$SDK_DIR/nodejs/dist/pulumi-resource-pulumi-nodejs" "$BIN/.pulumi-resource-pulumi-nodejs.tmp"
		chmod 0755 "$BIN/.pulumi-resource-pulumi-nodejs.tmp"
		mv -f "$BIN/.pulumi-resource-pulumi-nodejs.tmp" "$BIN/pulumi-resource-pulumi-nodejs"
	else
		log "note: pulumi-resource-pulumi-nodejs not found in the sdk module; pulumi.dynamic resources will not work"
	fi
fi

# ---- pulumi-language-nodejs: the v3.68.0 host, in bin/langhost/ ------------------------------
LDF_LH="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$LANGHOST_VER"
S=$(stamp_for pulumi-language-nodejs "$LANGHOST_MOD@$LANGHOST_VER $LDF_LH tags=osusergo,grpcnotrace")
if is_fresh "$LANGHOST_INNER" "$S"; then
	log "pulumi-language-nodejs $LANGHOST_VER: cached"
else
	L=$DIR/logs/pulumi-language-nodejs.log
	: >"$L"
	step "build pulumi-language-nodejs" "$LANGHOST_MOD" "$LANGHOST_VER" "$L"
	log "building pulumi-language-nodejs $LANGHOST_VER (cold: ~1 min; log: $L)"
	t=$SECONDS
	B=$(prepare pulumi-language-nodejs)
	(cd "$B" && run_logged "$L" "$GO" build -trimpath -tags osusergo,grpcnotrace -ldflags "$LDF_LH" \
		-o "$B/out" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs)
	install_bin "$B/out" "$LANGHOST_INNER" "$S"
	log "built pulumi-language-nodejs in $((SECONDS - t))s"
fi

# ---- pulumi-language-nodejs: the RunPlugin wrapper the engine starts (docs/policy.md) ---------
LDF_RP="-s -w -X main.innerRelPath=$LANGHOST_INNER"
S=$(stamp_for pulumi-language-nodejs-runplugin "github.com/pulumi/pulumi/sdk/v3@$RUNPLUGIN_SDK_VER $LDF_RP tags=osusergo,grpcnotrace")
if is_fresh pulumi-language-nodejs "$S"; then
	log "pulumi-language-nodejs RunPlugin wrapper: cached"
else
	L=$DIR/logs/pulumi-language-nodejs-runplugin.log
	: >"$L"
	step "build the pulumi-language-nodejs RunPlugin wrapper" github.com/pulumi/pulumi/sdk/v3 "$RUNPLUGIN_SDK_VER" "$L"
	log "building the pulumi-language-nodejs RunPlugin wrapper (sdk $RUNPLUGIN_SDK_VER; log: $L)"
	t=$SECONDS
	B=$(prepare pulumi-language-nodejs-runplugin)
	(cd "$B" && run_logged "$L" "$GO" build -trimpath -tags osusergo,grpcnotrace -ldflags "$LDF_RP" -o "$B/out" .)
	install_bin "$B/out" pulumi-language-nodejs "$S"
	log "built the pulumi-language-nodejs RunPlugin wrapper in $((SECONDS - t))s"
fi

# ---- pulumi-resource-kubernetes -------------------------------------------------------------
LDF_K8S="-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_BUILD_VERSION"
S=$(stamp_for pulumi-resource-kubernetes "$K8S_MOD@$K8S_VER $LDF_K8S")
if is_fresh pulumi-resource-kubernetes "$S"; then
	log "pulumi-resource-kubernetes $K8S_BUILD_VERSION: cached"
else
	L=$DIR/logs/pulumi-resource-kubernetes.log
	: >"$L"
	step "download provider module" "$K8S_MOD" "$K8S_VER" "$L"
	log "building pulumi-resource-kubernetes $K8S_BUILD_VERSION for npm $NPM_KUBERNETES (cold: ~8-17 min; log: $L)"
	t=$SECONDS
	B=$(prepare pulumi-resource-kubernetes)
	(cd "$B" && run_logged "$L" "$GO" mod download "$K8S_MOD")
	UP=$(moddir "$B" "$K8S_MOD")/cmd/pulumi-resource-kubernetes
	step "generate schema-embed.json / terraform-mapping-embed.json" "$K8S_MOD" "$K8S_VER" "$L"
	(cd "$B" && run_logged "$L" "$GO" run genembed.go -version "$K8S_BUILD_VERSION" \
		-schema "$UP/schema.json" -out schema-embed.json \
		-minify "$UP/terraform-mapping.json" -minify-out terraform-mapping-embed.json)
	step "build pulumi-resource-kubernetes" "$K8S_MOD" "$K8S_VER" "$L"
	(cd "$B" && run_logged "$L" "$GO" build -trimpath -ldflags "$LDF_K8S" -o "$B/out" .)
	install_bin "$B/out" pulumi-resource-kubernetes "$S"
	log "built pulumi-resource-kubernetes in $((SECONDS - t))s"
fi

# ---- pulumi-resource-github (stand-in: upstream TF provider + bridge + our mapping) ----------
LDF_GH="-s -w -X main.Version=$GH_BUILD_VERSION"
S=$(stamp_for pulumi-resource-github "$GH_TF_MOD@$GH_TF_VER $GH_BRIDGE_MOD@$GH_BRIDGE_VER $LDF_GH")
if is_fresh pulumi-resource-github "$S"; then
	log "pulumi-resource-github $GH_BUILD_VERSION: cached"
else
	L=$DIR/logs/pulumi-resource-github.log
	: >"$L"
	step "build pulumi-tfgen-github" "$GH_BRIDGE_MOD + $GH_TF_MOD" "$GH_BRIDGE_VER + $GH_TF_VER" "$L"
	log "building pulumi-resource-github $GH_BUILD_VERSION for npm $NPM_GITHUB (cold: ~2-6 min; log: $L)"
	t=$SECONDS
	B=$(prepare pulumi-resource-github)
	(cd "$B" && run_logged "$L" "$GO" build -trimpath -ldflags "$LDF_GH" -o "$B/pulumi-tfgen-github" ./cmd/pulumi-tfgen-github)
	step "generate schema (pulumi-tfgen-github schema)" "$GH_TF_MOD" "$GH_TF_VER" "$L"
	(cd "$B" && run_logged "$L" "$B/pulumi-tfgen-github" schema --out "$B/schema" --skip-docs --skip-examples)
	rm -f "$B/pulumi-tfgen-github" # 80 MB, only needed for the line above
	(cd "$B" && run_logged "$L" "$GO" run genembed.go -version "$GH_BUILD_VERSION" \
		-schema "$B/schema/schema.json" -out cmd/pulumi-resource-github/schema-embed.json)
	step "build pulumi-resource-github" "$GH_BRIDGE_MOD + $GH_TF_MOD" "$GH_BRIDGE_VER + $GH_TF_VER" "$L"
	(cd "$B" && run_logged "$L" "$GO" build -trimpath -ldflags "$LDF_GH" -o "$B/out" ./cmd/pulumi-resource-github)
	install_bin "$B/out" pulumi-resource-github "$S"
	log "built pulumi-resource-github in $((SECONDS - t))s"
	# Non-fatal: compare our generated schema with the installed npm package, when it is the pinned one.
	if [[ $(npm_version @pulumi/github) == "$NPM_GITHUB" ]]; then
		step "compare schema with node_modules/@pulumi/github" "$GH_TF_MOD" "$GH_TF_VER" "$L"
		if (cd "$B" && run_logged "$L" "$GO" run checksdk.go -schema "$B/schema/schema.json" -sdk "$ROOT/node_modules/@pulumi/github"); then
			log "schema check against npm @pulumi/github $NPM_GITHUB: $(tail -n 1 "$L")"
		else
			log "WARNING: the stand-in schema differs from npm @pulumi/github $NPM_GITHUB; see $L"
		fi
	fi
fi

# --------------------------------------------------------------------------------------------
# 3. Register the providers in the plugin cache under the npm versions (idempotent, offline).
#    The engine uses the copies in bin/ from PATH anyway (and warns "using ... from $PATH");
#    with PULUMI_IGNORE_AMBIENT_PLUGINS=true it uses these registered copies instead, quietly.
# --------------------------------------------------------------------------------------------
PHOME=${PULUMI_HOME:-$HOME/.pulumi}
register() { # register NAME NPM_VERSION
	local name=$1 ver=$2 dst want have
	dst=$PHOME/plugins/resource-$name-v$ver
	want=$(cat "$DIR/stamps/pulumi-resource-$name")
	have=$(cat "$dst/.toolchain-stamp" 2>/dev/null || true)
	if [[ -x $dst/pulumi-resource-$name && $have == "$want" ]]; then
		return 0
	fi
	L=$DIR/logs/plugin-install.log
	step "pulumi plugin install resource $name $ver --file" "pulumi-resource-$name" "$ver" "$L"
	run_logged "$L" env PULUMI_HOME="$PHOME" PULUMI_SKIP_UPDATE_CHECK=true \
		"$BIN/pulumi" plugin install resource "$name" "$ver" --file "$BIN/pulumi-resource-$name" --reinstall
	printf '%s\n' "$want" >"$dst/.toolchain-stamp"
	log "registered pulumi-resource-$name as resource plugin $name v$ver in $PHOME/plugins"
}
if [[ ${PROMOTION_TOOLCHAIN_NO_PLUGIN_INSTALL:-0} != 1 ]]; then
	register kubernetes "$NPM_KUBERNETES"
	register github "$NPM_GITHUB"
fi

step "done" "-" "-"
log "toolchain ready in $((SECONDS - TOTAL_START))s: $BIN"
emit "$BIN"
