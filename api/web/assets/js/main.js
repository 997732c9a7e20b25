// The app's shell: navigation, the account corner, the player bar, and a
// router over the URL's hash (`#/locker`, `#/product/<id>`), so every page
// has an address that survives a reload and the server serves one page.

import { h, replace, heading, note, toast, errorMessage, clearToasts, rowMenu } from './dom.js';
import { currentUser, onSessionChange, signOut } from './session.js';
import { closeSubscriptions } from './api.js';
import { initPlayer, stopPlayer } from './player.js';
import { cartCount, onCartCount, refreshCartCount } from './cart-count.js';
import { icon } from './icons.js';

/**
 * Routes: a pattern of path segments (`:name` captures one) and the page
 * module that renders it. `auth` pages need a signed-in user; `admin`
 * pages an ADMIN.
 */
const ROUTES = [
  { path: 'signin', load: () => import('./pages/auth.js'), view: 'signIn' },
  { path: 'signup', load: () => import('./pages/auth.js'), view: 'signUp' },
  { path: 'locker', load: () => import('./pages/locker.js'), auth: true },
  { path: 'locker/:view', load: () => import('./pages/locker.js'), auth: true },
  { path: 'locker/:view/:id', load: () => import('./pages/locker.js'), auth: true },
  { path: 'playlists', load: () => import('./pages/playlists.js'), auth: true },
  { path: 'playlists/:id', load: () => import('./pages/playlists.js'), auth: true },
  { path: 'search', load: () => import('./pages/search.js') },
  { path: 'store', load: () => import('./pages/store.js') },
  { path: 'product/:id', load: () => import('./pages/product.js') },
  { path: 'artist/:id', load: () => import('./pages/artist.js') },
  { path: 'welcome', load: () => import('./pages/welcome.js') },
  { path: 'cart', load: () => import('./pages/cart.js'), auth: true },
  { path: 'orders', load: () => import('./pages/orders.js'), auth: true },
  { path: 'for-you', load: () => import('./pages/for-you.js'), auth: true },
  { path: 'privacy', load: () => import('./pages/privacy.js'), auth: true },
  { path: 'admin', load: () => import('./pages/admin.js'), auth: true, admin: true },
];

/**
 * The sections. On a phone the navigation is a tab bar at the bottom:
 * the `tab` ones are its tabs, the others are under its "More" menu; on
 * a wider screen every one is a link in the header.
 */
const NAV = [
  { href: '#/locker', label: 'Locker', auth: true, tab: 'locker' },
  { href: '#/playlists', label: 'Playlists', auth: true },
  { href: '#/search', label: 'Search', tab: 'search' },
  { href: '#/store', label: 'Store', tab: 'store' },
  { href: '#/for-you', label: 'For you', auth: true },
  { href: '#/cart', label: 'Cart', auth: true, tab: 'cart', cart: true },
  { href: '#/orders', label: 'Orders', auth: true },
  { href: '#/privacy', label: 'Privacy', auth: true },
  { href: '#/admin', label: 'Catalogue', admin: true },
];

function match(path) {
  const parts = path.split('/').filter(Boolean);
  for (const route of ROUTES) {
    const pattern = route.path.split('/');
    if (pattern.length !== parts.length) continue;
    const params = {};
    const ok = pattern.every((segment, i) => {
      if (segment.startsWith(':')) {
        try {
          params[segment.slice(1)] = decodeURIComponent(parts[i]);
        } catch {
          return false; // a malformed %-escape: no such page
        }
        return true;
      }
      return segment === parts[i];
    });
    if (ok) return { route, params };
  }
  return null;
}

/**
 * A CSS selector of the control to focus after the next render, instead
 * of the page's title (see `navigate`).
 */
let focusAfter = null;

/**
 * Goes to `#/path?query`; pages call it through their context. `focus`: a
 * selector of the control to give the focus back to on the new page (a
 * filter that reloads its page must not throw a keyboard user back to the
 * top).
 */
export function navigate(target, { focus = null } = {}) {
  const hash = target.startsWith('#') ? target : `#/${target.replace(/^\/+/, '')}`;
  focusAfter = focus;
  if (location.hash === hash) render();
  else location.hash = hash;
}

function home() {
  return currentUser() ? '#/locker' : '#/welcome';
}

/** "Cart" and its count, for the link and for screen readers. */
function cartLabel(count) {
  return [
    icon('cart', 'nav-icon'),
    'Cart',
    h('span', { class: 'badge', hidden: count === 0, 'aria-hidden': 'true' }, String(count)),
    h('span', { class: 'sr-only' }, count === 0 ? '' : `, ${count} item${count === 1 ? '' : 's'}`),
  ];
}

function renderNav() {
  const user = currentUser();
  const here = location.hash.split('?')[0];
  const links = NAV.filter((item) => (!item.auth || user) && (!item.admin || user?.role === 'ADMIN'));
  const current = (item) => (here.startsWith(item.href) ? 'page' : null);
  const more = links.filter((item) => !item.tab);
  replace(
    document.getElementById('nav'),
    h('ul', {}, links.map((item) =>
      h('li', { class: item.tab ? 'tab' : 'extra' }, h('a', {
        href: item.href,
        'aria-current': current(item),
        'data-cart': item.cart ? 'true' : null,
      }, item.cart ? cartLabel(cartCount()) : [item.tab ? icon(item.tab, 'nav-icon') : null, item.label]))),
    more.length
      ? h('li', { class: 'tab more-tab' }, rowMenu('More sections', more.map((item) => ({
        label: item.label, onclick: () => navigate(item.href),
      }))))
      : null),
  );
  const moreButton = document.querySelector('#nav .more-tab > .menu-wrap > button');
  if (moreButton) {
    moreButton.replaceChildren(icon('more', 'nav-icon'), h('span', { class: 'tab-label' }, 'More'));
    moreButton.removeAttribute('aria-label');
    moreButton.setAttribute('aria-label', 'More sections');
    if (more.some(current)) moreButton.setAttribute('aria-current', 'page');
  }
  const account = document.getElementById('account');
  if (user) {
    replace(account,
      h('span', { class: 'who' }, user.displayName),
      h('button', { type: 'button', class: 'link', onclick: leave }, 'Sign out'));
  } else {
    replace(account,
      h('a', { href: '#/signin' }, 'Sign in'),
      h('a', { href: '#/signup', class: 'button' }, 'Sign up'));
  }
}

onCartCount((count) => {
  const link = document.querySelector('#nav a[data-cart]');
  if (link) link.replaceChildren(...cartLabel(count));
});

async function leave() {
  stopPlayer();
  closeSubscriptions();
  await signOut();
  navigate('#/signin');
}

let current = null;

// Scroll: a page opens at its top; back and forward go where the reader
// was. Each history entry gets a key (in `history.state`), and the
// position is kept by key in sessionStorage, so a reload keeps it too.
history.scrollRestoration = 'manual';
const SCROLL_STORE = 'cadenza.scroll';
const positions = (() => {
  try { return JSON.parse(sessionStorage.getItem(SCROLL_STORE) || '{}'); } catch { return {}; }
})();
let entry = null;
let saveTimer = null;

/** The current history entry's key, given one if it has none (a new entry). */
function entryKey() {
  const state = history.state ?? {};
  if (state.entry) return { key: state.entry, known: state.entry in positions };
  const key = crypto.randomUUID().slice(0, 8);
  history.replaceState({ ...state, entry: key }, '');
  return { key, known: false };
}

window.addEventListener('scroll', () => {
  if (!entry) return;
  positions[entry] = window.scrollY;
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => {
    // Only the latest few dozen entries matter.
    const keys = Object.keys(positions);
    for (const old of keys.slice(0, Math.max(0, keys.length - 50))) delete positions[old];
    try { sessionStorage.setItem(SCROLL_STORE, JSON.stringify(positions)); } catch { /* full: not kept */ }
  }, 200);
}, { passive: true });

/**
 * Goes back to `y` once the page is tall enough (its rows may arrive after
 * it renders), for at most two seconds, and not after the reader scrolled.
 */
function restoreScroll(y, signal) {
  const main = document.getElementById('main');
  const target = entry;
  const attempt = () => {
    window.scrollTo(0, y);
    return Math.abs(window.scrollY - y) < 2;
  };
  if (attempt()) return;
  const observer = new ResizeObserver(() => {
    if (signal.aborted || entry !== target || attempt()) observer.disconnect();
  });
  observer.observe(main);
  setTimeout(() => observer.disconnect(), 2000);
}

/** The page's own title (WCAG 2.4.2): its `data-title`, else its heading's text. */
function titleOf(page) {
  const own = page?.dataset?.title || page?.querySelector?.('.page-title')?.textContent?.trim();
  return own ? `${own} · Cadenza` : 'Cadenza';
}

/** Renders the page the URL names, ending the previous page's work. */
async function render() {
  const [path, search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  if (!path) {
    location.replace(home());
    return;
  }
  current?.abort();
  clearToasts();
  const { key, known } = entryKey();
  entry = key;
  const scrollTo = known ? positions[key] : 0;
  const wantedFocus = focusAfter;
  focusAfter = null;
  const controller = new AbortController();
  current = controller;
  renderNav();
  const main = document.getElementById('main');
  const found = match(path);
  const user = currentUser();
  const show = (...nodes) => {
    replace(main, ...nodes);
    document.title = titleOf(main);
    window.scrollTo(0, 0);
  };
  if (!found) {
    show(heading('Not found'), note('There is no page at this address.'), h('a', { href: home() }, 'Go home'));
    return;
  }
  if (found.route.auth && !user) {
    navigate(`#/signin?next=${encodeURIComponent(location.hash)}`);
    return;
  }
  if (found.route.admin && user?.role !== 'ADMIN') {
    show(heading('Not allowed'), note('This page is for administrators.'));
    return;
  }
  main.setAttribute('aria-busy', 'true');
  try {
    const module = await found.route.load();
    const view = module[found.route.view ?? 'render'];
    const page = await view({
      params: found.params,
      query: new URLSearchParams(search),
      user,
      navigate,
      signal: controller.signal,
    });
    if (controller.signal.aborted) return;
    replace(main, page);
    document.title = titleOf(page);
    if (scrollTo > 0) restoreScroll(scrollTo, controller.signal);
    else window.scrollTo(0, 0);
    const control = wantedFocus && main.querySelector(wantedFocus);
    if (control) control.focus({ preventScroll: scrollTo > 0 });
    else main.querySelector('.page-title')?.focus({ preventScroll: true });
  } catch (err) {
    if (controller.signal.aborted) return;
    show(heading('Something went wrong'), note(errorMessage(err)));
    if (err?.code === 'UNAUTHENTICATED') navigate(`#/signin?next=${encodeURIComponent(location.hash)}`);
  } finally {
    if (current === controller) main.removeAttribute('aria-busy');
  }
}

window.addEventListener('hashchange', render);
// The skip link cannot go by its href: `#main` is a hash, and the hash is
// the router's (it would render "Not found"). It moves the focus instead.
document.querySelector('.skip')?.addEventListener('click', (event) => {
  event.preventDefault();
  document.getElementById('main').focus();
});
onSessionChange((session) => {
  renderNav();
  refreshCartCount();
  if (!session) {
    stopPlayer();
    closeSubscriptions();
    const found = match(location.hash.replace(/^#\/?/, '').split('?')[0]);
    if (!found || found.route.auth) navigate('#/signin');
  }
});
window.addEventListener('unhandledrejection', (event) => {
  toast(errorMessage(event.reason), 'error');
});

initPlayer(document.getElementById('player'));
refreshCartCount();
render();
