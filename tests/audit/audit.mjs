// Runs every audit of the graphql-http suite against a running server and exits non-zero
// unless all of them pass. Usage: node audit.mjs http://127.0.0.1:PORT/graphql
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL');
  process.exit(2);
}
const results = await auditServer({ url });
let failed = 0;
for (const result of results) {
  if (result.status !== 'ok') {
    failed += 1;
    console.log(`${result.status} ${result.id}: ${result.name}`);
    if (result.reason) console.log(`  ${result.reason}`);
  }
}
const ok = results.length - failed;
console.log(`graphql-http audit: ${ok} of ${results.length} ok`);
process.exit(failed === 0 ? 0 : 1);
