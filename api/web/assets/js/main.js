// The app's shell: navigation, the account corner, the player bar, and a
// router over the URL's hash (`#/locker`, `#/product/<id>`), so every page
// has an address that survives a reload and the server serves one page.

import { h, replace, heading, note, toast, errorMessage } from './dom.js';
import { currentUser, onSessionChange, signOut } from './session.js';
import { closeSubscriptions } from './api.js';
import { initPlayer, stopPlayer } from './player.js';

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
  { path: 'cart', load: () => import('./pages/cart.js'), auth: true },
  { path: 'orders', load: () => import('./pages/orders.js'), auth: true },
  { path: 'for-you', load: () => import('./pages/for-you.js'), auth: true },
  { path: 'privacy', load: () => import('./pages/privacy.js'), auth: true },
  { path: 'admin', load: () => import('./pages/admin.js'), auth: true, admin: true },
];

const NAV = [
  { href: '#/locker', label: 'Locker', auth: true },
  { href: '#/playlists', label: 'Playlists', auth: true },
  { href: '#/search', label: 'Search' },
  { href: '#/store', label: 'Store' },
  { href: '#/for-you', label: 'For you', auth: true },
  { href: '#/cart', label: 'Cart', auth: true },
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
  return currentUser() ? '#/locker' : '#/signin';
}

function renderNav() {
  const user = currentUser();
  const here = location.hash.split('?')[0];
  const links = NAV.filter((item) => (!item.auth || user) && (!item.admin || user?.role === 'ADMIN'));
  replace(
    document.getElementById('nav'),
    h('ul', {}, links.map((item) =>
      h('li', {}, h('a', {
        href: item.href,
        'aria-current': here.startsWith(item.href) ? 'page' : null,
      }, item.label)))),
  );
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

async function leave() {
  stopPlayer();
  closeSubscriptions();
  await signOut();
  navigate('#/signin');
}

let current = null;

/** Renders the page the URL names, ending the previous page's work. */
async function render() {
  const [path, search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  if (!path) {
    location.replace(home());
    return;
  }
  current?.abort();
  const wantedFocus = focusAfter;
  focusAfter = null;
  const controller = new AbortController();
  current = controller;
  renderNav();
  const main = document.getElementById('main');
  const found = match(path);
  const user = currentUser();
  if (!found) {
    replace(main, heading('Not found'), note('There is no page at this address.'), h('a', { href: home() }, 'Go home'));
    return;
  }
  if (found.route.auth && !user) {
    navigate(`#/signin?next=${encodeURIComponent(location.hash)}`);
    return;
  }
  if (found.route.admin && user?.role !== 'ADMIN') {
    replace(main, heading('Not allowed'), note('This page is for administrators.'));
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
    const control = wantedFocus && main.querySelector(wantedFocus);
    if (control) control.focus();
    else main.querySelector('.page-title')?.focus({ preventScroll: true });
  } catch (err) {
    if (controller.signal.aborted) return;
    replace(main, heading('Something went wrong'), note(errorMessage(err)));
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
render();
