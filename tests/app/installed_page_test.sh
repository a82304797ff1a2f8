#!/usr/bin/env bash
# The dashboard page is compiled into the binary: `cmake --install` puts
# `starling` into a temporary prefix, the installed binary runs `demo` from
# another folder (no STARLING_WEB_ROOT, nothing of the source tree beside it),
# and every file of web/dist fetched over HTTP (with / itself) must equal the
# file in web/dist byte for byte, with its content type. Then --web-root and
# STARLING_WEB_ROOT must override the embedded page.
# Usage: installed_page_test.sh CMAKE_COMMAND BUILD_DIR WEB_DIST
# Exits 77 (CTest: skipped) only when WEB_DIST is not built (no npm).
set -uo pipefail
cmake=$1
build=$(realpath -m "$2")
dist=$(realpath -m "$3")
if [ ! -f "$dist/index.html" ]; then
  echo "SKIPPED: $dist/index.html does not exist (run 'make web'): this build embeds no page"
  exit 77
fi
command -v curl > /dev/null || { echo "FAIL curl is missing (make deps)"; exit 1; }
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -INT "$pid" 2>/dev/null; rm -rf "$work"' EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

"$cmake" --install "$build" --prefix "$work/prefix" > "$work/install.log" 2>&1 ||
  { cat "$work/install.log"; echo "FAIL cmake --install $build"; exit 1; }
bin="$work/prefix/bin/starling"
[ -x "$bin" ] || { cat "$work/install.log"; echo "FAIL no $bin after cmake --install"; exit 1; }
ok "cmake --install puts the binary in PREFIX/bin"
mkdir "$work/elsewhere"
cd "$work/elsewhere" || exit 1
unset STARLING_WEB_ROOT

# start NAME [ARGS...]: the installed binary's demo on a free port; sets pid and url.
start() {
  local name=$1; shift
  "$bin" demo --port 0 --duration 60s --rate 50 --db "$work/$name.db" "$@" \
    > "$work/$name.out" 2> "$work/$name.err" &
  pid=$!
  url=""
  for _ in $(seq 100); do
    url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$work/$name.out" 2>/dev/null | head -1 || true)
    [ -n "$url" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$url" ]; then
    echo "FAIL $name: the demo printed no dashboard URL"; cat "$work/$name.err"; exit 1
  fi
}
stop() {
  kill -INT "$pid"
  # Stopped before its --duration: 130 (128 + SIGINT) after a clean stop.
  local rc=0
  wait "$pid" || rc=$?
  [ "$rc" -eq 130 ] || bad "the demo exits cleanly on SIGINT (exit $rc, want 130)"
  pid=""
}
# fetch PATH FILE: the body into FILE, the headers into FILE.headers; prints the status.
fetch() {
  curl -s -o "$2" -D "$2.headers" -w '%{http_code}' "${url}${1#/}"
}
header() {  # header FILE NAME: the value of one response header
  sed -n "s/^$2: \(.*\)\r$/\1/Ip" "$1.headers" | head -1
}

start embedded
[ "$(fetch / "$work/root")" = 200 ] && cmp -s "$work/root" "$dist/index.html" &&
  [ "$(header "$work/root" Content-Type)" = "text/html; charset=utf-8" ] &&
  [ "$(header "$work/root" Cache-Control)" = "no-cache" ] &&
  ok "/ is web/dist/index.html, byte for byte" || {
  grep -q 'built without its dashboard page' "$work/root" &&
    echo "    the binary serves its 'not built' notice: was it built before web/dist existed?"
  bad "/ is web/dist/index.html, byte for byte"
}
checked_js=0
while IFS= read -r rel; do
  case "$rel" in
    *.html) type="text/html; charset=utf-8" ;;
    *.js) type="text/javascript; charset=utf-8"; checked_js=$((checked_js + 1)) ;;
    *.css) type="text/css; charset=utf-8" ;;
    *.map | *.json) type="application/json" ;;
    *.txt) type="text/plain; charset=utf-8" ;;
    *) type="" ;;
  esac
  got="$work/file"
  status=$(fetch "/$rel" "$got")
  if [ "$status" = 200 ] && cmp -s "$got" "$dist/$rel" &&
     { [ -z "$type" ] || [ "$(header "$got" Content-Type)" = "$type" ]; }; then
    ok "/$rel is web/dist/$rel ($(wc -c < "$got") bytes, $(header "$got" Content-Type))"
  else
    bad "/$rel: status $status, type '$(header "$got" Content-Type)', want web/dist/$rel ($type)"
  fi
done < <(cd "$dist" && find . -type f ! -path '*/.*' | sed 's|^\./||' | sort)
[ "$checked_js" -gt 0 ] && ok "a JS asset was among them" || bad "web/dist holds no .js asset"
# The script index.html loads is one of them.
js=$(grep -o 'assets/[^"]*\.js' "$dist/index.html" | head -1)
[ -n "$js" ] && [ "$(fetch "/$js" "$work/js")" = 200 ] && cmp -s "$work/js" "$dist/$js" &&
  ok "the script index.html loads ($js)" || bad "the script index.html loads ($js)"
[ "$(fetch /api/v1/stats "$work/stats")" = 200 ] && grep -q '"pipeline":"demo"' "$work/stats" &&
  ok "the API beside it" || bad "the API beside it"
stop

# A web root on disk overrides the embedded page.
mkdir -p "$work/other"
printf '<!doctype html><title>from disk</title>' > "$work/other/index.html"
start flag --web-root "$work/other"
[ "$(fetch / "$work/flag")" = 200 ] && cmp -s "$work/flag" "$work/other/index.html" &&
  [ "$(fetch "/$js" "$work/flag-js")" = 404 ] &&
  ok "--web-root DIR serves DIR instead" || bad "--web-root DIR serves DIR instead"
stop
STARLING_WEB_ROOT="$work/other" start env
[ "$(fetch / "$work/env")" = 200 ] && cmp -s "$work/env" "$work/other/index.html" &&
  ok "STARLING_WEB_ROOT=DIR serves DIR instead" || bad "STARLING_WEB_ROOT=DIR serves DIR instead"
stop

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
