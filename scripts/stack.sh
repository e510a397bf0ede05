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
# The engine writes to the stack file it reads (an encryption salt, its own YAML layout). The stack
# files are reviewed source, so the engine gets a copy under .pulumi-state/ and the checkout stays
# exactly as committed; the salt is restored from the backend's state on every run.
config_copy="$project/.pulumi-state/stack-config/Pulumi.$stack.yaml"
mkdir -p "$(dirname "$config_copy")"
cp "$project/Pulumi.$stack.yaml" "$config_copy"
if ! pulumi stack select "$stack" --non-interactive >/dev/null 2>&1; then
  if [[ "$command" == "output" ]]; then
    echo "stack.sh: stack '$stack' has not been deployed on $PULUMI_BACKEND_URL yet" >&2
    exit 1
  fi
  original="$(mktemp)"
  cp "$project/Pulumi.$stack.yaml" "$original"
  pulumi stack init "$stack" --non-interactive >&2
  cp "$original" "$project/Pulumi.$stack.yaml"
  rm -f "$original"
fi

case "$command" in
  up) exec pulumi up --stack "$stack" --config-file "$config_copy" --yes --non-interactive --skip-preview=false "$@" ;;
  output) exec pulumi stack output --stack "$stack" --json "$@" ;;
  destroy) exec pulumi destroy --stack "$stack" --config-file "$config_copy" --yes --non-interactive "$@" ;;
  *) exec pulumi "$command" --stack "$stack" --config-file "$config_copy" --non-interactive "$@" ;;
esac
