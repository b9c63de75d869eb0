#!/usr/bin/env python3
"""A hostile client for bench/soak.sh: with its own (reader's) key, it sends every class of
request the server must survive, one class a thread, until it is stopped (SIGTERM or SIGINT);
then it prints how each class was answered.

    bench/hostile.py http://127.0.0.1:18090 pg_KEY
"""

import json
import random
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter

BASE, KEY = sys.argv[1], sys.argv[2]
HOST, PORT = BASE.removeprefix("http://").split(":")
STOP = threading.Event()
SEEN = {}
LOCK = threading.Lock()
# Each thread waits this long between requests: hostile in kind, not a CPU race on a shared
# machine.
PAUSE = 0.05


def count(kind, outcome):
    with LOCK:
        SEEN.setdefault(kind, Counter())[outcome] += 1


def post(kind, query, timeout=15):
    body = json.dumps({"query": query}).encode()
    request = urllib.request.Request(
        BASE + "/graphql",
        data=body,
        headers={"content-type": "application/json", "authorization": "Bearer " + KEY},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read() or b"{}")
            code = (answer.get("errors") or [{}])[0].get("extensions", {}).get("code", "ok")
            count(kind, f"{response.status} {code}")
    except urllib.error.HTTPError as e:
        try:
            code = json.loads(e.read())["errors"][0]["extensions"]["code"]
        except Exception:
            code = "?"
        count(kind, f"{e.code} {code}")
    except Exception as e:
        count(kind, type(e).__name__)


def unpaged_lists():
    # Every vendor's whole catalogue: the first vendor alone makes thousands of products.
    return "{ entities(kind: VENDOR, first: 100) { nodes { ... on Vendor { products { other { name } } } } } }"


def introspection_flood():
    return "{ " + " ".join(f"s{i}: __schema {{ types {{ name fields {{ name }} }} }}" for i in range(400)) + " }"


def analytics():
    # A new filter each time, so no answer comes from the cache.
    day = f"20{random.randint(10, 24)}-{random.randint(1, 12):02d}-01"
    aliases = " ".join(
        f'r{i}: ranking(metric: BETWEENNESS, filter: {{ asOf: "{day}", minConfidence: 0.{i}1 }}) {{ rank }}'
        for i in range(random.choice([1, 3, 15]))
    )
    return "{ " + aliases + " }"


def fragment_bomb():
    query = "{ ...F0 }\n"
    for i in range(30):
        query += f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}\n"
    return query + "fragment F30 on Query { stats { entities } }"


def deep():
    return "{ " + 'entity(id: "vendor-0") { relations { nodes { other { ' * 10 + "id" + " } } }" * 10 + " }"


def big_answer():
    return "{ " + " ".join(
        f"p{i}: relations(first: 100, after: null) {{ nodes {{ id kind other {{ id name }} sources {{ quote }} }} }}"
        for i in range(40)
    ) + " }"


def graphql_class(kind, make):
    def run():
        while not STOP.is_set():
            post(kind, make())
            STOP.wait(PAUSE)

    return run


def raw(kind, payload, read_for=15):
    """Sends bytes as they are and reads the status line of the answer."""
    try:
        with socket.create_connection((HOST, int(PORT)), timeout=read_for) as s:
            payload(s)
            line = s.makefile("rb").readline().decode(errors="replace").split(" ")
            count(kind, line[1] if len(line) > 1 else "closed")
    except Exception as e:
        count(kind, type(e).__name__)


def big_body():
    def send(s):
        body = b'{"query":"{ dataVersion }","pad":"' + b"x" * (2 << 20) + b'"}'
        head = (
            f"POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
            f"authorization: Bearer {KEY}\r\ncontent-length: {len(body)}\r\n\r\n"
        )
        s.sendall(head.encode())
        try:
            s.sendall(body)
        except OSError:
            pass

    while not STOP.is_set():
        raw("big body", send)
        STOP.wait(PAUSE)


def slow_body():
    def send(s):
        head = (
            "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
            f"authorization: Bearer {KEY}\r\ncontent-length: 1000\r\n\r\n"
        )
        s.sendall(head.encode())
        for _ in range(30):
            if STOP.is_set():
                return
            try:
                s.sendall(b" ")
            except OSError:
                return
            time.sleep(0.5)

    while not STOP.is_set():
        raw("slow body", send, read_for=30)


def idle_connections():
    # Opens connections and says nothing on them.
    held = []
    while not STOP.is_set():
        try:
            held.append(socket.create_connection((HOST, int(PORT)), timeout=5))
            count("idle connections", "opened")
        except Exception as e:
            count("idle connections", type(e).__name__)
        if len(held) >= 100:
            for s in held:
                s.close()
            held.clear()
        STOP.wait(0.1)
    for s in held:
        s.close()


def main():
    signal.signal(signal.SIGTERM, lambda *_: STOP.set())
    signal.signal(signal.SIGINT, lambda *_: STOP.set())
    threads = [
        graphql_class("unpaged lists", unpaged_lists),
        graphql_class("introspection flood", introspection_flood),
        graphql_class("analytics", analytics),
        graphql_class("fragment bomb", fragment_bomb),
        graphql_class("deep", deep),
        graphql_class("big answer", big_answer),
        big_body,
        slow_body,
        idle_connections,
    ]
    running = [threading.Thread(target=t, daemon=True) for t in threads]
    for t in running:
        t.start()
    while not STOP.is_set():
        STOP.wait(0.2)
    for t in running:
        t.join(timeout=3)
    for kind in sorted(SEEN):
        answers = ", ".join(f"{outcome} ×{n}" for outcome, n in SEEN[kind].most_common())
        print(f"  hostile {kind:<20} {answers}")


main()
