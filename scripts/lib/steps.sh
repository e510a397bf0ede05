# shellcheck shell=bash
# scripts/lib/steps.sh - sourced by the scripts that build from Go modules (toolchain.sh,
# testbed-build.sh, lint-workflows.sh): progress lines on stderr, the step being run, and on any
# failure a report naming the step, the module and the version, with the end of the step's log.
# The caller sets STEPS_NAME (the prefix of every line) and STEPS_DOC (where to read on), and runs
# with `set -Eeuo pipefail` so that the ERR trap fires in functions and subshells too.
STEP="start" STEP_MODULE="-" STEP_VERSION="-" STEP_LOG=""
log() { printf '[%s %s] %s\n' "$STEPS_NAME" "$(date +%H:%M:%S)" "$*" >&2; }
step() { # step NAME MODULE VERSION [LOG]
	STEP=$1 STEP_MODULE=$2 STEP_VERSION=$3 STEP_LOG=${4:-}
}
on_error() {
	local rc=$? line=$1
	trap - ERR
	# In a subshell or command substitution, let the parent report (it has the same step info).
	((BASH_SUBSHELL == 0)) || exit "$rc"
	{
		echo
		printf '[%s %s] FAILED (exit %s, line %s)\n' "$STEPS_NAME" "$(date +%H:%M:%S)" "$rc" "$line"
		printf '  step:    %s\n  module:  %s\n  version: %s\n' "$STEP" "$STEP_MODULE" "$STEP_VERSION"
		if [[ -n $STEP_LOG && -s $STEP_LOG ]]; then
			printf '  log:     %s (last 30 lines below)\n' "$STEP_LOG"
			tail -n 30 "$STEP_LOG" | sed 's/^/    | /'
		fi
		echo "  See $STEPS_DOC."
	} >&2
	exit "$rc"
}
trap 'on_error $LINENO' ERR

run_logged() { # run_logged LOGFILE CMD...: output to LOGFILE, errors reported by on_error
	local logfile=$1
	shift
	{
		printf '$'
		printf ' %q' "$@"
		printf '\n'
	} >>"$logfile"
	"$@" >>"$logfile" 2>&1
}
