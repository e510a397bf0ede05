#!/usr/bin/env bash
# Runs the Pulumi engine on one stack with the embedded default: the toolchain built from Go
# modules (scripts/toolchain.sh), a local file backend in .pulumi-state/, and the passphrase
# secrets provider. Usage: scripts/stack.sh <init|preview|up|destroy|refresh|output> <stack> [pulumi args...]
#
# A missing stack is created on a preview or up, except where PROMOTION_REQUIRE_STACK=1 (the
# workflows set it): there a missing stack is refused, since a stack whose state was lost would
# deploy its first tags, and only `init` creates one, on purpose.
#
# The checkout stays exactly as committed: the engine reads and writes a copy of the stack file,
# `pulumi stack init` runs against a scratch copy of the project file, and an EXIT trap puts the
# stack file back byte for byte should anything still change it.
set -euo pipefail

project="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() {
  local file stacks=()
  for file in "$project"/Pulumi.*.yaml; do
    [[ -e "$file" ]] || continue
    file="${file##*/Pulumi.}"
    stacks+=("${file%.yaml}")
  done
  echo "usage: npm run stack -- <init|preview|up|destroy|refresh|output> <stack> [pulumi args...]" >&2
  echo "stacks: ${stacks[*]:-(none: no Pulumi.<stack>.yaml)}" >&2
}

command="${1:-}"
stack="${2:-}"
if [[ -z "$command" || -z "$stack" || "$command" == "-h" || "$command" == "--help" ]]; then
  usage
  exit 2
fi
shift 2
case "$command" in
  init | preview | up | destroy | refresh | output) ;;
  *) echo "stack.sh: unknown command '$command'" >&2; usage; exit 2 ;;
esac
stack_file="$project/Pulumi.$stack.yaml"
if [[ ! -f "$stack_file" ]]; then
  echo "stack.sh: there is no Pulumi.$stack.yaml, so no stack '$stack'" >&2
  usage
  exit 2
fi

# The engine hands the program its whole config in one environment variable, which Linux caps at
# 128 KB: say so, with the size, the limit and what to do, before the engine fails with "argument
# list too long" (rules/configSize.ts). Only big files are measured: a small one always fits.
if [[ "$command" != "output" && "$(stat -c %s "$stack_file")" -gt 32768 ]]; then
  (cd "$project" && node boot/run.js scripts/config-size.ts "$stack") || exit 1
fi

# Secrets: the engine encrypts a stack's `secure:` values and the secrets in its state with the
# stack's secrets provider. The passphrase below is public (it is in this file), so it may only
# guard state that stays on this machine (a file:// backend). A shared backend needs a passphrase
# of its own, or a provider named in the stack file (`secretsprovider: awskms://...`), or Pulumi
# Cloud, whose stacks are encrypted by the service. Refused before anything runs.
backend="${PULUMI_BACKEND_URL:-file://$project/.pulumi-state}"
if [[ "$backend" != file://* && -z "${PULUMI_CONFIG_PASSPHRASE:-}" && -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]] &&
  ! [[ "$backend" =~ ^https://(api|app)\.pulumi\.com(/|$) ]] &&
  ! grep -Eq '^secretsprovider:[[:space:]]*["'"'"']?[a-z0-9]+://' "$stack_file"; then
  echo "stack.sh: the backend $backend is not a local file:// backend, and no secrets provider is set for stack '$stack': set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) to the passphrase of this backend's stacks, or name a provider in Pulumi.$stack.yaml (secretsprovider: awskms://..., gcpkms://..., azurekeyvault://..., hashivault://...); the built-in passphrase is public and only guards a local file:// backend" >&2
  exit 1
fi

# The provider versions the npm SDKs request; the engine loads the plugin registered under them.
npm_version() { # npm_version PACKAGE
  local manifest="$project/node_modules/$1/package.json"
  [[ -f "$manifest" ]] || return 0
  sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$manifest" | head -n 1
}
providers=()
for pkg in kubernetes github; do
  version="$(npm_version "@pulumi/$pkg")"
  if [[ -z "$version" ]]; then
    echo "stack.sh: node_modules/@pulumi/$pkg is missing; run 'npm ci' first" >&2
    exit 1
  fi
  providers+=("$pkg=$version")
done

# Scratch space of this run, and the guard that keeps the checkout clean. Restoring only when the
# bytes differ keeps the file's timestamp when nothing touched it.
scratch="$(mktemp -d)"
cp -p "$stack_file" "$scratch/committed.yaml"
# shellcheck disable=SC2317 # called by the EXIT trap (shellcheck 0.9 sees no caller)
cleanup() {
  if ! cmp -s "$scratch/committed.yaml" "$stack_file"; then
    cp -p "$scratch/committed.yaml" "$stack_file"
    echo "stack.sh: restored Pulumi.$stack.yaml, which the engine had changed" >&2
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# The engine. The script registers the providers itself (below), in the Pulumi home it uses.
bin="$(PROMOTION_TOOLCHAIN_NO_PLUGIN_INSTALL=1 "$project/scripts/toolchain.sh" | tail -n 1)"
export PATH="$bin:$PATH"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true

# Registered providers instead of "ambient" ones: with PULUMI_IGNORE_AMBIENT_PLUGINS the engine
# loads resource plugins only from $PULUMI_HOME/plugins, at exactly the version the SDK requests
# (the language host and other bundled plugins are still found next to the pulumi binary), so it
# prints no "using pulumi-resource-... from $PATH" warnings. PULUMI_HOME defaults to a home of this
# project's own, outside the checkout; set it to use yours (the providers are registered there).
export PULUMI_HOME="${PULUMI_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/promotion-as-code/pulumi-home}"
export PULUMI_IGNORE_AMBIENT_PLUGINS=true
mkdir -p "$PULUMI_HOME/plugins"
register_providers() {
  local entry name version binary slot source stamp
  for entry in "${providers[@]}"; do
    name="${entry%%=*}"
    version="${entry#*=}"
    binary="$bin/pulumi-resource-$name"
    slot="$PULUMI_HOME/plugins/resource-$name-v$version"
    # Which build the slot holds: the toolchain's stamp of the binary (the hash of its recipe, the
    # same in every cache key that builds it alike, so checkouts on different toolchain keys do not
    # take turns re-registering it), else its path, device, inode, size and modification time (the
    # toolchain replaces a rebuilt binary by a rename, so a rebuild changes these).
    stamp="$bin/../stamps/pulumi-resource-$name"
    if [[ -f "$stamp" ]]; then
      source="toolchain stamp $(cat "$stamp")"
    else
      source="$binary $(stat -L -c '%d:%i:%s:%Y' "$binary")"
    fi
    if [[ -x "$slot/pulumi-resource-$name" && "$(cat "$slot/.registered-from" 2>/dev/null)" == "$source" ]]; then
      continue
    fi
    echo "stack.sh: registering $binary as resource plugin $name v$version in $PULUMI_HOME" >&2
    pulumi plugin install resource "$name" "$version" --file "$binary" --reinstall >&2
    printf '%s\n' "$source" >"$slot/.registered-from"
  done
}
if command -v flock >/dev/null 2>&1; then
  # One registration at a time per Pulumi home; a second run waits, then finds it done.
  exec 8>"$PULUMI_HOME/plugins/.promotion-as-code.lock"
  flock 8
  register_providers
  exec 8>&-
else
  register_providers
fi

# The embedded default: state in the project's .pulumi-state/ unless a backend is chosen.
export PULUMI_BACKEND_URL="$backend"
mkdir -p "$project/.pulumi-state"
if [[ "$backend" == file://* && -z "${PULUMI_CONFIG_PASSPHRASE:-}" && -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]]; then
  # Local-only default so a laptop run needs no setup; any other backend was refused above
  # without a passphrase or provider of its own.
  export PULUMI_CONFIG_PASSPHRASE="promotion-as-code-local"
fi

cd "$project"
# Stacks come up in chain order: the gate reads the upstream's outputs through a stack reference,
# which the engine fails with a bare `unknown stack "organization/promotion/<upstream>"` while the
# upstream has no stack here yet. Say what to run instead.
upstream="$(sed -n 's/^[[:space:]]*promotion:upstream:[[:space:]]*//p' "$stack_file" | sed 's/[[:space:]]*#.*$//; s/^["'"'"']//; s/["'"'"']$//' | head -n 1)"
if [[ -n "$upstream" && ( "$command" == "preview" || "$command" == "up" ) ]]; then
  if ! pulumi stack ls --json --non-interactive 2>/dev/null | grep -Eq "\"name\": *\"([^\"]*/)?$upstream\""; then
    echo "stack.sh: $stack takes tags from $upstream, which has no stack on $PULUMI_BACKEND_URL yet: run 'npm run stack -- up $upstream' first (stacks come up in chain order)" >&2
    exit 1
  fi
fi
if ! pulumi stack select "$stack" --non-interactive >/dev/null 2>&1; then
  if [[ "$command" == "output" ]]; then
    echo "stack.sh: stack '$stack' has not been deployed on $PULUMI_BACKEND_URL yet" >&2
    exit 1
  fi
  if [[ "${PROMOTION_REQUIRE_STACK:-}" == "1" && "$command" != "init" ]]; then
    echo "stack.sh: stack '$stack' does not exist on $PULUMI_BACKEND_URL, and PROMOTION_REQUIRE_STACK=1 (CI) never creates one: a stack whose state was lost is not made anew by a job. Create it on purpose with 'npm run stack -- init $stack' (its first deployment is then gated like a promotion, or takes a reviewed 'npm run promote -- initial --env $stack')" >&2
    exit 1
  fi
  # `stack init` writes an encryption salt into the stack file of the directory it runs in (and
  # re-emits the whole file in its own YAML layout): give it a scratch directory holding only the
  # project file.
  mkdir "$scratch/init"
  cp "$project/Pulumi.yaml" "$scratch/init/Pulumi.yaml"
  (cd "$scratch/init" && pulumi stack init "$stack" --non-interactive) >&2
  if [[ "$command" == "init" ]]; then
    echo "stack.sh: created stack '$stack' on $PULUMI_BACKEND_URL" >&2
    exit 0
  fi
elif [[ "$command" == "init" ]]; then
  echo "stack.sh: stack '$stack' already exists on $PULUMI_BACKEND_URL; nothing to do" >&2
  exit 0
fi

# The engine writes to the stack file it reads: when the file has no `encryptionsalt:` it adds a
# fresh one and re-emits the file in its own YAML layout (flow maps, quoting). The stack files are
# reviewed source, so the engine gets a copy under .pulumi-state/, remade from the committed file
# on every run. A committed file has no salt, so each run's copy gets a fresh one and the update
# records it in the state (measured: the engine does not take it back from the state). Secrets in
# the state stay readable: the engine decrypts them with the salt stored next to them (measured
# with a secret output across two runs with different salts).
config_copy="$project/.pulumi-state/stack-config/Pulumi.$stack.yaml"
mkdir -p "$(dirname "$config_copy")"
cp "$stack_file" "$config_copy"

# The policy pack (policy/stackConfig.ts) reads which values of this file are `secure:` from it:
# the engine sends the pack a key holding one secret leaf decrypted whole.
export PROMOTION_STACK_CONFIG_FILE="$config_copy"

# Not exec: the EXIT trap must run after the engine.
status=0
case "$command" in
  up) pulumi up --stack "$stack" --config-file "$config_copy" --yes --non-interactive --skip-preview=false "$@" || status=$? ;;
  output) pulumi stack output --stack "$stack" --json "$@" || status=$? ;;
  # Non-interactive refresh and destroy, like up, need --yes to proceed.
  refresh | destroy) pulumi "$command" --stack "$stack" --config-file "$config_copy" --yes --non-interactive "$@" || status=$? ;;
  *) pulumi "$command" --stack "$stack" --config-file "$config_copy" --non-interactive "$@" || status=$? ;;
esac
exit "$status"
