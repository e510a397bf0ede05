#!/usr/bin/env bash
# scripts/testbed.sh - a real Kubernetes API server and a real Argo CD on this machine, on 127.0.0.1.
#
# Usage: scripts/testbed.sh build|up|down|status|kubeconfig|env|stop NAME|start NAME [--dir DIR]   (npm run testbed -- ...)
#   build       build the binaries from Go modules (scripts/testbed-build.sh; cached per user)
#   up          start etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok (one fake
#               node), redis, a git daemon holding the GitOps repository, Argo CD's repo-server and
#               application-controller; prints the kubeconfig path as its last line
#   down        stop every process by its PID (reverse order); logs stay in DIR/logs
#   status      each process: running or not, its PID and port
#   kubeconfig  the admin kubeconfig's path:  export KUBECONFIG=$(npm run -s testbed -- kubeconfig)
#   env         'export ...' lines: KUBECONFIG, TESTBED_GIT_URL, TESTBED_GIT_DIR, TESTBED_BIN, PATH
#   stop NAME   stop one component (e.g. argocd-application-controller) by its PID
#   start NAME  start it again with the command line `up` gave it
# DIR (state: certificates, data, pids, logs) is --dir, else $PROMOTION_TESTBED_DIR, else
# ${XDG_CACHE_HOME:-~/.cache}/promotion-as-code/testbed-run. See docs/testbed.md.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CMD=${1:-}
[[ $# -gt 0 ]] && shift
ARGS=()
RUN_DIR=${PROMOTION_TESTBED_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/promotion-as-code/testbed-run}
while (($#)); do
	case "$1" in
	--dir)
		RUN_DIR=$2
		shift
		;;
	--dir=*) RUN_DIR=${1#--dir=} ;;
	-*)
		echo "testbed.sh: unknown option: $1 (see: scripts/testbed.sh --help)" >&2
		exit 2
		;;
	*) ARGS+=("$1") ;;
	esac
	shift
done
mkdir -p "$RUN_DIR"
RUN_DIR=$(cd "$RUN_DIR" && pwd)

log() { printf '[testbed %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
	printf '[testbed %s] FAILED: %s\n' "$(date +%H:%M:%S)" "$*" >&2
	exit 1
}

# The components in start order; `down` stops them in reverse.
# Pods running an image with this tag never become Ready (kwok's pod-ready stage skips them).
readonly NEVER_READY_TAG=sha-dead0000
readonly COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok redis git-daemon argocd-repo-server argocd-application-controller)

pid_of() { [[ -f $RUN_DIR/pids/$1.pid ]] && cat "$RUN_DIR/pids/$1.pid"; }
alive() {
	local pid
	pid=$(pid_of "$1" 2>/dev/null) || return 1
	[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null
}

stop_one() { # stop_one NAME: TERM, then KILL after 15 s; by PID only
	local name=$1 pid i
	pid=$(pid_of "$name" 2>/dev/null) || return 0
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 150; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			log "$name (pid $pid) ignored TERM for 15 s: KILL"
			kill -KILL "$pid" 2>/dev/null || true
		fi
		log "stopped $name (pid $pid)"
	fi
	rm -f "$RUN_DIR/pids/$name.pid"
}

cmd_down() {
	local i
	for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do stop_one "${COMPONENTS[$i]}"; done
	# A process of this test bed that no pid file names (every one has the run directory in its
	# command line) would outlive it: name it and stop it by its PID too.
	local stray
	for stray in $(pgrep -f -- "$RUN_DIR/" || true); do
		[[ $stray == "$$" ]] && continue
		log "stray process of this test bed: $(ps -o args= -p "$stray" | cut -c1-100) (pid $stray): stopping it"
		kill -KILL "$stray" 2>/dev/null || true
	done
	log "down; logs kept in $RUN_DIR/logs"
}

cmd_status() {
	local name any=0
	# shellcheck disable=SC1091
	[[ -f $RUN_DIR/ports.env ]] && source "$RUN_DIR/ports.env"
	for name in "${COMPONENTS[@]}"; do
		if alive "$name"; then
			printf '%-32s running  pid %s\n' "$name" "$(pid_of "$name")"
			any=1
		else
			printf '%-32s stopped\n' "$name"
		fi
	done
	((any)) && printf '\nkubeconfig: %s\ngit:        %s\n' "$RUN_DIR/kubeconfig" "${TESTBED_GIT_URL:-?}"
	return 0
}

cmd_env() {
	[[ -f $RUN_DIR/ports.env ]] || die "no test bed in $RUN_DIR (run: npm run testbed -- up)"
	# shellcheck disable=SC1091
	source "$RUN_DIR/ports.env"
	printf 'export KUBECONFIG=%q\n' "$RUN_DIR/kubeconfig"
	printf 'export TESTBED_DIR=%q\n' "$RUN_DIR"
	printf 'export TESTBED_GIT_URL=%q\n' "$TESTBED_GIT_URL"
	printf 'export TESTBED_GIT_DIR=%q\n' "$TESTBED_GIT_DIR"
	printf 'export TESTBED_BIN=%q\n' "$TESTBED_BIN"
	# shellcheck disable=SC2016
	printf 'export PATH=%q:"$PATH"\n' "$TESTBED_BIN"
}

# --------------------------------------------------------------------------------------------
# up
# --------------------------------------------------------------------------------------------
free_ports() { # free_ports N: N distinct free TCP ports on 127.0.0.1
	node -e '
		const net = require("net");
		const n = Number(process.argv[1]);
		const servers = [];
		(async () => {
			for (let i = 0; i < n; i++) {
				const s = net.createServer();
				await new Promise((ok, ko) => s.once("error", ko).listen(0, "127.0.0.1", ok));
				servers.push(s);
			}
			console.log(servers.map((s) => s.address().port).join(" "));
			servers.forEach((s) => s.close());
		})();' "$1"
}

start() { # start NAME CMD...: in the background, own session, output to logs/NAME.log
	local name=$1
	shift
	{
		printf '$'
		printf ' %q' "$@"
		printf '\n'
	} >>"$RUN_DIR/logs/$name.log"
	# Kept so that `start NAME` can bring one component back exactly as it was (fault tests).
	printf '%q ' "$@" >"$RUN_DIR/cmds/$name"
	setsid "$@" >>"$RUN_DIR/logs/$name.log" 2>&1 </dev/null &
	echo $! >"$RUN_DIR/pids/$name.pid"
	log "started $name (pid $!)"
}

wait_for() { # wait_for NAME SECONDS CHECK...: until CHECK succeeds; fails naming the log
	local name=$1 seconds=$2 deadline
	shift 2
	deadline=$(($(date +%s) + seconds))
	until "$@" >/dev/null 2>&1; do
		if ! alive "$name"; then
			tail -n 25 "$RUN_DIR/logs/$name.log" | sed 's/^/    | /' >&2
			die "$name exited during start-up (log: $RUN_DIR/logs/$name.log)"
		fi
		if (($(date +%s) > deadline)); then
			tail -n 25 "$RUN_DIR/logs/$name.log" | sed 's/^/    | /' >&2
			die "$name not ready after ${seconds}s (log: $RUN_DIR/logs/$name.log)"
		fi
		sleep 0.3
	done
}

certificates() { # a CA, the apiserver's serving cert, an admin client cert, the SA key pair
	local c=$RUN_DIR/certs
	mkdir -p "$c"
	(
		cd "$c"
		openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=testbed-ca" -keyout ca.key -out ca.crt
		openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" -keyout apiserver.key -out apiserver.csr
		printf 'subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' >apiserver.ext
		openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile apiserver.ext -out apiserver.crt
		openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=admin" -keyout admin.key -out admin.csr
		printf 'extendedKeyUsage=clientAuth\n' >admin.ext
		openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile admin.ext -out admin.crt
		openssl genrsa -out sa.key 2048
		openssl rsa -in sa.key -pubout -out sa.pub
	) >"$RUN_DIR/logs/certificates.log" 2>&1 || die "openssl failed (log: $RUN_DIR/logs/certificates.log)"
}

kubeconfig() { # kubeconfig PORT: one admin kubeconfig, certificates embedded (portable)
	cat >"$RUN_DIR/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: testbed
    cluster:
      server: https://127.0.0.1:$1
      certificate-authority-data: $(base64 -w0 <"$RUN_DIR/certs/ca.crt")
users:
  - name: admin
    user:
      client-certificate-data: $(base64 -w0 <"$RUN_DIR/certs/admin.crt")
      client-key-data: $(base64 -w0 <"$RUN_DIR/certs/admin.key")
contexts:
  - name: testbed
    context: { cluster: testbed, user: admin }
current-context: testbed
EOF
	chmod 600 "$RUN_DIR/kubeconfig"
}

gitops_repository() { # the GitOps repository as seed 000 lays it out, served by git daemon
	local bare=$RUN_DIR/git/dex.git work
	rm -rf "$RUN_DIR/git" && mkdir -p "$RUN_DIR/git"
	git init -q --bare -b main "$bare"
	work=$(mktemp -d)
	cp -R "$ROOT/testbed/gitops/." "$work/"
	(
		cd "$work"
		git init -q -b main
		git add -A
		git -c user.name=testbed -c user.email=testbed@127.0.0.1 commit -q -m "GitOps repository of the test bed (seed 000 layout)"
		git push -q "$bare" main
	) || die "could not create the GitOps repository in $bare"
	rm -rf "$work"
}

cmd_up() {
	local any=0 name
	for name in "${COMPONENTS[@]}"; do alive "$name" && any=1; done
	((any)) && die "a test bed is already running in $RUN_DIR (npm run testbed -- status; stop it with: npm run testbed -- down)"

	local cache
	cache=$("$ROOT/scripts/testbed-build.sh" --check 2>/dev/null | tail -n 1) ||
		die "the test bed's binaries are not built (run: npm run testbed -- build; it takes 20-25 min cold)"
	local bin=$cache/bin share=$cache/share
	local started
	started=$(date +%s)

	rm -rf "$RUN_DIR/pids" "$RUN_DIR/cmds" "$RUN_DIR/etcd" "$RUN_DIR/certs" "$RUN_DIR/argocd" "$RUN_DIR/logs"
	mkdir -p "$RUN_DIR/pids" "$RUN_DIR/logs" "$RUN_DIR/cmds" "$RUN_DIR/argocd"/{tls,ssh,gpg,gnupg,tmp}
	# Whatever fails from here on leaves nothing running, and the logs in place.
	trap 'rc=$?; if ((rc)); then log "start-up failed: stopping what started; logs in $RUN_DIR/logs"; cmd_down; fi' EXIT

	local ports
	read -r -a ports <<<"$(free_ports 12)"
	local P_ETCD=${ports[0]} P_PEER=${ports[1]} P_ETCD_METRICS=${ports[2]} P_API=${ports[3]} P_KCM=${ports[4]}
	local P_SCHED=${ports[5]} P_KWOK=${ports[6]} P_REDIS=${ports[7]} P_GIT=${ports[8]} P_REPO=${ports[9]}
	local P_REPO_METRICS=${ports[10]} P_CTRL_METRICS=${ports[11]}

	certificates
	kubeconfig "$P_API"
	local KC=$RUN_DIR/kubeconfig c=$RUN_DIR/certs
	local kubectl=("$bin/kubectl" --kubeconfig "$KC")

	start etcd "$bin/etcd" --name=default --data-dir="$RUN_DIR/etcd" \
		--listen-client-urls="http://127.0.0.1:$P_ETCD" --advertise-client-urls="http://127.0.0.1:$P_ETCD" \
		--listen-peer-urls="http://127.0.0.1:$P_PEER" --initial-advertise-peer-urls="http://127.0.0.1:$P_PEER" \
		--initial-cluster="default=http://127.0.0.1:$P_PEER" --listen-metrics-urls="http://127.0.0.1:$P_ETCD_METRICS" \
		--unsafe-no-fsync=true --log-level=warn
	wait_for etcd 60 curl -fsS "http://127.0.0.1:$P_ETCD_METRICS/health"

	start kube-apiserver "$bin/kube-apiserver" --etcd-servers="http://127.0.0.1:$P_ETCD" \
		--bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$P_API" \
		--tls-cert-file="$c/apiserver.crt" --tls-private-key-file="$c/apiserver.key" --client-ca-file="$c/ca.crt" \
		--service-account-issuer=https://kubernetes.default.svc --service-account-key-file="$c/sa.pub" \
		--service-account-signing-key-file="$c/sa.key" --service-cluster-ip-range=10.0.0.0/24 \
		--authorization-mode=RBAC --allow-privileged=true --enable-priority-and-fairness=false --profiling=false \
		--endpoint-reconciler-type=none
	wait_for kube-apiserver 120 curl -fsS --cacert "$c/ca.crt" --cert "$c/admin.crt" --key "$c/admin.key" "https://127.0.0.1:$P_API/readyz"

	start kube-controller-manager "$bin/kube-controller-manager" --kubeconfig="$KC" \
		--authentication-kubeconfig="$KC" --authorization-kubeconfig="$KC" --bind-address=127.0.0.1 \
		--secure-port="$P_KCM" --leader-elect=false --service-account-private-key-file="$c/sa.key" \
		--root-ca-file="$c/ca.crt" --use-service-account-credentials=false \
		--cluster-signing-cert-file="$c/ca.crt" --cluster-signing-key-file="$c/ca.key" --controllers='*'
	start kube-scheduler "$bin/kube-scheduler" --kubeconfig="$KC" --authentication-kubeconfig="$KC" \
		--authorization-kubeconfig="$KC" --bind-address=127.0.0.1 --secure-port="$P_SCHED" --leader-elect=false
	# kwok's pod stages, with one exception: a pod whose container runs an image tagged
	# $NEVER_READY_TAG is left Pending and unready, like a build that never starts (the automatic
	# rollback's end-to-end test promotes one; docs/testbed.md).
	awk -v tag="$NEVER_READY_TAG" '
		{ print }
		/^  name: pod-ready$/ { in_ready = 1 }
		in_ready && /^    matchExpressions:$/ {
			print "    - key: \x27.spec.containers.[].image | split(\":\") | .[-1]\x27"
			print "      operator: \x27NotIn\x27"
			print "      values:"
			print "      - \x27" tag "\x27"
			in_ready = 0
		}
	' "$share/kwok/stages.yaml" >"$RUN_DIR/kwok-stages.yaml"
	grep -q "$NEVER_READY_TAG" "$RUN_DIR/kwok-stages.yaml" || die "could not add the never-ready stage rule to kwok's stages"
	start kwok "$bin/kwok" --kubeconfig="$KC" --config="$RUN_DIR/kwok-stages.yaml" --manage-all-nodes=false \
		--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake --cidr=10.244.0.0/16 \
		--node-ip=127.0.0.1 --server-address="127.0.0.1:$P_KWOK"
	wait_for kube-controller-manager 60 curl -fsSk "https://127.0.0.1:$P_KCM/healthz"
	wait_for kube-scheduler 60 curl -fsSk "https://127.0.0.1:$P_SCHED/healthz"

	# One fake node, managed by kwok, so that scheduled pods become Running and Ready.
	"${kubectl[@]}" apply -f - >>"$RUN_DIR/logs/setup.log" 2>&1 <<EOF || die "could not create the kwok node (log: $RUN_DIR/logs/setup.log)"
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-0
  annotations: { kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0" }
  labels: { kubernetes.io/hostname: kwok-node-0, kubernetes.io/os: linux, kubernetes.io/arch: amd64, type: kwok }
status:
  allocatable: { cpu: "32", memory: 256Gi, pods: "110" }
  capacity: { cpu: "32", memory: 256Gi, pods: "110" }
EOF
	wait_for kwok 60 "${kubectl[@]}" wait --for=condition=Ready node/kwok-node-0 --timeout=1s

	crd_established() { # the CRD serves its kind (kubectl wait fails while it has no conditions yet)
		local i
		for ((i = 0; i < 120; i++)); do
			[[ $("${kubectl[@]}" get crd "$1" -o 'jsonpath={.status.conditions[?(@.type=="Established")].status}' 2>/dev/null) == True ]] && return 0
			sleep 0.25
		done
		echo "CRD $1 not Established after 30 s"
		return 1
	}
	# Argo CD: its CRDs and config from its own module, the default AppProject argocd-server would create.
	{
		"${kubectl[@]}" create namespace argocd &&
			"${kubectl[@]}" apply --server-side -f "$share/argocd/crds/" &&
			"${kubectl[@]}" -n argocd apply -f "$share/argocd/config/" &&
			crd_established applications.argoproj.io && crd_established appprojects.argoproj.io &&
			"${kubectl[@]}" -n argocd apply -f - <<EOF
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: { name: default, namespace: argocd }
spec:
  sourceRepos: ["*"]
  destinations: [{ server: "*", namespace: "*" }]
  clusterResourceWhitelist: [{ group: "*", kind: "*" }]
EOF
	} >>"$RUN_DIR/logs/setup.log" 2>&1 || die "could not install Argo CD's CRDs and config (log: $RUN_DIR/logs/setup.log)"

	start redis "$(command -v redis-server)" --bind 127.0.0.1 --port "$P_REDIS" --save '' --appendonly no
	wait_for redis 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/$P_REDIS"

	gitops_repository
	start git-daemon git daemon --base-path="$RUN_DIR/git" --export-all --reuseaddr --listen=127.0.0.1 \
		--port="$P_GIT" --enable=receive-pack "$RUN_DIR/git"
	wait_for git-daemon 30 git ls-remote "git://127.0.0.1:$P_GIT/dex.git"

	# Both Argo CD processes run out of cluster: ARGOCD_FAKE_IN_CLUSTER makes
	# https://kubernetes.default.svc mean this kubeconfig's cluster.
	# helm, when scripts/helm-build.sh has built it: the repo-server renders Helm-chart apps with it.
	local helm_dir
	helm_dir=$("$ROOT/scripts/helm-build.sh" --check 2>/dev/null) || helm_dir=""
	local argo_env=(env KUBECONFIG="$KC" ARGOCD_FAKE_IN_CLUSTER=true ARGOCD_GPG_ENABLED=false
		ARGOCD_TLS_DATA_PATH="$RUN_DIR/argocd/tls" ARGOCD_SSH_DATA_PATH="$RUN_DIR/argocd/ssh"
		ARGOCD_GPG_DATA_PATH="$RUN_DIR/argocd/gpg" ARGOCD_GNUPGHOME="$RUN_DIR/argocd/gnupg"
		TMPDIR="$RUN_DIR/argocd/tmp" PATH="$bin:$share/argocd/bin${helm_dir:+:$helm_dir}:$PATH"
		ARGOCD_RECONCILIATION_TIMEOUT="${PROMOTION_TESTBED_RECONCILIATION:-180s}")
	start argocd-repo-server "${argo_env[@]}" ARGOCD_BINARY_NAME=argocd-repo-server "$bin/argocd" \
		--disable-tls --client-ca-path= --address=127.0.0.1 --port="$P_REPO" \
		--metrics-address=127.0.0.1 --metrics-port="$P_REPO_METRICS" --redis="127.0.0.1:$P_REDIS"
	wait_for argocd-repo-server 60 bash -c "exec 3<>/dev/tcp/127.0.0.1/$P_REPO"
	start argocd-application-controller "${argo_env[@]}" ARGOCD_BINARY_NAME=argocd-application-controller \
		"$bin/argocd" --namespace=argocd --repo-server="127.0.0.1:$P_REPO" --repo-server-plaintext \
		--redis="127.0.0.1:$P_REDIS" --metrics-port="$P_CTRL_METRICS" --status-processors=4 --operation-processors=4
	wait_for argocd-application-controller 60 curl -fsS "http://127.0.0.1:$P_CTRL_METRICS/metrics"

	cat >"$RUN_DIR/ports.env" <<EOF
TESTBED_BIN=$bin
TESTBED_API_PORT=$P_API
TESTBED_GIT_URL=git://127.0.0.1:$P_GIT/dex.git
TESTBED_GIT_DIR=$RUN_DIR/git/dex.git
TESTBED_ETCD_PORT=$P_ETCD
TESTBED_REDIS_PORT=$P_REDIS
TESTBED_REPO_SERVER_PORT=$P_REPO
TESTBED_CONTROLLER_METRICS_PORT=$P_CTRL_METRICS
EOF
	trap - EXIT
	log "up in $(($(date +%s) - started)) s: kubectl --kubeconfig $KC get applications -n argocd"
	printf '%s\n' "$KC"
}

component() { # component NAME: NAME must be one of COMPONENTS
	local name
	for name in "${COMPONENTS[@]}"; do [[ $name == "$1" ]] && return 0; done
	echo "testbed.sh: unknown component '$1'; accepted: ${COMPONENTS[*]}" >&2
	exit 2
}

cmd_start_one() { # restart one stopped component with the command line `up` gave it
	local name=$1
	[[ -f $RUN_DIR/cmds/$name ]] || die "no test bed in $RUN_DIR started $name (run: npm run testbed -- up)"
	alive "$name" && die "$name is already running (pid $(pid_of "$name"))"
	printf '# restarted %s\n' "$(date -u +%FT%TZ)" >>"$RUN_DIR/logs/$name.log"
	local args
	eval "args=($(cat "$RUN_DIR/cmds/$name"))"
	# Run directly (no eval in the background job): $! must be the process itself, or `down`
	# would stop a wrapper and leave the component running.
	setsid "${args[@]}" >>"$RUN_DIR/logs/$name.log" 2>&1 </dev/null &
	echo $! >"$RUN_DIR/pids/$name.pid"
	log "started $name again (pid $!)"
}

case "$CMD" in
build) "$ROOT/scripts/testbed-build.sh" && exec "$ROOT/scripts/helm-build.sh" ;;
stop)
	component "${ARGS[0]:-}"
	stop_one "${ARGS[0]}"
	;;
start)
	component "${ARGS[0]:-}"
	cmd_start_one "${ARGS[0]}"
	;;
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
kubeconfig)
	[[ -f $RUN_DIR/kubeconfig ]] || die "no test bed in $RUN_DIR (run: npm run testbed -- up)"
	printf '%s\n' "$RUN_DIR/kubeconfig"
	;;
env) cmd_env ;;
-h | --help | help | "")
	sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
	[[ -n $CMD ]]
	;;
*)
	echo "testbed.sh: unknown command '$CMD'; accepted: build, up, down, status, kubeconfig, env, stop, start" >&2
	exit 2
	;;
esac
