#!/usr/bin/env bash
# HTTP figures with the load generator in a process of its own: wrk (Debian package `wrk`)
# drives `markaz serve` (tracking lookups, then filings) and, the same way and in the same run,
# the bare axum route of `markaz bench bare-route`. Rounds alternate, each round measuring the
# bare route first. A load client inside the server's process would take CPU from both and
# flatter the ratio; this one takes CPU from both too, but equally.
#
# Usage: scripts/bench_http_wrk.sh  (after `cargo build --release -p markaz-api`)
#   MARKAZ=path/to/markaz ROUNDS=3 DURATION=10s CONNECTIONS=64 THREADS=1
set -euo pipefail
cd "$(dirname "$0")/.."

MARKAZ="${MARKAZ:-target/release/markaz}"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-1}"
SERVE_PORT="${SERVE_PORT:-18480}"
BARE_PORT="${BARE_PORT:-18490}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

DATA="$WORK/data"
TOKEN="$("$MARKAZ" officers add --data-dir "$DATA" --name "Bench desk" --role desk --markaz KCH 2>/dev/null | tail -1)"
"$MARKAZ" serve --data-dir "$DATA" --listen "127.0.0.1:$SERVE_PORT" --admin-listen "127.0.0.1:0" \
  --public-rate-limit 100000000 --staff-rate-limit 100000000 --unknown-code-limit 100000000 \
  >"$WORK/serve.log" 2>&1 &
PIDS+=($!)
"$MARKAZ" bench bare-route --listen "127.0.0.1:$BARE_PORT" >"$WORK/bare.log" 2>&1 &
PIDS+=($!)

BODY='{"complainant":{"name":"Abdul Wahid","gender":"male","phone":"0300-1234567","cnic":"54400-1234567-1","address":"House 12, Killi Kuchlak"},"category":"theft_report","description":"My motorcycle was stolen outside the mosque after Friday prayers.","location":"Kuchlak bazaar","channel":"counter"}'
CODE="$(python3 - "$SERVE_PORT" "$TOKEN" "$BODY" <<'PY'
import json, sys, time, urllib.request
port, token, body = sys.argv[1], sys.argv[2], sys.argv[3]
base = f"http://127.0.0.1:{port}"
for _ in range(200):
    try:
        urllib.request.urlopen(base + "/readyz", timeout=2)
        break
    except Exception:
        time.sleep(0.1)
request = urllib.request.Request(base + "/api/v1/complaints", data=body.encode(), method="POST",
    headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
filed = json.load(urllib.request.urlopen(request, timeout=10))
print(filed["tracking_code"])
PY
)"

cat >"$WORK/file.lua" <<LUA
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
LUA

measure() { # label url [script]
  local extra=()
  if [ -n "${3:-}" ]; then extra=(-s "$3"); fi
  local out
  out="$(wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --latency "${extra[@]}" "$2")"
  local rate p99 errors
  rate="$(echo "$out" | awk '/Requests\/sec/ {print $2}')"
  p99="$(echo "$out" | awk '$1 == "99%" {print $2}')"
  errors="$(echo "$out" | awk '/Non-2xx/ {print $5}')"
  printf '%-16s %12s req/s   p99 %-9s non-2xx %s\n' "$1" "$rate" "$p99" "${errors:-0}"
  echo "$rate"
}

echo "wrk -t $THREADS -c $CONNECTIONS -d $DURATION, $ROUNDS rounds"
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round"
  bare="$(measure "bare route" "http://127.0.0.1:$BARE_PORT/bare" | tee /dev/stderr | tail -1)"
  lookup="$(measure "tracking lookup" "http://127.0.0.1:$SERVE_PORT/api/v1/track/$CODE" | tee /dev/stderr | tail -1)"
  filing="$(measure "filing" "http://127.0.0.1:$SERVE_PORT/api/v1/complaints" "$WORK/file.lua" | tee /dev/stderr | tail -1)"
  python3 -c "import sys; b, l, f = map(float, sys.argv[1:]); print(f'  ratio to the bare route: lookups {l / b:.2f}, filings {f / b:.2f}')" "$bare" "$lookup" "$filing"
done 2>&1 | grep -v '^[0-9.]*$'
