#!/usr/bin/env bash
# Load test over HTTP: generates a market, starts phonegraph on it and a bare axum handler
# beside it, and prints the start-up time, peak memory, and requests/s and latency for each
# question through the normal GraphQL executor.
#
#   bench/load.sh                       # 100,000 entities, 10 s a question, 16 connections
#   ENTITIES=1000000 bench/load.sh      # a million entities
set -euo pipefail
cd "$(dirname "$0")/.."

ENTITIES=${ENTITIES:-100000}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-18080}
BASE_PORT=${BASE_PORT:-18081}

if ! command -v wrk >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
cargo build --release --quiet --bin phonegraph --example fixed-json

work=$(mktemp -d)
cleanup() {
  kill "${server:-}" "${baseline:-}" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/seed"
./target/release/phonegraph generate --entities "$ENTITIES" "$work/csv"

start=$(date +%s.%N)
PHONEGRAPH_LOG=warn ./target/release/phonegraph serve --seed-data "$work/seed" --csv "$work/csv" \
  --bind "127.0.0.1:$PORT" &
server=$!
until curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do sleep 0.02; done
ready=$(date +%s.%N)
printf 'healthz 200 after %.2f s; peak resident memory %s\n' \
  "$(echo "$ready - $start" | bc)" "$(grep VmHWM "/proc/$server/status" | tr -s ' ' | cut -d' ' -f2-)"

./target/release/examples/fixed-json "127.0.0.1:$BASE_PORT" &
baseline=$!
until curl -fs -X POST "http://127.0.0.1:$BASE_PORT/graphql" >/dev/null 2>&1; do sleep 0.02; done

run() { # name url body
  local lua="$work/$1.lua"
  local body
  body=$(printf '%s' "$3" | sed 's/\\/\\\\/g; s/"/\\"/g')
  cat >"$lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = "$body"
LUA
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$lua" "$2" >"$work/$1.out"
  printf '%-34s %10s req/s   p50 %8s   p99 %8s\n' "$1" \
    "$(awk '/Requests\/sec/ {print $2}' "$work/$1.out")" \
    "$(awk '$1 == "50%" {print $2}' "$work/$1.out")" \
    "$(awk '$1 == "99%" {print $2}' "$work/$1.out")"
}

gql="http://127.0.0.1:$PORT/graphql"
lookup='{"query":"query($id: ID!) { entity(id: $id) { id name } }","variables":{"id":"vendor-1"}}'
# Throughput on two shared cores varies from run to run: the baseline and the lookup take
# turns three times, and the medians are compared.
for round in 1 2 3; do
  run "bare axum, fixed JSON #$round" "http://127.0.0.1:$BASE_PORT/graphql" '{}'
  run "entity lookup #$round" "$gql" "$lookup"
done
median() { sort -n | sed -n 2p; }
base=$(for r in 1 2 3; do awk '/Requests\/sec/ {print $2}' "$work/bare axum, fixed JSON #$r.out"; done | median)
mine=$(for r in 1 2 3; do awk '/Requests\/sec/ {print $2}' "$work/entity lookup #$r.out"; done | median)
printf 'median: bare axum %s req/s, entity lookup %s req/s = %.0f%%\n' "$base" "$mine" \
  "$(echo "100 * $mine / $base" | bc -l)"
run "relations with names" "$gql" '{"query":"query($id: ID!) { entity(id: $id) { relations(first: 100) { nodes { kind other { name } } } } }","variables":{"id":"product-1234"}}'
run "carriers of a vendor's products" "$gql" '{"query":"query($id: ID!) { entity(id: $id) { ... on Vendor { products { other { ... on Product { channels { other { id } } } } } } } }","variables":{"id":"vendor-40"}}'
run "shortest path" "$gql" '{"query":"query($a: ID!, $b: ID!) { paths(from: $a, to: $b, maxHops: 6, limit: 1) { length } }","variables":{"a":"product-1234","b":"product-4321"}}'
run "two-hop neighbourhood" "$gql" '{"query":"query($id: ID!) { neighbourhood(center: $id, hops: 2, limit: 500) { truncated nodes { id } } }","variables":{"id":"product-1234"}}'
run "prefix search" "$gql" '{"query":"query($t: String!) { search(text: $t, first: 20) { entity { id name } } }","variables":{"t":"phone 12"}}'
run "partners as of a date" "$gql" '{"query":"query($id: ID!) { entity(id: $id) { ... on Vendor { partners(filter: { asOf: \"2020-06-30\" }) { other { id } } } } }","variables":{"id":"vendor-40"}}'
