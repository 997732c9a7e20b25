// The app's only way to the server: the public GraphQL API over HTTP,
// uploads by the GraphQL multipart request spec, and subscriptions over
// graphql-transport-ws. Like any other client.

import { accessToken, currentUser, forget } from './session.js';

/** An error the API answered with: `code` is from the API's closed list. */
export class ApiError extends Error {
  constructor(message, code, extensions = {}) {
    super(message);
    this.code = code;
    this.extensions = extensions;
  }
}

function firstError(body, status) {
  const first = body?.errors?.[0];
  if (first) return new ApiError(first.message, first.extensions?.code, first.extensions);
  if (status === 429) return new ApiError('Too many requests; try again in a moment.', 'RATE_LIMITED');
  return new ApiError(`The server answered ${status}.`, 'INTERNAL');
}

async function post(body, token, keepalive = false) {
  const headers = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
  };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify(body), keepalive });
  const json = await response.json().catch(() => null);
  return { status: response.status, json };
}

/**
 * Runs one operation and returns its `data`; throws an `ApiError` for the
 * first error. A refused access token is renewed once and the operation
 * sent again; if renewal fails the session is over. `keepalive`: the
 * request outlives the page (what the player says as the tab closes).
 */
export async function gql(query, variables = {}, { keepalive = false } = {}) {
  let token = await accessToken();
  let { status, json } = await post({ query, variables }, token, keepalive);
  if (token && json?.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED' && !json.data) {
    token = await accessToken(true);
    if (!token) {
      forget();
      throw new ApiError('Your session has ended; please sign in again.', 'UNAUTHENTICATED');
    }
    ({ status, json } = await post({ query, variables }, token));
  }
  if (json?.errors?.length || !json?.data) throw firstError(json, status);
  return json.data;
}

/**
 * Sends one file by the GraphQL multipart request spec. The file goes in
 * `variables.file`. `onProgress(sent, total)` follows the upload (fetch
 * cannot report upload progress, so this uses XMLHttpRequest). Resolves
 * to `data`; rejects with an `ApiError`. `signal` aborts it.
 */
export async function upload(query, variables, file, { onProgress, signal } = {}) {
  const token = await accessToken();
  const body = new FormData();
  body.append('operations', JSON.stringify({ query, variables: { ...variables, file: null } }));
  body.append('map', JSON.stringify({ 0: ['variables.file'] }));
  body.append('0', file, file.name);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/graphql');
    xhr.setRequestHeader('accept', 'application/graphql-response+json, application/json');
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.upload.addEventListener('progress', (event) => {
      if (onProgress && event.lengthComputable) onProgress(event.loaded, event.total);
    });
    xhr.addEventListener('load', () => {
      let json = null;
      try { json = JSON.parse(xhr.responseText); } catch { /* answered below */ }
      if (json?.errors?.length || !json?.data) {
        if (xhr.status === 413) {
          reject(new ApiError('The file is larger than the server accepts.', 'PAYLOAD_TOO_LARGE'));
        } else {
          reject(firstError(json, xhr.status));
        }
      } else {
        resolve(json.data);
      }
    });
    xhr.addEventListener('error', () => reject(new ApiError('The upload could not reach the server.', 'NETWORK')));
    xhr.addEventListener('abort', () => reject(new ApiError('The upload was cancelled.', 'CANCELLED')));
    if (signal) signal.addEventListener('abort', () => xhr.abort());
    xhr.send(body);
  });
}

// Subscriptions: one socket for all of them, opened on the first and
// closed with the last, reconnecting (with a fresh token) after a drop.

let socket = null;
/** True while `connect` waits for a token: a second call must not open a second socket. */
let connecting = false;
let acknowledged = false;
let nextId = 1;
let retryMs = 1000;
const active = new Map();

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function start(id, sub) {
  send({ id, type: 'subscribe', payload: { query: sub.query, variables: sub.variables } });
}

async function connect() {
  if (socket || connecting || active.size === 0) return;
  connecting = true;
  let token = null;
  try {
    token = await accessToken();
  } catch {
    // The renewal failed (offline?): try again later, as after a drop.
  } finally {
    connecting = false;
  }
  if (socket || active.size === 0) return;
  if (!token) {
    if (currentUser()) retryLater();
    return;
  }
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${scheme}//${location.host}/graphql`, 'graphql-transport-ws');
  socket = ws;
  acknowledged = false;
  ws.addEventListener('open', () => {
    ws.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${token}` } }));
  });
  ws.addEventListener('message', (event) => {
    let message;
    try { message = JSON.parse(event.data); } catch { return; }
    if (message.type === 'connection_ack') {
      acknowledged = true;
      retryMs = 1000;
      for (const [id, sub] of active) start(id, sub);
    } else if (message.type === 'ping') {
      ws.send(JSON.stringify({ type: 'pong' }));
    } else if (message.type === 'next') {
      active.get(message.id)?.next(message.payload?.data ?? null, message.payload?.errors);
    } else if (message.type === 'error') {
      const sub = active.get(message.id);
      active.delete(message.id);
      sub?.error?.(new ApiError(message.payload?.[0]?.message ?? 'The subscription failed.', message.payload?.[0]?.extensions?.code));
    } else if (message.type === 'complete') {
      active.delete(message.id);
    }
  });
  ws.addEventListener('close', () => {
    // A socket closed on purpose (the last unsubscribe, sign-out) is no
    // longer `socket`; only the current one's drop reconnects.
    if (socket !== ws) return;
    socket = null;
    acknowledged = false;
    if (active.size > 0) retryLater();
  });
}

function retryLater() {
  setTimeout(connect, retryMs);
  retryMs = Math.min(retryMs * 2, 30_000);
}

/**
 * Subscribes; `next(data)` is called for each event. Returns a function
 * that ends the subscription.
 */
export function subscribe(query, variables, { next, error } = {}) {
  const id = String(nextId++);
  const sub = { query, variables, next: next ?? (() => {}), error };
  active.set(id, sub);
  if (socket && acknowledged) start(id, sub);
  else connect();
  return () => {
    if (!active.delete(id)) return;
    send({ id, type: 'complete' });
    if (active.size === 0 && socket) {
      socket.close(1000);
      socket = null;
    }
  };
}

/** Closes the socket (on sign-out): every subscription ends. */
export function closeSubscriptions() {
  active.clear();
  if (socket) socket.close(1000);
  socket = null;
}

/** A key for one checkout attempt: the same key twice buys once. */
export function idempotencyKey() {
  return crypto.randomUUID();
}
