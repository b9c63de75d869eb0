// An Apollo Federation v2 supergraph of two subgraphs: phonegraph (running with --federation,
// at the URL given) and a small subgraph of product prices written with @apollo/subgraph.
// @apollo/gateway composes them from each one's `_service { sdl }` and answers queries that
// span both; this prints the composition's outcome and the answers as one JSON line.
//
//   node federation.mjs http://127.0.0.1:PORT/graphql
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { startStandaloneServer } from "@apollo/server/standalone";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { ApolloGateway, IntrospectAndCompose } from "@apollo/gateway";
import { parse } from "graphql";

const phonegraph = process.argv[2];

// The prices subgraph: it adds `price` to phonegraph's products, and has a root field of its
// own that points back at them.
const prices = { "mate-10-pro": { amount: "799.99", currency: "USD" } };
const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
  type Product @key(fields: "id") {
    id: ID!
    price: Price
  }
  type Price {
    amount: String!
    currency: String!
  }
  type Query {
    "The product with the lowest price."
    cheapest: Product
  }
`);
const resolvers = {
  Query: { cheapest: () => ({ id: "mate-10-pro" }) },
  Product: {
    __resolveReference: (product) => ({ id: product.id }),
    price: (product) => prices[product.id] ?? null,
  },
};
const subgraph = new ApolloServer({
  schema: buildSubgraphSchema([{ typeDefs, resolvers }]),
  plugins: [ApolloServerPluginInlineTraceDisabled()],
});
const { url: pricesUrl } = await startStandaloneServer(subgraph, {
  listen: { port: 0, host: "127.0.0.1" },
});

const gateway = new ApolloGateway({
  supergraphSdl: new IntrospectAndCompose({
    subgraphs: [
      { name: "phonegraph", url: phonegraph },
      { name: "prices", url: pricesUrl },
    ],
  }),
});
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, { listen: { port: 0, host: "127.0.0.1" } });

async function ask(query) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  return response.json();
}

const answers = {
  // From phonegraph to the prices subgraph: phonegraph's fields, and the price for its key.
  fromPhonegraph: await ask(`{
    entity(id: "mate-10-pro") { id name ... on Product { price { amount currency } } }
  }`),
  // From the prices subgraph back to phonegraph through `_entities`.
  fromPrices: await ask(`{ cheapest { id name price { amount } } }`),
  // A relation list on phonegraph's side, each product priced by the other subgraph.
  across: await ask(`{
    entity(id: "huawei") { ... on Vendor { products { other { id ... on Product { price { amount } } } } } }
  }`),
};
console.log(JSON.stringify(answers));
await server.stop();
await subgraph.stop();
