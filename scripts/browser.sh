#!/usr/bin/env bash
# Provides headless Chromium for the dashboard's browser test (tests/unit/dashboardBrowser.test.ts):
# Debian's own `chromium` package, installed with apt-get when it is missing (idempotent: a second
# run only finds it). playwright-core drives it through `executablePath`; no browser is ever
# downloaded by playwright. Prints the executable's path on stdout, messages on stderr.
set -euo pipefail

find_chromium() {
  local candidate
  for candidate in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [[ -n "$candidate" && -x "$candidate" ]]; then
      echo "$candidate"
      return 0
    fi
  done
  command -v chromium 2>/dev/null || return 1
}

if path=$(find_chromium); then
  echo "$path"
  exit 0
fi

command -v apt-get >/dev/null || {
  echo "browser: chromium is not installed and there is no apt-get; install Chromium and set CHROMIUM_PATH to its executable" >&2
  exit 1
}
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || {
    echo "browser: chromium is not installed; run as root (or with sudo): apt-get install -y chromium" >&2
    exit 1
  }
  sudo=(sudo)
fi

start=$(date +%s)
echo "browser: installing Debian's chromium with apt-get (once; about 1-2 minutes)" >&2
export DEBIAN_FRONTEND=noninteractive
# The package lists may be missing or stale on a fresh machine: without them apt finds nothing.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; } >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "browser: apt-get could not install chromium (above)" >&2
  exit 1
fi
path=$(find_chromium) || {
  echo "browser: apt-get installed chromium, but no chromium executable was found" >&2
  exit 1
}
echo "browser: chromium installed in $(($(date +%s) - start))s: $("$path" --version 2>/dev/null | tail -n 1 || echo "$path")" >&2
echo "$path"
