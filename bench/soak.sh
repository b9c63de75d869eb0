#!/usr/bin/env bash
# Soak: phonegraph on a generated market with API keys and client limits, asked by 64
# connections of ordinary questions (bench/soak.tsv, their ids rotating) under an admin's key,
# which client limits do not hold, for a minute alone and then a minute beside a hostile
# client (bench/hostile.py) with a reader's key of its own.
#
# Every 5 s it prints the ordinary questions answered a second and the server's resident
# memory; after each minute, the ordinary latency (p50, p99) and errors (any answer not 2xx,
# or none within 2 s). It fails if an ordinary request errs, if the ordinary p99 beside the
# hostile client is more than twice the p99 without it, or if resident memory grows by more
# than 10% after the first 5 s of a phase. The access log is off.
#
#   bench/soak.sh                       # 100,000 entities, 60 s a phase, 64 connections
#   DURATION=20 bench/soak.sh           # shorter phases (a multiple of 5)
#   BIN=/path/to/phonegraph bench/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ENTITIES=${ENTITIES:-100000}
DURATION=${DURATION:-60}
CONNECTIONS=${CONNECTIONS:-64}
PORT=${PORT:-18090}
BIN=${BIN:-./target/release/phonegraph}

if ! command -v wrk >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
cargo build --release --quiet --bin phonegraph

work=$(mktemp -d)
cleanup() {
  kill "${hostile:-}" "${server:-}" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/seed"
"$BIN" generate --entities "$ENTITIES" "$work/csv" >/dev/null
admin=$("$BIN" keys new --file "$work/keys.toml" --name soak --role admin)
reader=$("$BIN" keys new --file "$work/keys.toml" --name hostile --role reader)

PHONEGRAPH_LOG=warn "$BIN" serve --seed-data "$work/seed" --csv "$work/csv" \
  --bind "127.0.0.1:$PORT" --api-keys "$work/keys.toml" \
  --rate-limit 20 --max-client-in-flight 1 --max-client-cost 1000 &
server=$!
base="http://127.0.0.1:$PORT"
until curl -fs "$base/healthz" >/dev/null 2>&1; do
  kill -0 "$server" 2>/dev/null || { echo "phonegraph did not start" >&2; exit 1; }
  sleep 0.1
done

# wrk's script: each request a question of bench/soak.tsv in turn, its `{n}` a random number
# of the question's range, named `Soak` for the metrics.
{
  echo 'local questions = {'
  while IFS=$'\t' read -r _ lo hi body; do
    body=${body/query(/query Soak(}
    body=${body/\"query\":\"\{/\"query\":\"query Soak \{}
    printf '  { %s, %s, [==[%s]==] },\n' "$lo" "$hi" "$body"
  done <bench/soak.tsv
  cat <<LUA
}
local turn = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $admin"
request = function()
  turn = turn % #questions + 1
  local q = questions[turn]
  local body = q[3]:gsub("{n}", tostring(math.random(q[1], q[2])))
  return wrk.format(nil, nil, nil, body)
end
LUA
} >"$work/soak.lua"

rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
answered() {
  curl -fs -H "Authorization: Bearer $admin" "$base/metrics" |
    awk '/^phonegraph_graphql_operations_total\{operation="Soak"\}/ {print $2}'
}

phase() { # name: a minute of ordinary questions; prints every 5 s, then the latency
  local name=$1
  echo "== $name"
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 2s --latency -s "$work/soak.lua" \
    "$base/graphql" >"$work/$name.out" &
  local loader=$! before after t=0
  before=$(answered)
  while kill -0 "$loader" 2>/dev/null && [ "$t" -lt "$DURATION" ]; do
    sleep 5
    t=$((t + 5))
    after=$(answered)
    printf '  %3ds  %8.0f answers/s  rss %7d kB\n' "$t" "$(echo "($after - $before) / 5" | bc -l)" "$(rss)"
    echo "$t $(rss)" >>"$work/$name.rss"
    before=$after
  done
  wait "$loader"
  local p50 p99 non2xx timeouts
  p50=$(awk '$1 == "50%" {print $2}' "$work/$name.out")
  p99=$(awk '$1 == "99%" {print $2}' "$work/$name.out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/$name.out")
  timeouts=$(awk '/Socket errors/ {gsub(",", ""); print $NF}' "$work/$name.out")
  printf '  %s req/s over the minute, p50 %s, p99 %s, non-2xx %s, no answer within 2 s %s\n' \
    "$(awk '/Requests\/sec/ {print $2}' "$work/$name.out")" "$p50" "$p99" "${non2xx:-0}" "${timeouts:-0}"
  grep -E 'Socket errors' "$work/$name.out" | sed 's/^/  /' || true
}

ms() { # a wrk duration (850.00us, 1.20ms, 2.00s) in milliseconds
  awk -v d="$1" 'BEGIN { n = d + 0; if (d ~ /us$/) n /= 1000; else if (d ~ /ms$/) n = n; else if (d ~ /s$/) n *= 1000; print n }'
}

phase alone
python3 bench/hostile.py "$base" "$reader" >"$work/hostile-client.out" &
hostile=$!
sleep 1
phase hostile
kill -TERM "$hostile"
wait "$hostile" || true
cat "$work/hostile-client.out"

failed=0
for name in alone hostile; do
  errors=$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$work/$name.out")
  if [ "$errors" -gt 0 ]; then
    echo "FAIL: $errors ordinary requests erred ($name)"
    failed=1
  fi
done
alone=$(ms "$(awk '$1 == "99%" {print $2}' "$work/alone.out")")
beside=$(ms "$(awk '$1 == "99%" {print $2}' "$work/hostile.out")")
if [ "$(echo "$beside > 2 * $alone" | bc -l)" = 1 ]; then
  echo "FAIL: the ordinary p99 beside the hostile client is ${beside} ms, more than twice ${alone} ms"
  failed=1
fi
for name in alone hostile; do
  # Each phase warms up in its first 5 s: the hostile one brings its own connections and
  # buffers. After that, memory must hold.
  first=$(head -1 "$work/$name.rss" | cut -d' ' -f2)
  most=$(cut -d' ' -f2 "$work/$name.rss" | sort -n | tail -1)
  printf 'rss %s: %s kB after 5 s, at most %s kB\n' "$name" "$first" "$most"
  if [ "$(echo "$most > 1.1 * $first" | bc -l)" = 1 ]; then
    echo "FAIL: resident memory grew from $first kB to $most kB after warm-up ($name)"
    failed=1
  fi
done
printf 'p99 %s ms alone, %s ms beside the hostile client\n' "$alone" "$beside"
[ "$failed" = 0 ] && echo "soak passed"
exit "$failed"
