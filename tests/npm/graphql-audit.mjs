// graphql-http's GraphQL-over-HTTP server audits against a running mock: prints one JSON line of results.
// Usage: node graphql-audit.mjs URL
import { auditServer } from "graphql-http";

const results = await auditServer({ url: process.argv[2] });
console.log(JSON.stringify(results.map((r) => ({ id: r.id, name: r.name, status: r.status, reason: r.reason }))));
