// The graphql-ws client, used as its documentation shows, against a running
// Cadenza. Prints one JSON line with what it saw; the Rust test judges it.
//
//   node graphql-ws.mjs expiry      http://127.0.0.1:PORT EMAIL PASSWORD SECONDS
//   node graphql-ws.mjs resubscribe http://127.0.0.1:PORT EMAIL PASSWORD ROUNDS
//
// expiry: subscribes to `playback` with `connectionParams` that renew the
// access token, then reports a playback change every 250 ms for SECONDS
// (longer than the token lives): every change it heard, with the closes and
// reconnections along the way.
// resubscribe: subscribes and completes ROUNDS times in a row (the lazy
// client closes its socket with 1000 when the last subscription ends and
// opens a new one for the next): how long each took from subscribing to
// the first answer, and whether any round needed a retry.
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [mode, base, email, password, count] = process.argv.slice(2);
const graphqlUrl = `${base}/graphql`;

async function gql(query, variables, token) {
  const response = await fetch(graphqlUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const session = {
  ...(await gql(
    "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken refreshToken } }",
    { e: email, p: password },
  )).login,
};
let renewals = 0;
let renewing = null;
// One renewal at a time: a refresh token works once, and a second use of
// it would end the whole session.
function freshToken() {
  renewing ??= (async () => {
    const { refreshToken } = await gql(
      "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }",
      { t: session.refreshToken },
    );
    Object.assign(session, refreshToken);
    renewals += 1;
    return session.accessToken;
  })().finally(() => {
    renewing = null;
  });
  return renewing;
}

const closes = [];
let connects = 0;
let retries = 0;
function client(extra = {}) {
  return createClient({
    url: graphqlUrl.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    // As graphql-ws's documentation says: a function, so that every
    // connection (and every reconnection) gets the current token.
    connectionParams: async () => ({
      Authorization: `Bearer ${connects === 0 ? session.accessToken : await freshToken()}`,
    }),
    retryAttempts: 10,
    on: {
      connecting: (isRetry) => {
        if (isRetry) retries += 1;
      },
      connected: () => {
        connects += 1;
      },
      closed: (event) => closes.push(event.code),
    },
    ...extra,
  });
}

if (mode === "expiry") {
  const seconds = Number(count);
  const ws = client();
  const heard = [];
  let heardAfterExpiry = 0;
  const errors = [];
  ws.subscribe(
    { query: "subscription { playback { positionMs } }" },
    {
      next: (result) => {
        if (result.errors) errors.push(result.errors);
        else {
          heard.push(result.data.playback.positionMs);
          if (closes.includes(4403)) heardAfterExpiry += 1;
        }
      },
      error: (err) => errors.push(String(err?.code ?? err)),
      complete: () => {},
    },
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  const sent = [];
  const deadline = Date.now() + seconds * 1000;
  let position = 0;
  while (Date.now() < deadline) {
    position += 1;
    // The HTTP side renews its token the same way when it expires.
    try {
      await gql(
        "mutation($i: PlaybackInput!) { updatePlayback(input: $i) { positionMs } }",
        { i: { deviceId: "node", positionMs: 0, playing: false } },
        session.accessToken,
      );
    } catch {
      await freshToken();
      continue;
    }
    sent.push(position);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await ws.dispose();
  console.log(
    JSON.stringify({
      sent: sent.length,
      heard: heard.length,
      heard_after_expiry: heardAfterExpiry,
      errors,
      closes,
      connects,
      retries,
      renewals,
    }),
  );
} else if (mode === "resubscribe") {
  const rounds = Number(count);
  const ws = client({ lazy: true, lazyCloseTimeout: 0 });
  const timings = [];
  for (let round = 0; round < rounds; round += 1) {
    const started = performance.now();
    await new Promise((resolve, reject) => {
      let unsubscribe = () => {};
      unsubscribe = ws.subscribe(
        { query: "subscription { playback { positionMs } }" },
        {
          next: () => {},
          error: reject,
          complete: resolve,
        },
      );
      // The connection is acknowledged when `connected` fires; the
      // subscription is then live. Complete it at once.
      const wait = setInterval(() => {
        if (connects > round) {
          clearInterval(wait);
          timings.push(performance.now() - started);
          unsubscribe();
          resolve();
        }
      }, 1);
    });
    // Let the lazy client close the idle socket (with 1000) before the
    // next round subscribes again.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await ws.dispose();
  timings.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      rounds,
      connects,
      retries,
      closes,
      median_ms: timings[Math.floor(timings.length / 2)],
      max_ms: timings[timings.length - 1],
    }),
  );
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
process.exit(0);
