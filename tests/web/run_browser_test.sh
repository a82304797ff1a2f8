#!/usr/bin/env bash
# The dashboard in a real browser: starts `starling demo` on a free port with
# the built page (web/dist), runs tests/web/dashboard_test.mjs (headless
# Chromium via playwright-core) against it, then stops the demo with SIGINT
# and checks it exits cleanly. Screenshots land in ARTIFACT_DIR.
# Usage: tests/web/run_browser_test.sh STARLING_BINARY [ARTIFACT_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(realpath "$1")
artifacts=$(realpath -m "${2:-$root/build/test-artifacts/web}")
[ -f "$root/web/dist/index.html" ] || { echo "browser test: web/dist is not built (make web)"; exit 1; }
[ -d "$root/web/node_modules/playwright-core" ] || { echo "browser test: web/node_modules missing (make web)"; exit 1; }
[ -x /usr/bin/chromium ] || { echo "browser test: /usr/bin/chromium missing (make deps)"; exit 1; }
mkdir -p "$artifacts"
work=$(mktemp -d)
trap 'kill -INT "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin" demo --port 0 --duration 120s --rate 1500 --db "$work/demo.db" \
  --web-root "$root/web/dist" > "$work/demo.out" 2> "$work/demo.err" &
pid=$!
url=""
for _ in $(seq 100); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$work/demo.out" 2>/dev/null | head -1 || true)
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "browser test: the demo printed no dashboard URL"; cat "$work/demo.err"; exit 1
fi
echo "browser test: demo at $url"
status=0
BASE_URL="$url" ARTIFACT_DIR="$artifacts" timeout 150 node "$root/tests/web/dashboard_test.mjs" || status=$?
kill -INT "$pid"
# Stopped before its --duration: exit 130 (128 + SIGINT) after a clean stop.
rc=0; wait "$pid" || rc=$?
if [ "$rc" -ne 130 ]; then
  echo "browser test: the demo did not exit cleanly on SIGINT (exit $rc, want 130)"; tail -5 "$work/demo.err"; status=1
fi

# The health panel with a provider source: the demo reads Bluesky's Jetstream
# capture from the local replay server (tests/support/provider_server.py).
python3 - "$root/../shared/data" > "$work/jetstream.json" <<'PY'
import json, sys
with open(sys.argv[1] + "/bluesky-jetstream/corpus/expected_v1.jsonl", encoding="utf-8") as f:
    events = [l.rstrip("\n") for l in f if l.strip()]
print(json.dumps({"routes": {"/subscribe": [{"ws": events, "delay": 0.05, "then": "hold"}]}}))
PY
python3 "$root/tests/support/provider_server.py" --script "$work/jetstream.json" > "$work/server.out" &
server=$!
trap 'kill -INT "$pid" 2>/dev/null || true; kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do grep -q '^port ' "$work/server.out" 2>/dev/null && break; sleep 0.1; done
port=$(awk '/^port /{print $2}' "$work/server.out")
"$bin" demo --port 0 --duration 60s --db "$work/jet.db" --web-root "$root/web/dist" \
  --source "bluesky:jetstream?api_base=ws://127.0.0.1:$port" > "$work/jet.out" 2> "$work/jet.err" &
pid=$!
url=""
for _ in $(seq 100); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$work/jet.out" 2>/dev/null | head -1 || true)
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "browser test: demo --source printed no dashboard URL"; cat "$work/jet.err"; status=1
else
  BASE_URL="$url" ARTIFACT_DIR="$artifacts" timeout 90 node "$root/tests/web/source_health_test.mjs" || status=$?
fi
kill -INT "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
kill "$server" 2>/dev/null || true
trap 'rm -rf "$work"' EXIT
[ "$status" -eq 0 ] && echo "browser test: passed (screenshots in $artifacts)"
exit "$status"
