#!/usr/bin/env bash
# Three replicas behind a load balancer: starts three phonegraph instances watching one shared
# copy of seed-data/ (plus a generated market with ENTITIES=N), nginx in front of them (from
# Debian's packages, installed if missing) retrying a failed request on another instance, and
# the load script's light mix through nginx. While the mix runs it
#   1. checks that the three answer from the same data version,
#   2. edits a seed file and times until all three answer from the new version (at most 10 s),
#   3. restarts one instance with SIGTERM (it drains: /readyz fails, requests finish) and
#      checks that no request of the mix failed.
# Then it compares one instance asked directly with the three through nginx. On 2 cores the
# three share the same cores: the figures show correctness and the balancer's cost, not
# scaling.
#
#   bench/replicas.sh                 # the bundled seed data, 30 s of mix at 16 connections
#   ENTITIES=100000 bench/replicas.sh # with a generated market beside it
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/mix.sh
source bench/mix.sh

ENTITIES=${ENTITIES:-0}
DURATION=${DURATION:-30}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-18090}
BIN=${BIN:-./target/release/phonegraph}

need() { # command package
  command -v "$1" >/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  }
}
need wrk wrk
need nginx nginx-light
[ -x "$BIN" ] || cargo build --release --quiet --bin phonegraph

work=$(mktemp -d)
pids=()
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cp -r seed-data "$work/seed"
csv=()
if [ "$ENTITIES" -gt 0 ]; then
  "$BIN" generate --entities "$ENTITIES" "$work/csv" >/dev/null
  csv=(--csv "$work/csv")
fi

replica() { # n: starts replica n on port PORT+n, logging to its own file
  PHONEGRAPH_LOG=warn "$BIN" serve --seed-data "$work/seed" "${csv[@]}" \
    --bind "127.0.0.1:$((PORT + $1))" --trust-proxy 127.0.0.1 --shutdown-grace 10s \
    >>"$work/replica-$1.log" 2>&1 &
  pids[$1]=$!
}
healthy() { curl -fs "http://127.0.0.1:$((PORT + $1))/healthz" >/dev/null 2>&1; }
version() { curl -fs "http://127.0.0.1:$((PORT + $1))/healthz" | grep -o '"dataVersion":"[0-9a-f]*"' | cut -d'"' -f4; }
wait_healthy() { # n
  for _ in $(seq 1 600); do healthy "$1" && return 0; sleep 0.05; done
  echo "replica $1 did not start" >&2
  exit 1
}

for n in 1 2 3; do replica "$n"; done
for n in 1 2 3; do wait_healthy "$n"; done

# nginx: retry on another instance on a connection error, a timeout, 502 or 503, POSTs too
# (queries are read-only); a failed instance rests 2 s. WebSocket upgrades are passed through,
# each client kept on one instance (subscriptions and `changes` are per instance).
mkdir -p "$work/tmp"
cat >"$work/proxy.conf" <<'NGINX'
proxy_pass http://phonegraph;
proxy_http_version 1.1;
proxy_set_header Connection "";
proxy_set_header X-Forwarded-For $remote_addr;
proxy_next_upstream error timeout http_502 http_503 non_idempotent;
proxy_next_upstream_tries 3;
proxy_connect_timeout 1s;
proxy_read_timeout 15s;
NGINX
cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/tmp/body;
  proxy_temp_path $work/tmp/proxy;
  fastcgi_temp_path $work/tmp/fastcgi;
  uwsgi_temp_path $work/tmp/uwsgi;
  scgi_temp_path $work/tmp/scgi;
  map \$http_upgrade \$connection_upgrade { default upgrade; '' ''; }
  upstream phonegraph {
    server 127.0.0.1:$((PORT + 1)) max_fails=1 fail_timeout=2s;
    server 127.0.0.1:$((PORT + 2)) max_fails=1 fail_timeout=2s;
    server 127.0.0.1:$((PORT + 3)) max_fails=1 fail_timeout=2s;
    keepalive 32;
  }
  upstream phonegraph_sticky {
    hash \$remote_addr consistent;
    server 127.0.0.1:$((PORT + 1));
    server 127.0.0.1:$((PORT + 2));
    server 127.0.0.1:$((PORT + 3));
  }
  server {
    listen 127.0.0.1:$PORT;
    location / {
      include $work/proxy.conf;
    }
    location = /graphql {
      if (\$http_upgrade = "websocket") { rewrite ^ /ws last; }
      include $work/proxy.conf;
    }
    location = /ws {
      internal;
      rewrite ^ /graphql break;
      proxy_pass http://phonegraph_sticky;
      proxy_http_version 1.1;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection \$connection_upgrade;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_read_timeout 1h;
    }
  }
}
NGINX
nginx -t -q -p "$work" -c "$work/nginx.conf"
nginx -p "$work" -c "$work/nginx.conf"
until curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do sleep 0.05; done

# 1. One version.
versions=$(for n in 1 2 3; do version "$n"; done | sort -u)
if [ "$(echo "$versions" | wc -l)" != 1 ]; then
  echo "FAIL: the replicas answer from different versions: $versions" >&2
  exit 1
fi
echo "three replicas, one data version: $versions"

light_mix "$work/mix.lua"

mix() { # name url seconds
  wrk -t2 -c"$CONNECTIONS" -d"$3s" --latency -s "$work/mix.lua" "$2" >"$work/$1.out"
  printf '%-36s %10s req/s   p50 %8s   p99 %8s\n' "$1" \
    "$(awk '/Requests\/sec/ {print $2}' "$work/$1.out")" \
    "$(awk '$1 == "50%" {print $2}' "$work/$1.out")" \
    "$(awk '$1 == "99%" {print $2}' "$work/$1.out")"
}
failures() { # name: wrk's socket errors and non-2xx answers
  local socket non2xx
  socket=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$work/$1.out")
  non2xx=$(awk '/Non-2xx/ {print $5}' "$work/$1.out")
  echo $(( ${socket:-0} + ${non2xx:-0} ))
}

mix "one replica, direct" "http://127.0.0.1:$((PORT + 1))/graphql" 10
mix "three replicas through nginx" "http://127.0.0.1:$PORT/graphql" 10

# 2 and 3, under the mix.
mix "the mix, edited and restarted" "http://127.0.0.1:$PORT/graphql" "$DURATION" &
load=$!
sleep 3
old=$(version 1)
sed -i 's/name = "Xiaomi"/name = "Xiaomi Corporation"/' "$work/seed/companies/vendors.toml"
edited=$(date +%s.%N)
pending=(1 2 3)
while [ ${#pending[@]} -gt 0 ]; do
  left=()
  for n in "${pending[@]}"; do
    if [ "$(version "$n")" = "$old" ]; then left+=("$n"); else
      printf 'replica %s serves the edit after %.2f s\n' "$n" "$(echo "$(date +%s.%N) - $edited" | bc)"
    fi
  done
  pending=("${left[@]}")
  if [ "$(echo "$(date +%s.%N) - $edited > 10" | bc)" = 1 ]; then
    echo "FAIL: replicas ${pending[*]} still serve $old after 10 s" >&2
    exit 1
  fi
  sleep 0.05
done
sleep 2
kill -TERM "${pids[2]}"
stopped=$(date +%s.%N)
for _ in $(seq 1 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((PORT + 2))/readyz" || true)
  [ "$code" != 200 ] && break
  sleep 0.05
done
case "$code" in
  503) echo "replica 2 told SIGTERM: /readyz answers 503 while it drains" ;;
  000 | "") echo "replica 2 told SIGTERM: its port closed (nothing was left to drain)" ;;
  *) echo "replica 2 told SIGTERM: /readyz answers $code" ;;
esac
wait "${pids[2]}" || true
printf 'replica 2 drained and exited after %.2f s\n' "$(echo "$(date +%s.%N) - $stopped" | bc)"
replica 2
wait_healthy 2
printf 'replica 2 back after %.2f s, on version %s\n' "$(echo "$(date +%s.%N) - $stopped" | bc)" "$(version 2)"
wait "$load"
lost=$(failures "the mix, edited and restarted")
echo "requests that failed through nginx during the edit and the restart: $lost"
[ "$lost" = 0 ] || { echo "FAIL: $lost requests failed" >&2; exit 1; }
echo "ok"
