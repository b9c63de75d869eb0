# The light mix, shared by bench/load.sh and bench/replicas.sh: the questions of
# bench/questions.tsv in turn on each connection, all but the ranking of a whole market (a
# dashboard's heavy question). Source it, then `light_mix FILE` writes wrk's Lua script.
light_mix() {
  {
    echo 'wrk.method = "POST"'
    echo 'wrk.headers["Content-Type"] = "application/json"'
    echo 'bodies = {}'
    while IFS=$'\t' read -r name body _; do
      [ "$name" = "top 10 vendors in a market" ] && continue
      printf 'table.insert(bodies, "%s")\n' "$(printf '%s' "$body" | sed 's/\\/\\\\/g; s/"/\\"/g')"
    done <bench/questions.tsv
    echo 'i = 0'
    echo 'request = function() i = i % #bodies + 1; return wrk.format(nil, nil, nil, bodies[i]) end'
  } >"$1"
}
