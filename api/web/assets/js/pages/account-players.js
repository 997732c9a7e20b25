// "Players": a key per Subsonic player device (DSub, Symfonium, Feishin…).
// A key is shown once, when it is made, with what to type into the player;
// the list shows when each was last used and by which app, and revokes it.
// A key reaches the listener's locker, playlists, plays, stars and playback
// through /rest and nothing else.

import { h, replace, errorMessage, actionButton, toast, field, onSubmit } from '../dom.js';
import { gql } from '../api.js';
import { dateTime } from '../format.js';

const KEYS = 'query PlayerKeys { viewer { user { email } playerKeys { id name createdAt lastUsedAt lastClient } } }';

/** What to type into a player, with the secret shown this once. */
function connectHelp(email, secret) {
  const server = window.location.origin;
  const row = (label, value) => h('div', { class: 'setting' },
    h('dt', {}, label),
    h('dd', {}, h('code', { class: 'secret' }, value)));
  return h('div', { class: 'card notice', role: 'status' },
    h('p', {}, h('strong', {}, 'Copy this key now: it is not shown again.')),
    h('dl', {},
      row('Server', server),
      row('User name', email),
      row('Password (or API key)', secret)),
    h('p', { class: 'hint' }, 'Players that offer “API key” take the key alone; others take it as the password, '
      + 'with your email address as the user name. Revoke it here if the device is lost.'));
}

export function playersSection() {
  const list = h('div', { 'aria-live': 'polite' });
  const made = h('div', {});
  const name = h('input', { type: 'text', id: 'player-key-name', maxlength: 100, required: true, placeholder: 'Phone' });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'toolbar' },
    field('Device name', name, 'Say which device it is for, to know which to revoke.'),
    h('button', { type: 'submit', class: 'primary' }, 'Make a player key'));

  const draw = async () => {
    try {
      const { viewer } = await gql(KEYS);
      const keys = viewer.playerKeys;
      replace(list, keys.length === 0
        ? h('p', { class: 'hint' }, 'No player has a key yet.')
        : h('ul', { class: 'plain' }, keys.map((key) => h('li', { class: 'row' },
          h('div', {},
            h('strong', {}, key.name),
            h('br'),
            h('small', { class: 'hint' }, `Made ${dateTime(key.createdAt)} · `
              + (key.lastUsedAt ? `last used ${dateTime(key.lastUsedAt)}${key.lastClient ? ` by ${key.lastClient}` : ''}` : 'never used'))),
          actionButton('Revoke', async () => {
            await gql('mutation Revoke($id: ID!) { revokePlayerKey(id: $id) }', { id: key.id });
            toast(`“${key.name}” can no longer connect.`);
            made.replaceChildren();
            await draw();
          }, { class: 'danger', 'aria-label': `Revoke the key of ${key.name}` })))));
      return viewer.user.email;
    } catch (err) {
      replace(list, h('p', { class: 'error', role: 'alert' }, errorMessage(err)));
      return null;
    }
  };

  onSubmit(form, async () => {
    const data = await gql(`mutation MakeKey($name: String!) {
      createPlayerKey(name: $name) { key { id name } secret }
    }`, { name: name.value });
    const email = await draw();
    replace(made, connectHelp(email ?? '', data.createPlayerKey.secret));
    name.value = '';
  }, { error });

  draw();
  return h('section', { class: 'card', 'aria-labelledby': 'players-title' },
    h('h2', { id: 'players-title' }, 'Players'),
    h('p', {}, 'Use the Subsonic players you already own (DSub, Symfonium, Feishin, Sonixd, play:Sub…) with your locker. '
      + 'Make one key per device: it opens your locker, playlists, plays, stars and playback, and nothing else.'),
    form, error, made, list);
}
