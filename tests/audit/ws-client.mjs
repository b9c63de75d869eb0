// The graphql-ws library's own client against a running phonegraph: subscribes to each query
// given, prints "ready" once the server has them all, then prints each result as a line of
// JSON ({ "id": <index of the query>, "result": … }) until it has printed `count`, and exits.
//
//   node ws-client.mjs ws://127.0.0.1:8080/graphql COUNT 'subscription { … }' […]
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [url, count, ...queries] = process.argv.slice(2);
const wanted = Number(count);
let printed = 0;

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  retryAttempts: 0,
  lazy: false,
  onNonLazyError: (error) => fail(error),
});

function fail(error) {
  console.error("error:", error instanceof Error ? error.message : JSON.stringify(error));
  process.exit(1);
}

setTimeout(() => fail("no events within 20 seconds"), 20_000).unref();

for (const [id, query] of queries.entries()) {
  client.subscribe(
    { query },
    {
      next: (result) => {
        console.log(JSON.stringify({ id, result }));
        printed += 1;
        if (printed === wanted) {
          client.dispose();
          process.exit(0);
        }
      },
      error: fail,
      complete: () => {},
    },
  );
}

// Operations on one connection start in order: once a query sent after the subscriptions has
// been answered, the server holds them all.
const answered = await new Promise((resolve, reject) => {
  let result;
  client.subscribe(
    { query: "{ dataVersion }" },
    { next: (r) => (result = r), error: reject, complete: () => resolve(result) },
  );
}).catch(fail);
console.log(`ready ${answered.data.dataVersion}`);
