// Privacy (`#/privacy`): the three settings and what each really does
// (from the API's own documentation of them), a private session, where
// the per-item and per-playlist exclusions live, the consent and audit
// logs, the export of everything stored, and deleting the account.

import { h, replace, heading, errorMessage, actionButton, toast, field } from '../dom.js';
import { gql } from '../api.js';
import { dateTime } from '../format.js';
import { logsSection } from './privacy-logs.js';
import { exportSection } from './account-export.js';
import { deleteSection } from './account-delete.js';
import { playersSection } from './account-players.js';

const SETTINGS = [
  {
    key: 'recordListeningHistory',
    label: 'Record my listening history',
    on: 'Your plays and what you browse, search and view are stored, for your “recently played” and your recommendations.',
    off: 'Off: plays and interactions are not stored at all.',
  },
  {
    key: 'personalizedRecommendations',
    label: 'Personalised recommendations',
    on: 'Recommendations are drawn from what you played and bought.',
    off: 'Off: recommendations use no personal data (best-sellers and editorial picks only).',
  },
  {
    key: 'contributeToAggregates',
    label: 'Count me in shared statistics',
    on: 'Your activity counts, anonymously and only among many listeners, towards “customers also bought” and “similar artists”.',
    off: 'Off: your activity never enters statistics across customers (also-bought, similar artists).',
  },
];

const PRIVACY = `query Privacy {
  viewer { privacy { recordListeningHistory personalizedRecommendations contributeToAggregates privateSessionUntil } }
}`;

function settingsSection(privacy, onChanged) {
  const status = h('p', { class: 'ok', role: 'status' });
  const error = h('p', { class: 'error', role: 'alert' });
  const rows = SETTINGS.map((setting) => {
    const hint = h('small', { class: 'hint', id: `${setting.key}-hint` });
    const box = h('input', {
      type: 'checkbox', id: `${setting.key}-box`, checked: privacy[setting.key], 'aria-describedby': hint.id,
    });
    const explain = () => { hint.textContent = box.checked ? setting.on : setting.off; };
    explain();
    // Saved at once: each change is one call, written to the consent log.
    box.addEventListener('change', async () => {
      const wanted = box.checked;
      box.disabled = true;
      status.textContent = '';
      error.textContent = '';
      try {
        const data = await gql(`mutation Settings($input: PrivacySettingsInput!) {
          updatePrivacySettings(input: $input) { ${setting.key} }
        }`, { input: { [setting.key]: wanted } });
        box.checked = data.updatePrivacySettings[setting.key];
        status.textContent = `Saved: “${setting.label}” is ${box.checked ? 'on' : 'off'}.`;
        onChanged();
      } catch (err) {
        box.checked = !wanted;
        error.textContent = `Not saved: ${errorMessage(err)}`;
      } finally {
        box.disabled = false;
        explain();
      }
    });
    return h('div', { class: 'check setting' }, box,
      h('div', {}, h('label', { for: box.id }, setting.label), h('br'), hint));
  });
  return h('section', { class: 'card', 'aria-labelledby': 'settings-title' },
    h('h2', { id: 'settings-title' }, 'What Cadenza may record and use'),
    rows, status, error);
}

function sessionSection(initialUntil, onChanged) {
  const box = h('div', {});
  const minutes = h('input', { type: 'number', min: 1, max: 1440, value: '60', inputmode: 'numeric' });
  const draw = (until) => {
    const active = until && Date.parse(until) > Date.now();
    box.replaceChildren(
      h('p', { role: 'status' }, active
        ? [h('strong', {}, 'A private session is on'), ` until ${dateTime(until)}: nothing you play or do is recorded until then.`]
        : 'No private session is on.'),
      active
        ? actionButton('End private session now', () => change(0))
        : h('div', { class: 'toolbar' },
          field('Minutes', minutes, 'From 1 to 1,440 (a day).'),
          actionButton('Start private session', () => change(Number(minutes.value)), { class: 'primary' })));
  };
  const change = async (value) => {
    if (value !== 0 && !(Number.isInteger(value) && value >= 1 && value <= 1440)) {
      toast('Choose a whole number of minutes from 1 to 1,440.', 'error');
      return;
    }
    const data = await gql(`mutation Private($minutes: Int!) {
      startPrivateSession(minutes: $minutes) { privateSessionUntil }
    }`, { minutes: value });
    const until = data.startPrivateSession.privateSessionUntil;
    toast(value === 0 ? 'The private session has ended.' : `Private until ${dateTime(until)}.`);
    draw(until);
    onChanged();
  };
  draw(initialUntil);
  return h('section', { class: 'card', 'aria-labelledby': 'private-title' },
    h('h2', { id: 'private-title' }, 'Private session'),
    h('p', { class: 'hint' }, 'For a while, nothing is recorded, whatever the settings above say.'),
    box);
}

/** Clearing the history: asked twice, since it cannot be undone. */
function historySection(onChanged) {
  const box = h('div', {});
  const ask = () => {
    const confirm = actionButton('Yes, clear my history', async () => {
      const data = await gql('mutation Clear { clearListeningHistory }');
      const n = data.clearListeningHistory;
      replace(box, h('p', { class: 'ok', role: 'status' },
        `Cleared: ${n} ${n === 1 ? 'entry' : 'entries'} (plays and interactions) removed.`), start());
      onChanged();
    }, { class: 'danger' });
    replace(box,
      h('p', { role: 'alert' }, 'Every play and interaction stored goes, for good. Sure?'),
      h('div', { class: 'toolbar' }, confirm,
        h('button', { type: 'button', onclick: () => { replace(box, start()); box.querySelector('button')?.focus(); } }, 'Cancel')));
    confirm.focus();
  };
  const start = () => h('button', { type: 'button', onclick: ask }, 'Clear my listening history');
  replace(box, start());
  return h('section', { class: 'card', 'aria-labelledby': 'clear-title' },
    h('h2', { id: 'clear-title' }, 'Listening history'),
    h('p', { class: 'hint' }, 'Removes every play and interaction stored about you. They leave “also bought”, '
      + '“similar artists” and your recommendations at the next recompute.'),
    box);
}

function exclusionsSection() {
  return h('section', { class: 'card', 'aria-labelledby': 'exclude-title' },
    h('h2', { id: 'exclude-title' }, 'Leave some music out of your taste'),
    h('p', {}, 'A song or a playlist can be kept out of your taste profile: its plays stay in your history but never feed '
      + 'recommendations or statistics. Turn it on where the music lives: “Exclude from my taste” in a song’s '
      + '“Edit tags” in your ', h('a', { href: '#/locker' }, 'locker'), ' (the song then shows “Not in my taste”), '
      + 'or on a ', h('a', { href: '#/playlists' }, 'playlist'), '’s page, for every play started from it.'));
}

export async function render(ctx) {
  const { viewer } = await gql(PRIVACY);
  const logs = logsSection(ctx);
  return h('div', { class: 'privacy-page' },
    heading('Privacy'),
    h('p', { class: 'hint' }, 'Your data, under your control. Every change here is saved at once and kept in the logs below.'),
    settingsSection(viewer.privacy, logs.reload),
    sessionSection(viewer.privacy.privateSessionUntil, logs.reload),
    historySection(logs.reload),
    exclusionsSection(),
    logs.element,
    exportSection(logs.reload),
    playersSection(),
    deleteSection(ctx));
}
