// Runs graphql-http's auditServer against the URL given and prints one JSON
// document: every audit with its status. Exits 1 when any MUST fails.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql url>');
  process.exit(2);
}
const results = await auditServer({ url });
const report = results.map((r) => ({ id: r.id, name: r.name, status: r.status, reason: r.reason ?? null }));
console.log(JSON.stringify(report, null, 2));
const failedMusts = report.filter((r) => r.status === 'error');
console.error(`${report.filter((r) => r.status === 'ok').length} ok, ${report.filter((r) => r.status === 'warn').length} SHOULD warnings, ${failedMusts.length} MUST failures`);
process.exit(failedMusts.length === 0 ? 0 : 1);
