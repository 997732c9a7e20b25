// Deleting the account: a clear warning of what goes and what stays, the
// password, and a confirmation. On success the session is forgotten here
// (the server has ended it everywhere) and the person lands on sign-in.

import { h, field } from '../dom.js';
import { accessToken, forget } from '../session.js';

/**
 * Sent by hand rather than through `gql`: a wrong password answers
 * UNAUTHENTICATED, which `gql` would take for an expired token, renew and
 * send again, counting a second failed attempt against the account.
 */
async function deleteAccount(password) {
  const token = await accessToken();
  if (!token) return { code: 'UNAUTHENTICATED', message: 'Your session has ended; sign in again first.' };
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query: 'mutation Delete($password: String!) { deleteAccount(password: $password) }', variables: { password } }),
  });
  const body = await response.json().catch(() => null);
  const first = body?.errors?.[0];
  if (first) return { code: first.extensions?.code, message: first.message, retry: first.extensions?.retryAfterSeconds };
  if (body?.data?.deleteAccount !== true) return { code: 'INTERNAL', message: `The server answered ${response.status}.` };
  return null;
}

function failureText(failure) {
  switch (failure.code) {
    case 'UNAUTHENTICATED':
      return 'That password is not right. Nothing was deleted.';
    case 'CONFLICT':
      return 'A payment of yours is still being settled. Nothing was deleted; try again in a few minutes.';
    case 'RATE_LIMITED':
      return `Too many attempts. Nothing was deleted; try again${failure.retry ? ` in ${failure.retry} seconds` : ' later'}.`;
    default:
      return `Nothing was deleted: ${failure.message}`;
  }
}

export function deleteSection(ctx) {
  const password = h('input', { type: 'password', autocomplete: 'current-password', required: true });
  const sure = h('input', { type: 'checkbox', id: 'delete-sure', required: true });
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'danger' }, 'Delete my account');
  const form = h('form', { class: 'delete-form', novalidate: true },
    field('Your password', password),
    h('div', { class: 'check' }, sure,
      h('label', { for: sure.id }, 'I understand that this deletes my account and my music for good.')),
    error, submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    if (!password.value) {
      error.textContent = 'Enter your password to confirm it is you.';
      password.focus();
      return;
    }
    if (!sure.checked) {
      error.textContent = 'Tick the box to confirm you understand this cannot be undone.';
      sure.focus();
      return;
    }
    submit.disabled = true;
    try {
      const failure = await deleteAccount(password.value);
      if (failure) {
        error.textContent = failureText(failure);
        return;
      }
      // Leave the page first, so the sign-out does not send us to a
      // plain sign-in page without the message.
      ctx.navigate('#/signin?deleted=1');
      forget();
    } catch {
      error.textContent = 'The server could not be reached. Nothing is known to be deleted; try again.';
    } finally {
      if (submit.isConnected) submit.disabled = false;
    }
  });

  return h('section', { class: 'card danger-zone', 'aria-labelledby': 'delete-title' },
    h('h2', { id: 'delete-title' }, 'Delete my account'),
    h('p', {}, h('strong', {}, 'This cannot be undone.'), ' Download your data first if you want to keep it.'),
    h('p', {}, 'Deleted at once, everywhere (database, stored files, search):'),
    h('ul', {},
      h('li', {}, 'your profile, settings, consent and audit entries;'),
      h('li', {}, 'your locker: every uploaded file and the music you bought (you will not be able to play it again);'),
      h('li', {}, 'your playlists, listening history, playback position, cart and reviews;'),
      h('li', {}, 'every session and API key: you are signed out on all devices.')),
    h('p', {}, 'Kept: your orders, for accounting, linked to no one (no name, no email, no account). '
      + 'A note that an account was deleted stays in the audit log, under its number only.'),
    form);
}
