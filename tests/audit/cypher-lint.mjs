// Checks a Cypher script with Neo4j's own Cypher 5 parser and linter
// (@neo4j-cypher/language-support, what Neo4j's query tools use), console commands such as
// `:param` included, and prints how many statements it read and every problem it found.
//
//   node cypher-lint.mjs FILE
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

// The package's CommonJS build: this version's ES modules do not resolve (and later versions
// need a newer Node.js than 20).
const { lintCypherQuery, parseStatementsStrs } = createRequire(import.meta.url)(
  "@neo4j-cypher/language-support",
);

const text = readFileSync(process.argv[2], "utf8");
// The script sets `$rows` with `:param` before each statement that reads it.
const diagnostics = lintCypherQuery(text, { parameters: { rows: [] } }, true);
const problems = diagnostics.map((d) => ({
  line: d.range.start.line + 1,
  column: d.range.start.character + 1,
  message: d.message,
}));
console.log(JSON.stringify({ statements: parseStatementsStrs(text).length, problems }));
