#!/usr/bin/env bash
# Runs the Pulumi engine on one stack with the embedded default: the toolchain built from Go
# modules (scripts/toolchain.sh), a local file backend in .pulumi-state/, and the passphrase
# secrets provider. Usage: scripts/stack.sh <preview|up|destroy|refresh|output> <stack> [pulumi args...]
set -euo pipefail

usage() {
  echo "usage: npm run stack -- <preview|up|destroy|refresh|output> <stack> [pulumi args...]" >&2
  echo "stacks: $(cd "$project" && ls Pulumi.*.yaml | sed -n 's/^Pulumi\.\(.*\)\.yaml$/\1/p' | tr '\n' ' ')" >&2
}

project="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command="${1:-}"
stack="${2:-}"
if [[ -z "$command" || -z "$stack" || "$command" == "-h" || "$command" == "--help" ]]; then
  usage
  exit 2
fi
shift 2
case "$command" in
  preview | up | destroy | refresh | output) ;;
  *) echo "stack.sh: unknown command '$command'" >&2; usage; exit 2 ;;
esac
if [[ ! -f "$project/Pulumi.$stack.yaml" ]]; then
  echo "stack.sh: there is no Pulumi.$stack.yaml, so no stack '$stack'" >&2
  usage
  exit 2
fi

bin="$("$project/scripts/toolchain.sh" | tail -n 1)"
export PATH="$bin:$PATH"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# The embedded default: state in the project's .pulumi-state/ unless a backend is chosen.
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$project/.pulumi-state}"
mkdir -p "$project/.pulumi-state"
if [[ -z "${PULUMI_CONFIG_PASSPHRASE:-}" && -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]]; then
  # Local-only default so a laptop run needs no setup; set your own for any shared backend.
  export PULUMI_CONFIG_PASSPHRASE="promotion-as-code-local"
fi

cd "$project"
if ! pulumi stack select "$stack" --non-interactive >/dev/null 2>&1; then
  pulumi stack init "$stack" --non-interactive >&2
fi

case "$command" in
  up) exec pulumi up --stack "$stack" --yes --non-interactive --skip-preview=false "$@" ;;
  output) exec pulumi stack output --stack "$stack" --json "$@" ;;
  *) exec pulumi "$command" --stack "$stack" --non-interactive "$@" ;;
esac
