// The two logs of the privacy page: the consent log (every change to the
// settings, newest first) and the audit log (every privacy action on the
// viewer's data, newest first), each a page at a time.

import { h, replace, errorMessage, actionButton, focusFirstOf } from '../dom.js';
import { gql } from '../api.js';
import { dateTime } from '../format.js';

const PAGE_SIZE = 10;

const SETTING_NAMES = {
  RECORD_LISTENING_HISTORY: 'Record listening history',
  PERSONALIZED_RECOMMENDATIONS: 'Personalised recommendations',
  CONTRIBUTE_TO_AGGREGATES: 'Shared statistics',
  PRIVATE_SESSION: 'Private session',
};

const ACTIONS = {
  SETTING_CHANGED: 'A setting changed',
  PRIVATE_SESSION_STARTED: 'Private session started',
  PRIVATE_SESSION_ENDED: 'Private session ended',
  HISTORY_CLEARED: 'Listening history cleared',
  EXPORT_CREATED: 'Export of your data made',
  EXPORT_DOWNLOADED: 'Export downloaded',
  ACCOUNT_DELETED: 'Account deleted',
  ADMIN_READ: 'An administrator read this log',
};

const DETAIL_NAMES = {
  record_listening_history: 'Record listening history',
  personalized_recommendations: 'Personalised recommendations',
  contribute_to_aggregates: 'Shared statistics',
};

/** An audit detail such as `record_listening_history=false`, in words. */
function detailText(detail) {
  if (!detail) return '';
  const [name, value] = detail.split('=');
  if (DETAIL_NAMES[name] && (value === 'true' || value === 'false')) {
    return `${DETAIL_NAMES[name]}: ${value === 'true' ? 'on' : 'off'}`;
  }
  if (name === 'minutes') return `For ${value} minutes`;
  if (name === 'removed') return `${value} removed`;
  if (name === 'export') return `Export number ${value}`;
  return detail;
}

function changeText(change) {
  if (change.setting === 'PRIVATE_SESSION') {
    return change.enabled ? `Started, until ${dateTime(change.until)}` : 'Ended';
  }
  return change.enabled ? 'Turned on' : 'Turned off';
}

function table(caption, head, rows) {
  return h('div', { class: 'table-wrap' },
    h('table', {},
      h('caption', { class: 'sr-only' }, caption),
      h('thead', {}, h('tr', {}, head.map((cell) => h('th', { scope: 'col' }, cell)))),
      h('tbody', {}, rows)));
}

/** `{ element, reload }`: reload after anything that writes to the logs. */
export function logsSection(ctx) {
  const consent = h('div', {});
  const audit = h('div', {});
  const error = h('p', { class: 'error', role: 'alert' });
  let consentShown = PAGE_SIZE;

  const loadConsent = async () => {
    const { viewer } = await gql('query Consent { viewer { privacy { history { setting enabled until changedAt } } } }');
    if (ctx.signal.aborted) return;
    const history = viewer.privacy.history;
    // The API gives the latest 500 at once; show them a page at a time.
    const drawConsent = () => {
      const shown = history.slice(0, consentShown);
      replace(consent,
        history.length === 0
          ? h('p', { class: 'note' }, 'No changes yet: the settings are as they were when you signed up.')
          : table('Consent log, newest first', ['When', 'Setting', 'Change'], shown.map((change) => h('tr', {},
            h('td', {}, dateTime(change.changedAt)),
            h('td', {}, SETTING_NAMES[change.setting] ?? change.setting),
            h('td', {}, changeText(change))))),
        history.length > consentShown
          ? h('button', {
            type: 'button',
            onclick: () => {
              const from = consentShown;
              consentShown += PAGE_SIZE;
              drawConsent();
              focusFirstOf([...consent.querySelectorAll('tbody tr')].slice(from));
            },
          }, 'Show more changes')
          : null);
    };
    drawConsent();
  };

  const loadAudit = async (after = null) => {
    const { viewer } = await gql(`query Audit($first: Int, $after: String) {
      viewer { privacy { audit(first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } nodes { action detail at actorId subjectId }
      } } }
    }`, { first: PAGE_SIZE, after });
    if (ctx.signal.aborted) return;
    const page = viewer.privacy.audit;
    const rows = page.nodes.map((entry) => h('tr', {},
      h('td', {}, dateTime(entry.at)),
      h('td', {}, ACTIONS[entry.action] ?? entry.action,
        entry.actorId && entry.actorId !== entry.subjectId ? ' (by an administrator)' : ''),
      h('td', {}, detailText(entry.detail))));
    if (!after) {
      audit.replaceChildren(page.totalCount === 0
        ? h('p', { class: 'note' }, 'Nothing yet.')
        : table('Audit log, newest first', ['When', 'What', 'Detail'], rows));
    } else {
      audit.querySelector('tbody')?.append(...rows);
      audit.querySelector('.more')?.remove();
      focusFirstOf(rows);
    }
    if (page.pageInfo.hasNextPage) {
      audit.append(actionButton('Show older entries', () => loadAudit(page.pageInfo.endCursor), { class: 'more' }));
    }
  };

  const reload = () => {
    consentShown = PAGE_SIZE;
    error.textContent = '';
    Promise.all([loadConsent(), loadAudit()]).catch((err) => { error.textContent = errorMessage(err); });
  };
  reload();

  const element = h('section', { class: 'card', 'aria-labelledby': 'logs-title' },
    h('h2', { id: 'logs-title' }, 'What happened to your data'),
    h('h3', {}, 'Consent log'),
    h('p', { class: 'hint' }, 'Every change to the settings above, newest first.'),
    consent,
    h('h3', {}, 'Audit log'),
    h('p', { class: 'hint' }, 'Exports, setting changes, private sessions, and every time an administrator read these entries; newest first.'),
    audit,
    error);
  return { element, reload };
}
