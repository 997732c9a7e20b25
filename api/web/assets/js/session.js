// The signed-in session: who, and the tokens that prove it.
//
// Where the tokens live, and why: both are kept in localStorage, so a
// reload or a second tab stays signed in. The access token lives 15
// minutes; the refresh token 30 days and works once (it rotates). A
// script injected into the page could read them, which is why the app
// builds no HTML from data and the server forbids any script but its own
// files (Content-Security-Policy `script-src 'self'`). An HttpOnly cookie
// would hide them from script, but would make every request of this origin
// carry credentials and need CSRF defences the API does not otherwise need.
//
// Tabs share one session. Renewal runs under a Web Lock, so two tabs never
// trade the same refresh token (reusing one revokes the whole family):
// the second tab finds the first one's fresh token when it gets the lock.

const KEY = 'cadenza.session';
const listeners = new Set();
/** Renew this long before the access token expires. */
const MARGIN_MS = 60_000;
/** The renewal under way in this tab, if any (see `accessToken`). */
let renewing = null;

const AUTH_FIELDS = 'accessToken refreshToken accessTokenExpiresAt user { id email displayName role }';

function read() {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) || 'null');
    return stored && stored.refreshToken ? stored : null;
  } catch {
    return null;
  }
}

function write(session) {
  if (session) localStorage.setItem(KEY, JSON.stringify(session));
  else localStorage.removeItem(KEY);
  notify();
}

function notify() {
  const session = read();
  for (const listener of listeners) listener(session);
}

// Another tab signed in or out.
window.addEventListener('storage', (event) => {
  if (event.key === KEY) notify();
});

/** The current session's user, or null. */
export function currentUser() {
  return read()?.user ?? null;
}

/** Calls `listener(session)` on every sign-in, sign-out and renewal. */
export function onSessionChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Posts one operation without credentials (sign-in and renewal). */
async function anonymous(query, variables) {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json().catch(() => null);
  if (body?.errors?.length) {
    const [first] = body.errors;
    const err = new Error(first.message);
    err.code = first.extensions?.code;
    err.retryAfterSeconds = first.extensions?.retryAfterSeconds;
    throw err;
  }
  if (!body?.data) throw new Error(`The server answered ${response.status}.`);
  return body.data;
}

function remember(payload) {
  write({
    accessToken: payload.accessToken,
    refreshToken: payload.refreshToken,
    expiresAt: Date.parse(payload.accessTokenExpiresAt),
    user: payload.user,
  });
  return payload.user;
}

export async function signUp(email, password, displayName) {
  const data = await anonymous(
    `mutation SignUp($input: RegisterInput!) { register(input: $input) { ${AUTH_FIELDS} } }`,
    { input: { email, password, displayName } },
  );
  return remember(data.register);
}

export async function signIn(email, password) {
  const data = await anonymous(
    `mutation SignIn($email: String!, $password: String!) { login(email: $email, password: $password) { ${AUTH_FIELDS} } }`,
    { email, password },
  );
  return remember(data.login);
}

/** Ends the session here and on the server (other devices keep theirs). */
export async function signOut() {
  const session = read();
  write(null);
  if (session) {
    await anonymous('mutation SignOut($token: String!) { logout(refreshToken: $token) }', {
      token: session.refreshToken,
    }).catch(() => {});
  }
}

/** Forgets the session without asking the server (it is already gone). */
export function forget() {
  write(null);
}

/**
 * An access token valid for at least a minute, renewed with the refresh
 * token when needed; null when signed out. `force` renews even a token
 * that looks fresh (the server refused it).
 */
export async function accessToken(force = false) {
  const session = read();
  if (!session) return null;
  if (!force && session.expiresAt - MARGIN_MS > Date.now()) return session.accessToken;
  const renew = async () => {
    const latest = read();
    if (!latest) return null;
    // Another tab renewed while this one waited for the lock.
    if (latest.refreshToken !== session.refreshToken && latest.expiresAt - MARGIN_MS > Date.now()) {
      return latest.accessToken;
    }
    try {
      const data = await anonymous(
        `mutation Renew($token: String!) { refreshToken(refreshToken: $token) { ${AUTH_FIELDS} } }`,
        { token: latest.refreshToken },
      );
      remember(data.refreshToken);
      return data.refreshToken.accessToken;
    } catch (err) {
      if (err.code === 'UNAUTHENTICATED') {
        write(null);
        return null;
      }
      throw err;
    }
  };
  // One renewal at a time in this tab too: Web Locks exist only in a secure
  // context (https, localhost), and a second renewal with the same refresh
  // token would end the session.
  if (!renewing) {
    renewing = (navigator.locks ? navigator.locks.request('cadenza-session', renew) : renew())
      .finally(() => { renewing = null; });
  }
  return renewing;
}
