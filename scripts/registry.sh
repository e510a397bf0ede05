#!/usr/bin/env bash
# A real OCI distribution registry (Debian's docker-registry: the CNCF distribution registry 2.8)
# for the registry tests, on 127.0.0.1 at a free port, with its own config and storage in a
# directory of the caller's. Never the system service: its own process, stopped by its PID.
#
#   scripts/registry.sh install            apt-get install docker-registry, and apache2-utils for
#                                          the htpasswd of the auth tests (once per machine)
#   scripts/registry.sh start DIR [AUTH]   start one in DIR (config.yml, storage/, log, pid, port);
#                                          AUTH: a file whose YAML is the registry's `auth:` block
#                                          (htpasswd); prints 127.0.0.1:<port>
#   scripts/registry.sh stop DIR           stop the one started in DIR (by its PID)
set -euo pipefail

BIN="${DOCKER_REGISTRY_BIN:-/usr/bin/docker-registry}"

usage() { sed -n '2,11p' "$0" >&2; exit 2; }

install() {
  if [[ -x "$BIN" ]] && command -v htpasswd >/dev/null; then
    echo "registry: $BIN is installed" >&2
    return 0
  fi
  echo "registry: installing Debian's docker-registry (apt-get)" >&2
  if [[ $(id -u) -ne 0 ]]; then
    echo "registry: run as root, or: sudo apt-get install docker-registry" >&2
    exit 1
  fi
  # The package's own service is not wanted: a policy-rc.d of 101 keeps apt from starting it.
  local policy=/usr/sbin/policy-rc.d had_policy=1
  [[ -e $policy ]] || { had_policy=0; printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; }
  local ok=0
  { apt-get install -y --no-install-recommends docker-registry apache2-utils >&2 ||
    { apt-get update >&2 && apt-get install -y --no-install-recommends docker-registry apache2-utils >&2; }; } || ok=1
  [[ $had_policy -eq 1 ]] || rm -f "$policy"
  [[ $ok -eq 0 && -x "$BIN" ]] || { echo "registry: apt-get install docker-registry failed" >&2; exit 1; }
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})'
}

start() {
  local dir="$1" auth="${2:-}"
  [[ -x "$BIN" ]] || { echo "registry: $BIN is missing: run scripts/registry.sh install" >&2; exit 1; }
  mkdir -p "$dir/storage"
  dir=$(cd "$dir" && pwd)
  if [[ -s "$dir/pid" ]] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    echo "registry: already running in $dir (pid $(cat "$dir/pid"))" >&2
    echo "127.0.0.1:$(cat "$dir/port")"
    return 0
  fi
  local attempt port
  for attempt in 1 2 3; do
    port=$(free_port)
    {
      printf 'version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n'
      printf 'storage:\n  filesystem:\n    rootdirectory: %s/storage\n  delete:\n    enabled: true\n' "$dir"
      printf 'http:\n  addr: 127.0.0.1:%s\n' "$port"
      if [[ -n $auth ]]; then printf 'auth:\n'; sed 's/^/  /' "$auth"; fi
    } >"$dir/config.yml"
    "$BIN" serve "$dir/config.yml" >"$dir/log" 2>&1 &
    echo $! >"$dir/pid"
    echo "$port" >"$dir/port"
    local i
    for i in $(seq 1 100); do
      if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then break; fi
      # Any HTTP answer (200, or 401 with auth) means it serves.
      if [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/" || true) =~ ^(200|401)$ ]]; then
        echo "127.0.0.1:$port"
        return 0
      fi
      sleep 0.05
    done
    stop "$dir" 2>/dev/null || true
    echo "registry: attempt $attempt on port $port failed:" >&2
    tail -n 5 "$dir/log" >&2 || true
  done
  echo "registry: could not start $BIN (log: $dir/log)" >&2
  exit 1
}

stop() {
  local dir="$1" pid
  [[ -s "$dir/pid" ]] || { echo "registry: nothing started in $dir" >&2; return 0; }
  pid=$(cat "$dir/pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/pid"
}

case "${1:-}" in
  install) install ;;
  start) [[ $# -ge 2 ]] || usage; start "$2" "${3:-}" ;;
  stop) [[ $# -eq 2 ]] || usage; stop "$2" ;;
  *) usage ;;
esac
