// Runs GraphQL Code Generator's client preset with persisted documents, as
// its documentation shows, over the storefront's operations
// (storefront/documents.ts) and Cadenza's schema, into OUT_DIR. Prints the
// path of the manifest it wrote.
//
//   node codegen.mjs SCHEMA OUT_DIR
import { generate } from "@graphql-codegen/cli";
import { fileURLToPath } from "node:url";
import path from "node:path";

const [schema, out] = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
await generate(
  {
    schema,
    documents: [path.join(here, "storefront", "documents.ts")],
    silent: true,
    generates: {
      [`${out}/`]: {
        preset: "client",
        presetConfig: { persistedDocuments: true },
      },
    },
  },
  true,
);
console.log(JSON.stringify({ manifest: path.join(out, "persisted-documents.json") }));
