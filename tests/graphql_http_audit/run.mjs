// Run every graphql-http server audit against URL; print one JSON report on stdout.
// Usage: node run.mjs http://127.0.0.1:8000/graphql [bearer-token]
import { serverAudits } from 'graphql-http';

const [url, token] = process.argv.slice(2);
if (!url) {
  console.error('usage: node run.mjs URL [TOKEN]');
  process.exit(2);
}
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers || {});
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};
const results = [];
for (const audit of serverAudits({ url, fetchFn })) {
  const result = await audit.fn();
  results.push({ id: result.id, name: result.name, status: result.status, reason: result.reason });
}
const count = (status) => results.filter((r) => r.status === status).length;
console.log(JSON.stringify({ ok: count('ok'), warn: count('warn'), error: count('error'), results }, null, 1));
