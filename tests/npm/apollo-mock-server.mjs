// @graphql-tools/mock behind graphql-http's Node handler: the peer bench/bench_graphql.py compares with.
// Usage: node apollo-mock-server.mjs SCHEMA.graphql PORT
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { addMocksToSchema } from "@graphql-tools/mock";
import { makeExecutableSchema } from "@graphql-tools/schema";
import { createHandler } from "graphql-http/lib/use/http";

// Lists of 5, as the bench's query asks (the mock's default is 2 whatever `first` says).
const mocks = { Query: () => ({ items: [...new Array(5)] }) };
const typeDefs = readFileSync(process.argv[2], "utf8");
const schema = addMocksToSchema({ schema: makeExecutableSchema({ typeDefs }), mocks });
const handler = createHandler({ schema });
createServer((req, res) => {
  if (req.url.startsWith("/graphql")) handler(req, res);
  else res.writeHead(404).end();
}).listen(Number(process.argv[3]), "127.0.0.1");
