// The load test's comparison server: Apollo Server over a graphology multigraph holding the
// same generated market (nodes.csv, edges.csv), answering the load test's questions with the
// same query texts and the same answer shapes. Written the way a JavaScript team would: the
// library's own iteration, a breadth-first search from both ends, a scan for name prefixes.
//
//   node server.js CSV_DIR PORT
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import graphology from "graphology";

const [dir, port] = [process.argv[2], Number(process.argv[3] ?? 18082)];
const graph = new graphology.MultiDirectedGraph();

function rows(file) {
  const lines = readFileSync(join(dir, file), "utf8").split("\n");
  return lines.slice(1).filter((l) => l.length > 0).map((l) => l.split(","));
}

const KINDS = {
  market: "Market", vendor: "Vendor", carrier: "Carrier", retailer: "Retailer",
  product: "Product", person: "Person", event: "Event",
};
for (const [id, kind, name, country, date] of rows("nodes.csv")) {
  graph.addNode(id, { kind: KINDS[kind.toLowerCase()], name, country, date });
}
for (const [from, to, kind, since, until] of rows("edges.csv")) {
  // INVOLVES is participant_in seen from the event, as phonegraph stores it.
  const [a, b, k] = kind === "INVOLVES" ? [to, from, "PARTICIPANT_IN"] : [from, to, kind];
  graph.addEdge(a, b, { kind: k, since, until });
}
const names = graph.mapNodes((id, attrs) => [attrs.name.toLowerCase(), id]).sort();

const typeDefs = `#graphql
  interface Entity { id: ID! name: String! relations(first: Int = 20): RelationConnection! }
  type RelationConnection { nodes: [Relation!]! }
  type Relation { kind: String! other: Entity! }
  input RelationFilter { asOf: String }
  type Vendor implements Entity {
    id: ID! name: String! relations(first: Int = 20): RelationConnection!
    products: [Relation!]!
    partners(filter: RelationFilter): [Relation!]!
  }
  type Product implements Entity {
    id: ID! name: String! relations(first: Int = 20): RelationConnection!
    channels: [Relation!]!
  }
  ${["Market", "Carrier", "Retailer", "Person", "Event"].map((t) => `
  type ${t} implements Entity { id: ID! name: String! relations(first: Int = 20): RelationConnection! }`).join("")}
  type Path { length: Int! }
  type GraphNode { id: ID! depth: Int! }
  type Neighbourhood { truncated: Boolean! nodes: [GraphNode!]! count: Int! }
  type EntityList { count: Int! nodes: [Entity!]! }
  type Ranked { entity: Entity! count: Int! }
  type SearchHit { entity: Entity! }
  type Query {
    entity(id: ID!): Entity
    paths(from: ID!, to: ID!, maxHops: Int = 4, limit: Int = 3): [Path!]!
    neighbourhood(center: ID!, hops: Int = 1, limit: Int = 50): Neighbourhood!
    search(text: String!, first: Int = 20): [SearchHit!]!
    carriersOfProducts(vendor: ID!, first: Int = 20): EntityList!
    topVendors(market: ID!, first: Int = 10): [Ranked!]!
  }
`;

const entity = (id) => ({ id, name: graph.getNodeAttribute(id, "name") });

function relations(id, keep) {
  const out = [];
  graph.forEachOutEdge(id, (_e, attrs, _s, target) => {
    if (keep(attrs, true)) out.push({ kind: attrs.kind, other: entity(target) });
  });
  graph.forEachInEdge(id, (_e, attrs, source) => {
    if (keep(attrs, false)) out.push({ kind: attrs.kind, other: entity(source) });
  });
  return out;
}

// The length of a shortest path ignoring direction: breadth-first from both ends, always
// growing the smaller frontier.
function pathLength(from, to, maxHops) {
  if (from === to) return 0;
  const seen = [new Map([[from, 0]]), new Map([[to, 0]])];
  let fronts = [[from], [to]];
  for (let hops = 0; hops < maxHops; ) {
    const side = fronts[0].length <= fronts[1].length ? 0 : 1;
    const next = [];
    hops += 1;
    for (const node of fronts[side]) {
      for (const other of graph.neighbors(node)) {
        if (seen[side].has(other)) continue;
        if (seen[1 - side].has(other)) return hops;
        seen[side].set(other, hops);
        next.push(other);
      }
    }
    if (next.length === 0) return null;
    fronts[side] = next;
  }
  return null;
}

const kindOf = (id) => graph.getNodeAttribute(id, "kind");
const resolvers = {
  Entity: { __resolveType: (e) => kindOf(e.id) },
  ...Object.fromEntries(Object.values(KINDS).map((t) => [t, {
    relations: (e, { first }) => ({ nodes: relations(e.id, () => true).slice(0, first) }),
  }])),
  Query: {
    entity: (_, { id }) => (graph.hasNode(id) ? entity(id) : null),
    paths: (_, { from, to, maxHops, limit }) => {
      const length = pathLength(from, to, maxHops);
      return length === null || limit < 1 ? [] : [{ length }];
    },
    carriersOfProducts: (_, { vendor, first }) => {
      const carriers = new Set();
      graph.forEachOutEdge(vendor, (_e, made, _s, product) => {
        if (made.kind !== "MAKES") return;
        graph.forEachInEdge(product, (_f, carries, carrier) => {
          if (carries.kind === "CARRIES" && kindOf(carrier) === "Carrier") carriers.add(carrier);
        });
      });
      const ids = [...carriers].sort();
      return { count: ids.length, nodes: ids.slice(0, first).map(entity) };
    },
    // Marks the products carried by the market's carriers, then counts each vendor's marked
    // products; most first, ties by id.
    topVendors: (_, { market, first }) => {
      const carried = new Set();
      graph.forEachInEdge(market, (_e, operates, carrier) => {
        if (operates.kind !== "OPERATES_IN" || kindOf(carrier) !== "Carrier") return;
        graph.forEachOutEdge(carrier, (_f, carries, _s, product) => {
          if (carries.kind === "CARRIES") carried.add(product);
        });
      });
      const counts = new Map();
      for (const product of carried) {
        graph.forEachInEdge(product, (_e, made, vendor) => {
          if (made.kind === "MAKES") counts.set(vendor, (counts.get(vendor) ?? 0) + 1);
        });
      }
      return [...counts]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, first)
        .map(([id, count]) => ({ entity: entity(id), count }));
    },
    neighbourhood: (_, { center, hops, limit }) => {
      const depth = new Map([[center, 0]]);
      const queue = [center];
      let truncated = false;
      for (let i = 0; i < queue.length && !truncated; i++) {
        const node = queue[i];
        if (depth.get(node) === hops) continue;
        for (const other of graph.neighbors(node)) {
          if (depth.has(other)) continue;
          if (depth.size === limit) { truncated = true; break; }
          depth.set(other, depth.get(node) + 1);
          queue.push(other);
        }
      }
      return {
        truncated,
        nodes: [...depth].map(([id, d]) => ({ id, depth: d })),
        // How many lie within `hops`, however many: asked only when the query names it.
        count: () => {
          const seen = new Set([center]);
          let front = [center];
          for (let h = 0; h < hops; h++) {
            const next = [];
            for (const node of front) {
              for (const other of graph.neighbors(node)) {
                if (!seen.has(other)) { seen.add(other); next.push(other); }
              }
            }
            front = next;
          }
          return seen.size;
        },
      };
    },
    search: (_, { text, first }) => {
      const t = text.toLowerCase();
      const hits = [];
      for (const [name, id] of names) {
        if (name.startsWith(t) || name.includes(" " + t)) {
          hits.push({ entity: entity(id) });
          if (hits.length === first) break;
        }
      }
      return hits;
    },
  },
};
resolvers.Vendor.products = (e) => relations(e.id, (a, out) => out && a.kind === "MAKES");
resolvers.Vendor.partners = (e, { filter }) => relations(e.id, (a) =>
  a.kind === "PARTNERS_WITH"
  && (!filter?.asOf || ((a.since === "" || a.since <= filter.asOf)
    && (a.until === "" || a.until > filter.asOf))));
resolvers.Product.channels = (e) =>
  relations(e.id, (a, out) => !out && (a.kind === "CARRIES" || a.kind === "SELLS"));

const server = new ApolloServer({ typeDefs, resolvers });
const { url } = await startStandaloneServer(server, { listen: { port, host: "127.0.0.1" } });
console.log(`${graph.order} entities, ${graph.size} relations; listening at ${url}`);
