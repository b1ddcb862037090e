#!/usr/bin/env bash
# HTTP load on the search API and the search page, beside a ceiling that answers the same
# bytes without the database (bench/ceiling_app.py), through gunicorn, measured with wrk.
#
#   bench/load.sh                                  100,000 practitioners, SQLite, 60 s per row
#   DURATION=5s bench/load.sh --practitioners 10000                        a smoke run
#   bench/load.sh --database-url postgresql://postgres@127.0.0.1:5432/bench   (ITS TABLES ARE DROPPED)
#   SEARCH_CACHE_MB=0 bench/load.sh                every search computed anew (no answer cache)
#   WRITER=0 bench/load.sh                         no bookings during the runs (the stale check still runs)
#   PY=/path/to/.venv/bin/python bench/load.sh     another virtualenv (e.g. from a git worktree)
#
# Options: --practitioners N (100000), --duration D (60s; or DURATION=...), --timeout T (wrk's
# 2s; or TIMEOUT=...), --connections "8 32",
# --workers W (2 x cores + 1), --database-url URL (default: a SQLite file in a temporary
# directory), --json PATH (also write the figures as JSON).
set -euo pipefail

cd "$(dirname "$0")/.."
PRACTITIONERS=100000
DURATION="${DURATION:-60s}"
TIMEOUT="${TIMEOUT:-2s}"  # wrk's own default: a slower answer counts as a timeout error
CONNECTIONS="8 32"
WORKERS=$(( 2 * $(nproc) + 1 ))
DATABASE_URL_ARG=""
JSON_PATH=""

while [ $# -gt 0 ]; do
  case "$1" in
    --practitioners) PRACTITIONERS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --timeout) TIMEOUT="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --workers) WORKERS="$2"; shift 2 ;;
    --database-url) DATABASE_URL_ARG="$2"; shift 2 ;;
    --json) JSON_PATH="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
  else
    echo "bench/load.sh needs wrk: sudo apt-get install wrk" >&2
    exit 1
  fi
fi

PY="${PY:-.venv/bin/python}"   # PY=/path/to/venv/bin/python: another checkout's virtualenv
BIN=$(dirname "$PY")
TMP=$(mktemp -d -t meridian-load-XXXXXX)
GUNICORN_PID=""
LIVE_PIDS=""
cleanup() {
  touch "$TMP/stop"
  for pid in $LIVE_PIDS; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID" 2>/dev/null || true
    wait "$GUNICORN_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "[load] $*" >&2; }

DATABASE_URL="${DATABASE_URL_ARG:-sqlite:///$TMP/bench.db}"
export DATABASE_URL FLASK_APP=wsgi.py MAIL_SEND_AFTER_COMMIT=false LOG_LEVEL=WARNING MERIDIAN_ENV=development
# Fresh secrets so that nothing is read from or written to instance/.
eval "$("$PY" bench/benchdb.py secrets | sed 's/^/export /')"

if [ -n "$DATABASE_URL_ARG" ]; then
  log "dropping every table in the --database-url database"
  "$PY" bench/benchdb.py reset "$DATABASE_URL"
fi
log "schema and $PRACTITIONERS demo practitioners (seed 42)..."
"$BIN/flask" db upgrade >/dev/null 2>"$TMP/flask.log" || { cat "$TMP/flask.log" >&2; exit 1; }
"$BIN/flask" seed-demo --practitioners "$PRACTITIONERS" --seed 42 >"$TMP/seed.log" 2>&1 \
  || { cat "$TMP/seed.log" >&2; exit 1; }
"$PY" bench/benchdb.py analyze "$DATABASE_URL"

PORT=$("$PY" bench/benchdb.py free-port)
BASE="http://127.0.0.1:$PORT"
log "gunicorn, $WORKERS workers, on $BASE"
CEILING_BASE_URL="$BASE" "$BIN/gunicorn" --pythonpath . --bind "127.0.0.1:$PORT" \
  --workers "$WORKERS" --log-level warning bench.ceiling_app:app >"$TMP/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
"$PY" bench/benchdb.py wait "$BASE/api/__ceiling" 120 || { cat "$TMP/gunicorn.log" >&2; exit 1; }

declare -A URLS=([api]="$BASE" [page]="$BASE" [ceiling-api]="$BASE/api/__ceiling" [ceiling-page]="$BASE/__ceiling/page")
declare -A MODES=([api]=api [page]=page [ceiling-api]=fixed [ceiling-page]=fixed)
ORDER="api ceiling-api page ceiling-page"

run_wrk() {  # target connections duration [timeout] -> the BENCH_RESULT JSON
  local out
  out=$(wrk -t2 -c"$2" -d"$3" --timeout "${4:-$TIMEOUT}" --latency -s bench/lua/search.lua "${URLS[$1]}" -- "${MODES[$1]}")
  echo "$out" >>"$TMP/wrk.log"
  echo "$out" | sed -n 's/^BENCH_RESULT //p'
}

# Warm up every worker (and the ceiling's captured bytes, and the database's cache), and
# stop here if anything answers other than 2xx: a broken query would make the figures lie.
# A cold worker's first search loads the ZIP index: a long timeout, so that is no error here.
for target in $ORDER; do
  result=$(run_wrk "$target" 4 5s 30s)
  if ! echo "$result" | "$PY" -c 'import json,sys; r=json.load(sys.stdin); sys.exit(
      r["http_errors"] + r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["timeouts"] > 0)'; then
    log "warm-up of $target failed: $result"; cat "$TMP/gunicorn.log" >&2; exit 1
  fi
done

# During the measured runs: a writer that books a first visit shown by a search (and cancels
# it) every second, and a check that search answers' next_available match the slots endpoint.
# WRITER=0: the stale check alone, to see what the bookings cost the cached search.
if [ "${WRITER:-1}" != 0 ]; then
  log "writer (a booking and a cancellation every second) and stale check, during the runs"
  "$PY" bench/load_live.py writer --out "$TMP/writer.json" --stop-file "$TMP/stop" 2>"$TMP/writer.log" &
  LIVE_PIDS="$!"
else
  log "stale check during the runs, no writer (WRITER=0)"
fi
"$PY" bench/load_live.py check "$BASE" --out "$TMP/check.json" --stop-file "$TMP/stop" 2>"$TMP/check.log" &
LIVE_PIDS="$LIVE_PIDS $!"

RESULTS="$TMP/results.jsonl"
for connections in $CONNECTIONS; do
  for target in $ORDER; do
    log "$target, $connections connections, $DURATION"
    result=$(run_wrk "$target" "$connections" "$DURATION")
    echo "{\"target\": \"$target\", \"connections\": $connections, \"duration\": \"$DURATION\", \"timeout\": \"$TIMEOUT\", ${result#\{}" >>"$RESULTS"
  done
done

touch "$TMP/stop"
for pid in $LIVE_PIDS; do wait "$pid" || { log "writer or check failed"; cat "$TMP/writer.log" "$TMP/check.log" >&2; }; done
LIVE_PIDS=""

status=0
"$PY" bench/load_report.py "$RESULTS" --practitioners "$PRACTITIONERS" --workers "$WORKERS" \
  --writer "$TMP/writer.json" --check "$TMP/check.json" \
  --database-url "$DATABASE_URL" ${JSON_PATH:+--json "$JSON_PATH"} || status=$?
if grep -qi "traceback\|error" "$TMP/gunicorn.log"; then
  log "gunicorn logged errors:"; grep -i -m 20 "traceback\|error" "$TMP/gunicorn.log" >&2
fi
exit "$status"
