#!/usr/bin/env bash
# Provides Prometheus and promtool for the evidence tests (tests/integration/evidence.test.ts):
# Debian's own `prometheus` package, installed with apt-get when missing (idempotent: a second run
# only finds it). Nothing is started here and the package's service is never used: the tests start
# their own server on 127.0.0.1 with their own data and stop it by PID (harness/prometheus.ts).
# Prints the directory holding both executables on stdout, messages on stderr.
set -euo pipefail

found() { [[ -x /usr/bin/prometheus && -x /usr/bin/promtool ]]; }
if found; then
  echo /usr/bin
  exit 0
fi

command -v apt-get >/dev/null || {
  echo "prometheus: prometheus and promtool are not installed and there is no apt-get; install Prometheus 2.x" >&2
  exit 1
}
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || {
    echo "prometheus: not installed; run as root (or with sudo): apt-get install -y prometheus" >&2
    exit 1
  }
  sudo=(sudo)
fi

start=$(date +%s)
echo "prometheus: installing Debian's prometheus with apt-get (once; about 20 s)" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The package lists may be missing or stale on a fresh machine: without them apt finds nothing.
if ! { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq --no-install-recommends prometheus; } >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "prometheus: apt-get could not install prometheus (above)" >&2
  exit 1
fi
# Debian enables a prometheus service; where an init system started it, stop it: the tests never use it.
if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
  "${sudo[@]}" systemctl stop prometheus || true
fi
found || {
  echo "prometheus: apt-get installed the package, but /usr/bin/prometheus or /usr/bin/promtool is missing" >&2
  exit 1
}
echo "prometheus: installed in $(($(date +%s) - start))s: $(/usr/bin/prometheus --version 2>&1 | head -n 1)" >&2
echo /usr/bin
