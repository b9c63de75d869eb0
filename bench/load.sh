#!/usr/bin/env bash
# Load test over HTTP: generates a market, starts phonegraph on it, a bare axum handler and an
# Apollo Server over graphology (bench/apollo) beside it, and prints the start-up time, peak
# memory, and requests/s and latency for each question through the normal GraphQL executor,
# with phonegraph's throughput as a multiple of Apollo's on the same question. phonegraph runs
# with its defaults: no keys, no client limits, the access log off.
#
#   bench/load.sh                       # 100,000 entities, 10 s a question, 16 connections
#   ENTITIES=1000000 bench/load.sh      # a million entities
#   APOLLO=0 bench/load.sh              # without the Apollo comparison (no Node.js needed)
#   PHONEGRAPH_ENGINE=stock bench/load.sh  # phonegraph on stock async-graphql
#   BIN=/path/to/phonegraph bench/load.sh  # another build, beside this one's baseline
#   RELOAD=1 bench/load.sh              # reload times, idle and under the light mix, and the
#                                       # mix's latency with and without reloads (no Apollo)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/mix.sh
source bench/mix.sh

ENTITIES=${ENTITIES:-100000}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-18080}
BASE_PORT=${BASE_PORT:-18081}
APOLLO_PORT=${APOLLO_PORT:-18082}
APOLLO=${APOLLO:-1}
BIN=${BIN:-./target/release/phonegraph}

if ! command -v wrk >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
cargo build --release --quiet --bin phonegraph --example fixed-json
if [ "$APOLLO" = 1 ]; then
  (cd bench/apollo && npm ci --no-audit --no-fund --silent)
fi

work=$(mktemp -d)
cleanup() {
  kill "${server:-}" "${baseline:-}" "${apollo:-}" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/seed"
./target/release/phonegraph generate --entities "$ENTITIES" "$work/csv"

# Waiting must not slow what it waits for: starting curl and sleep every 20 ms took about a
# core's third from the loader. So the wait starts no process: it naps on a FIFO that nobody
# writes to, and tries the port with bash's own /dev/tcp, and only then asks /healthz.
mkfifo "$work/nap"
exec 9<>"$work/nap"
nap() { read -rt "$1" -u 9 || true; }

start=$(date +%s.%N)
reloading=()
[ "${RELOAD:-0}" = 1 ] && reloading=(--no-watch --request-timeout 120s)
PHONEGRAPH_LOG=warn "$BIN" serve --seed-data "$work/seed" --csv "$work/csv" \
  --bind "127.0.0.1:$PORT" "${reloading[@]}" &
server=$!
until { exec 3<>"/dev/tcp/127.0.0.1/$PORT"; } 2>/dev/null; do
  kill -0 "$server" 2>/dev/null || { echo "phonegraph did not start" >&2; exit 1; }
  nap 0.01
done
exec 3>&-
until curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do nap 0.01; done
ready=$(date +%s.%N)
printf 'healthz 200 after %.2f s; peak resident memory %s\n' \
  "$(echo "$ready - $start" | bc)" "$(grep VmHWM "/proc/$server/status" | tr -s ' ' | cut -d' ' -f2-)"

./target/release/examples/fixed-json "127.0.0.1:$BASE_PORT" &
baseline=$!
until curl -fs -X POST "http://127.0.0.1:$BASE_PORT/graphql" >/dev/null 2>&1; do sleep 0.02; done

if [ "$APOLLO" = 1 ]; then
  NODE_ENV=production node bench/apollo/server.js "$work/csv" "$APOLLO_PORT" &
  apollo=$!
  until curl -fs -X POST -H 'Content-Type: application/json' -d '{"query":"{__typename}"}' \
    "http://127.0.0.1:$APOLLO_PORT/graphql" >/dev/null 2>&1; do sleep 0.1; done
fi

rate() { awk '/Requests\/sec/ {print $2}' "$work/$1.out"; }

script() { # name body: the wrk script posting that body
  local body
  body=$(printf '%s' "$2" | sed 's/\\/\\\\/g; s/"/\\"/g')
  cat >"$work/$1.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = "$body"
LUA
}

run() { # name url body
  script "$1" "$3"
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$work/$1.lua" "$2" >"$work/$1.out"
  printf '%-40s %10s req/s   p50 %8s   p99 %8s\n' "$1" "$(rate "$1")" \
    "$(awk '$1 == "50%" {print $2}' "$work/$1.out")" \
    "$(awk '$1 == "99%" {print $2}' "$work/$1.out")"
}

ask() { # name body [Apollo's body]: phonegraph, then Apollo on the same question
  run "$1" "$gql" "$2"
  if [ "$APOLLO" = 1 ]; then
    local theirs=${3:-$2}
    # Node compiles hot code as it runs: two seconds of the same question first.
    script "$1 (Apollo warm-up)" "$theirs"
    wrk -t2 -c"$CONNECTIONS" -d2s -s "$work/$1 (Apollo warm-up).lua" \
      "http://127.0.0.1:$APOLLO_PORT/graphql" >/dev/null
    run "$1 (Apollo)" "http://127.0.0.1:$APOLLO_PORT/graphql" "$theirs"
    printf '%-40s %9.1f×\n' "  phonegraph / Apollo" "$(echo "$(rate "$1") / $(rate "$1 (Apollo)")" | bc -l)"
  fi
}

gql="http://127.0.0.1:$PORT/graphql"

if [ "${RELOAD:-0}" = 1 ]; then
  light_mix "$work/mix.lua"
  mix() { # name duration: the light mix
    wrk -t2 -c"$CONNECTIONS" -d"$2" --latency -s "$work/mix.lua" "$gql" >"$work/$1.out"
    printf '%-40s %10s req/s   p50 %8s   p99 %8s   max %8s\n' "$1" "$(rate "$1")" \
      "$(awk '$1 == "50%" {print $2}' "$work/$1.out")" \
      "$(awk '$1 == "99%" {print $2}' "$work/$1.out")" \
      "$(awk '$1 == "Latency" {print $4}' "$work/$1.out")"
  }
  # A reload that changes the data: one market more, then one less.
  edit=0
  reload() { # label
    if [ $((edit % 2)) = 0 ]; then
      echo "market-reload,Market,Reload Market,ZZ," >>"$work/csv/nodes.csv"
    else
      sed -i '$d' "$work/csv/nodes.csv"
    fi
    edit=$((edit + 1))
    curl -fs -X POST "http://127.0.0.1:$PORT/admin/reload" |
      grep -o '"seconds":[0-9.]*' | sed "s/\"seconds\":/$1 reload: /; s/\$/ s/"
  }
  for k in 1 2 3; do reload idle; done
  mix "light mix" 20s
  # Three reloads back to back, from a second into a mix long enough to hold them.
  (nap 1; for k in 1 2 3; do reload "under the mix"; done) &
  reloads=$!
  mix "light mix, reloading" 40s
  wait "$reloads"
  exit 0
fi

lookup=$(awk -F'\t' '$1 == "entity lookup" {print $2}' bench/questions.tsv)
# Throughput on two shared cores varies from run to run: the baseline and the lookup take
# turns three times, and the medians are compared.
for round in 1 2 3; do
  run "bare axum, fixed JSON #$round" "http://127.0.0.1:$BASE_PORT/graphql" '{}'
  run "entity lookup #$round" "$gql" "$lookup"
done
median() { sort -n | sed -n 2p; }
base=$(for r in 1 2 3; do rate "bare axum, fixed JSON #$r"; done | median)
mine=$(for r in 1 2 3; do rate "entity lookup #$r"; done | median)
printf 'median: bare axum %s req/s, entity lookup %s req/s = %.0f%%\n' "$base" "$mine" \
  "$(echo "100 * $mine / $base" | bc -l)"

# The questions, one a line: a name, a tab, the request body (shared with
# examples/instructions.rs), and for a question Apollo's API asks in its own words, a tab and
# Apollo's body.
while IFS=$'\t' read -r name body theirs; do
  ask "$name" "$body" "$theirs" </dev/null
done <bench/questions.tsv
