// Cadenza as a subgraph: Apollo's gateway (IntrospectAndCompose) composes it
// with a second subgraph made with @apollo/subgraph, which extends Cadenza's
// `Product` with `stockLevel`. Prints one JSON line: what a query joining
// both answered through the gateway, and what Cadenza answered directly.
//
//   node federation.mjs http://127.0.0.1:PORT
import { ApolloGateway, IntrospectAndCompose } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";

const [cadenza] = process.argv.slice(2);

// The stock subgraph: a warehouse's count for each product, derived from
// its id so the test can check it.
export function stockLevel(id) {
  let sum = 0;
  for (const c of id) sum = (sum * 31 + c.charCodeAt(0)) % 1000;
  return sum % 50;
}
const stock = new ApolloServer({
  schema: buildSubgraphSchema({
    typeDefs: parse(`
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])

      type Product @key(fields: "id") {
        id: ID!
        stockLevel: Int!
      }
    `),
    resolvers: {
      Product: {
        __resolveReference: (reference) => ({ id: reference.id, stockLevel: stockLevel(reference.id) }),
      },
    },
  }),
});
const { url: stockUrl } = await startStandaloneServer(stock, { listen: { port: 0, host: "127.0.0.1" } });

const gateway = new ApolloServer({
  gateway: new ApolloGateway({
    supergraphSdl: new IntrospectAndCompose({
      subgraphs: [
        { name: "cadenza", url: `${cadenza}/graphql` },
        { name: "stock", url: stockUrl },
      ],
    }),
  }),
});
const { url: gatewayUrl } = await startStandaloneServer(gateway, { listen: { port: 0, host: "127.0.0.1" } });

async function post(url, query) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  return response.json();
}

const joined = await post(
  gatewayUrl,
  `{ products(first: 5, sort: BEST_SELLING) {
       totalCount
       nodes { id title kind price { amountMinor currency formatted } album { title artist { name } } stockLevel }
     } }`,
);
const direct = await post(
  `${cadenza}/graphql`,
  `{ products(first: 5, sort: BEST_SELLING) {
       totalCount
       nodes { id title kind price { amountMinor currency formatted } album { title artist { name } } }
     } }`,
);
const throughGatewayOnly = await post(
  gatewayUrl,
  `{ genres { name albumCount } }`,
);
const genresDirect = await post(`${cadenza}/graphql`, `{ genres { name albumCount } }`);
const expectedStock = (direct.data?.products?.nodes ?? []).map((node) => stockLevel(node.id));

console.log(
  JSON.stringify({
    joined,
    direct,
    expected_stock: expectedStock,
    genres_through_gateway: throughGatewayOnly,
    genres_direct: genresDirect,
  }),
);
await gateway.stop();
await stock.stop();
process.exit(0);
