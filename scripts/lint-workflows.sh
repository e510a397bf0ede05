#!/usr/bin/env bash
# scripts/lint-workflows.sh - lint .github/workflows with actionlint (built from its Go module into
# a per-user cache keyed by version) and shellcheck (Debian's package, for the `run:` steps), ghalint
# (GitHub Actions security policies, built likewise) and scripts/check-workflows.ts (privileged
# secrets only in jobs of reviewed code; docs/security.md, "Workflows and tokens").
#
# Usage: scripts/lint-workflows.sh [--force] [--help] [actionlint args...]
# Progress and errors go to stderr; the linters' findings to stdout (ghalint's to stderr). Exit 1 on
# any finding.
# See docs/workflows.md (Lint).
set -Eeuo pipefail

# --------------------------------------------------------------------------------------------
# Pins
# --------------------------------------------------------------------------------------------
# actionlint: the newest version the Go module proxy serves (`go list -m -versions
# github.com/rhysd/actionlint`). It runs shellcheck on every `run:` script when it finds it.
readonly ACTIONLINT_MOD=github.com/rhysd/actionlint
readonly ACTIONLINT_PKG=$ACTIONLINT_MOD/cmd/actionlint
readonly ACTIONLINT_VER=v1.7.12
readonly KEY="actionlint-${ACTIONLINT_VER#v}"
# ghalint: GitHub Actions security policies (job permissions, persist-credentials, secrets in env,
# pinned actions...). The proxy serves exact versions of it but refuses its version list, which
# `go install pkg@version` asks for (deprecation check), so it is built inside a scratch module that
# requires the exact version. Exceptions, with their reasons: .github/ghalint.yaml.
readonly GHALINT_MOD=github.com/suzuki-shunsuke/ghalint
readonly GHALINT_PKG=$GHALINT_MOD/cmd/ghalint
readonly GHALINT_VER=v1.5.6
readonly GHALINT_KEY="ghalint-${GHALINT_VER#v}"

usage() {
	cat <<EOF
Usage: scripts/lint-workflows.sh [--force] [--help] [actionlint args...]

Lints .github/workflows/*.yml with actionlint ${ACTIONLINT_VER} and shellcheck, ghalint ${GHALINT_VER}
(built from its Go module in a scratch module, into the same cache under ${GHALINT_KEY}; config
.github/ghalint.yaml) and scripts/check-workflows.ts
(privileged secrets only where reviewed code runs; docs/security.md):
  - actionlint is used from PATH when 'actionlint -version' prints ${ACTIONLINT_VER}; otherwise it is
    built with 'go install ${ACTIONLINT_PKG}@${ACTIONLINT_VER}' (Go module proxy) into
      \${PROMOTION_LINT_CACHE:-\${XDG_CACHE_HOME:-\$HOME/.cache}/promotion-as-code/lint}/${KEY}/bin
    once per user (cold: about a minute on 2 cores; cached: well under a second);
  - shellcheck is installed from Debian (apt-get update; apt-get install -y shellcheck) when it
    is not on PATH (needs root or sudo).
Further arguments go to actionlint (e.g. -verbose, or a list of workflow files).

Options:
  --force  rebuild actionlint, ignoring the cache
  --help   this text
EOF
}

FORCE=0 ARGS=()
while (($#)); do
	case "$1" in
	--force) FORCE=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	*) ARGS+=("$1") ;;
	esac
	shift
done

# --------------------------------------------------------------------------------------------
# Logging and failure reporting (as scripts/toolchain.sh)
# --------------------------------------------------------------------------------------------
STEPS_NAME=lint-workflows STEPS_DOC="docs/workflows.md (Lint)"
# shellcheck source=scripts/lib/steps.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/steps.sh"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_ROOT=${PROMOTION_LINT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/promotion-as-code/lint}
DIR=$CACHE_ROOT/$KEY
BIN=$DIR/bin
case "$DIR" in
"$ROOT"/*)
	echo "lint-workflows.sh: the cache ($DIR) must be outside the repository ($ROOT)" >&2
	exit 2
	;;
esac
START=$SECONDS

# --------------------------------------------------------------------------------------------
# 1. actionlint: from PATH at exactly the pinned version, else the cache, else build it
# --------------------------------------------------------------------------------------------
actionlint_version() { "$1" -version 2>/dev/null | head -n 1; }
ACTIONLINT=""
if ((!FORCE)) && command -v actionlint >/dev/null 2>&1; then
	on_path=$(command -v actionlint)
	if [[ $on_path != "$BIN/actionlint" && $(actionlint_version "$on_path") == "$ACTIONLINT_VER" ]]; then
		ACTIONLINT=$on_path
		log "actionlint $ACTIONLINT_VER: using $ACTIONLINT from PATH"
	fi
fi
if [[ -z $ACTIONLINT ]]; then
	# The Go version is part of the stamp: a new Go rebuilds, an unchanged one reuses the binary.
	step "check prerequisites" "-" "-"
	GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
	[[ -x $GO ]] || {
		echo "lint-workflows.sh: Go not found (set GO=/path/to/go or put go on PATH); it builds $ACTIONLINT_PKG@$ACTIONLINT_VER" >&2
		false
	}
	GO_VERSION=$("$GO" env GOVERSION)
	STAMP="$ACTIONLINT_PKG@$ACTIONLINT_VER $GO_VERSION"
	mkdir -p "$BIN" "$DIR/logs"
	# One build at a time per cache key (a second caller waits here, then finds it built).
	if command -v flock >/dev/null 2>&1; then
		exec 9>"$DIR/.lock"
		if ! flock -n 9; then
			log "another lint-workflows.sh is building in $DIR; waiting for it"
			flock 9
		fi
	fi
	if ((!FORCE)) && [[ -x $BIN/actionlint && $(cat "$DIR/stamp" 2>/dev/null) == "$STAMP" ]]; then
		log "actionlint $ACTIONLINT_VER: cached ($BIN/actionlint)"
	else
		L=$DIR/logs/build.log
		: >"$L"
		step "build actionlint (go install)" "$ACTIONLINT_PKG" "$ACTIONLINT_VER" "$L"
		log "building actionlint $ACTIONLINT_VER with $GO_VERSION (cold: about a minute; log: $L)"
		t=$SECONDS
		tmp=$(mktemp -d "$DIR/build.XXXXXX")
		# Outside any module (cd to the scratch dir), so the project's files play no part.
		(cd "$tmp" && run_logged "$L" env GOBIN="$tmp" GOFLAGS=-buildvcs=false CGO_ENABLED=0 \
			"$GO" install -trimpath -ldflags "-s -w" "$ACTIONLINT_PKG@$ACTIONLINT_VER")
		step "install actionlint into the cache" "$ACTIONLINT_PKG" "$ACTIONLINT_VER" "$L"
		chmod 0755 "$tmp/actionlint"
		mv -f "$tmp/actionlint" "$BIN/actionlint"
		rm -rf "$tmp"
		printf '%s\n' "$STAMP" >"$DIR/stamp"
		log "built actionlint in $((SECONDS - t))s"
	fi
	ACTIONLINT=$BIN/actionlint
	step "check the built actionlint" "$ACTIONLINT_PKG" "$ACTIONLINT_VER"
	have=$(actionlint_version "$ACTIONLINT")
	[[ $have == "$ACTIONLINT_VER" ]] || {
		echo "lint-workflows.sh: $ACTIONLINT -version prints '$have', expected $ACTIONLINT_VER (rerun with --force)" >&2
		false
	}
fi

# --------------------------------------------------------------------------------------------
# 1b. ghalint: the cache, else build it in a scratch module (see the pin's comment)
# --------------------------------------------------------------------------------------------
GDIR=$CACHE_ROOT/$GHALINT_KEY
GBIN=$GDIR/bin
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
[[ -x $GO ]] || {
	echo "lint-workflows.sh: Go not found (set GO=/path/to/go or put go on PATH); it builds $GHALINT_PKG@$GHALINT_VER" >&2
	exit 1
}
GSTAMP="$GHALINT_PKG@$GHALINT_VER $("$GO" env GOVERSION)"
mkdir -p "$GBIN" "$GDIR/logs"
if command -v flock >/dev/null 2>&1; then
	exec 8>"$GDIR/.lock"
	if ! flock -n 8; then
		log "another lint-workflows.sh is building in $GDIR; waiting for it"
		flock 8
	fi
fi
if ((!FORCE)) && [[ -x $GBIN/ghalint && $(cat "$GDIR/stamp" 2>/dev/null) == "$GSTAMP" ]]; then
	log "ghalint $GHALINT_VER: cached ($GBIN/ghalint)"
else
	L=$GDIR/logs/build.log
	: >"$L"
	step "build ghalint (scratch module, go build)" "$GHALINT_PKG" "$GHALINT_VER" "$L"
	log "building ghalint $GHALINT_VER (cold: under a minute; log: $L)"
	t=$SECONDS
	tmp=$(mktemp -d "$GDIR/build.XXXXXX")
	printf 'module local/ghalint-build\n\ngo 1.24\n\nrequire %s %s\n' "$GHALINT_MOD" "$GHALINT_VER" >"$tmp/go.mod"
	printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$GHALINT_PKG" >"$tmp/tools.go"
	(cd "$tmp" && run_logged "$L" env GOFLAGS="-mod=mod -buildvcs=false" "$GO" mod tidy &&
		run_logged "$L" env GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0 \
			"$GO" build -trimpath -ldflags "-s -w" -o "$tmp/ghalint" "$GHALINT_PKG")
	step "install ghalint into the cache" "$GHALINT_PKG" "$GHALINT_VER" "$L"
	chmod 0755 "$tmp/ghalint"
	mv -f "$tmp/ghalint" "$GBIN/ghalint"
	rm -rf "$tmp"
	printf '%s\n' "$GSTAMP" >"$GDIR/stamp"
	log "built ghalint in $((SECONDS - t))s"
fi
GHALINT=$GBIN/ghalint

# --------------------------------------------------------------------------------------------
# 2. shellcheck: Debian's package when it is missing (actionlint skips run: scripts without it)
# --------------------------------------------------------------------------------------------
if ! command -v shellcheck >/dev/null 2>&1; then
	SUDO=()
	if ((EUID != 0)); then
		command -v sudo >/dev/null 2>&1 || {
			echo "lint-workflows.sh: shellcheck is not on PATH and installing it needs root: run 'sudo apt-get update && sudo apt-get install -y shellcheck'" >&2
			step "install shellcheck (apt-get)" shellcheck "Debian package"
			false
		}
		SUDO=(sudo -n)
	fi
	L=$CACHE_ROOT/apt-shellcheck.log
	mkdir -p "$CACHE_ROOT"
	: >"$L"
	step "apt-get update" shellcheck "Debian package" "$L"
	log "shellcheck is not on PATH: installing Debian's package (log: $L)"
	run_logged "$L" env DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get update
	step "apt-get install -y shellcheck" shellcheck "Debian package" "$L"
	run_logged "$L" env DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y --no-install-recommends shellcheck
	step "check shellcheck" shellcheck "Debian package"
	command -v shellcheck >/dev/null 2>&1
fi
SHELLCHECK=$(command -v shellcheck)
log "shellcheck $(shellcheck --version | sed -n 's/^version: //p'): $SHELLCHECK"

# --------------------------------------------------------------------------------------------
# 3. Lint
# --------------------------------------------------------------------------------------------
step "actionlint" "$ACTIONLINT_PKG" "$ACTIONLINT_VER"
cd "$ROOT"
[[ -d .github/workflows ]] || {
	echo "lint-workflows.sh: $ROOT/.github/workflows does not exist" >&2
	exit 2
}
log "actionlint $ACTIONLINT_VER on .github/workflows"
# Not through the ERR trap: findings are the expected failure, printed above by actionlint.
trap - ERR
rc=0
"$ACTIONLINT" -shellcheck "$SHELLCHECK" "${ARGS[@]}" || rc=$?
if ((rc == 0)); then
	log "actionlint: no findings in $(find .github/workflows -name '*.y*ml' | wc -l) workflow files"
else
	log "actionlint found problems (exit $rc): see above"
fi

log "ghalint $GHALINT_VER on .github/workflows and .github/actions (exceptions: .github/ghalint.yaml)"
grc=0
GHALINT_LOG_COLOR=never "$GHALINT" -c .github/ghalint.yaml run || grc=$?
actions=()
while IFS= read -r f; do actions+=("$f"); done < <(find .github/actions -name 'action.y*ml' | sort)
if ((${#actions[@]})); then
	GHALINT_LOG_COLOR=never "$GHALINT" -c .github/ghalint.yaml run-action "${actions[@]}" || grc=$?
fi
((grc == 0)) || log "ghalint found problems (exit $grc): see above"

log "scripts/check-workflows.ts: privileged secrets, persist-credentials, permissions (docs/security.md)"
crc=0
node boot/run.js scripts/check-workflows.ts .github/workflows || crc=$?

if ((rc == 0 && grc == 0 && crc == 0)); then
	log "no findings ($((SECONDS - START))s)"
	exit 0
fi
exit 1
