// The app shell: hash routes (#/assess, #/live, #/results/<id>, #/trends, #/dashboard,
// #/history, #/about), the header (who is signed in, sign-out), the local sign-in form, and the
// page lifecycle (each page renders into a fresh view; what it started is stopped on leave).

import { currentSession, signIn, signOut } from './api.js';
import { h, clear, showError, clearError, announce, note } from './render.js';

const ROUTES = [
  { path: 'assess', title: 'Assessment', load: () => import('./pages/assess.js'), person: true },
  { path: 'live', title: 'Real-Time', load: () => import('./pages/live.js'), person: true },
  { path: 'results', title: 'Results', load: () => import('./pages/results.js'), person: true },
  { path: 'trends', title: 'Trends', load: () => import('./pages/trends.js'), person: true },
  { path: 'dashboard', title: 'Dashboard', load: () => import('./pages/dashboard.js') },
  { path: 'history', title: 'History', load: () => import('./pages/history.js'), person: true },
  { path: 'about', title: 'About', load: () => import('./pages/about.js') },
];

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');

let current = null;        // {leave: [fn], controller}
let firstRender = true;

function parseHash() {
  const raw = decodeURIComponent((location.hash || '').replace(/^#\/?/, ''));
  const parts = raw.split('/').filter(Boolean);
  return { path: parts[0] || '', params: parts.slice(1) };
}

function defaultPath(session) {
  return session && session.role === 'operator' ? 'dashboard' : 'assess';
}

function buildNav() {
  clear(nav);
  const list = h('ul', {});
  for (const r of ROUTES) {
    list.append(h('li', {}, h('a', { href: `#/${r.path}`, dataset: { route: r.path } }, r.title)));
  }
  nav.append(list);
}

function markNav(path) {
  for (const a of nav.querySelectorAll('a')) {
    if (a.dataset.route === path) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function renderHeader(session) {
  clear(who);
  const navBlock = document.getElementById('site-nav');
  if (!session) {
    navBlock.hidden = true;
    return;
  }
  navBlock.hidden = false;
  who.append(
    h('span', { class: 'who-name' }, 'Signed in as ', h('strong', { dataset: { testid: 'signed-in-user' } }, session.user_id),
      ` (${session.role === 'operator' ? 'operator' : 'person'})`),
    h('button', { type: 'button', id: 'sign-out', class: 'secondary', on: { click: () => signOut('') } }, 'Sign out'),
  );
}

function leavePage() {
  if (!current) return;
  current.controller.abort();
  for (const fn of current.leave.splice(0)) {
    try {
      fn();
    } catch (e) {
      console.error(e);
    }
  }
  current = null;
}

function renderSignIn(reason) {
  leavePage();
  renderHeader(null);
  document.title = 'Sign in - burnout-risk';
  clear(main);
  const userInput = h('input', {
    id: 'signin-user', name: 'user_id', type: 'text', required: true, autocomplete: 'username',
    maxlength: '128', spellcheck: 'false', autocapitalize: 'none',
  });
  const roleSelect = h('select', { id: 'signin-role', name: 'role' },
    h('option', { value: 'person' }, 'Person: my own data'),
    h('option', { value: 'operator' }, 'Operator: organisation totals only'));
  const button = h('button', { type: 'submit' }, 'Sign in');
  const status = h('p', { class: 'form-status', role: 'status' });
  const form = h('form', { class: 'card signin', 'aria-labelledby': 'signin-title', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'signin-user' }, 'User id'), userInput),
    h('div', { class: 'field' }, h('label', { for: 'signin-role' }, 'Role'), roleSelect),
    button, status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearError();
    const user = userInput.value.trim();
    if (!user) {
      showError({ message: 'Please enter a user id.' }, 'Cannot sign in');
      userInput.focus();
      return;
    }
    button.disabled = true;
    status.textContent = 'Signing in...';
    try {
      await signIn(user, roleSelect.value);
      status.textContent = '';
      route();
    } catch (err) {
      status.textContent = '';
      showError(err, 'Cannot sign in');
    } finally {
      button.disabled = false;
    }
  });
  main.append(
    h('h1', { id: 'signin-title', tabindex: '-1' }, 'Local sign-in (development stack)'),
    note('This sign-in is for the development stack on this computer: it gives a token for the user id ' +
      'you type. A real deployment uses your organisation\'s sign-in instead.'),
    reason ? h('p', { class: 'note' }, `You were signed out: ${reason}`) : null,
    form,
    h('p', { class: 'note' },
      'A person sees only their own data. An operator sees only organisation-wide totals of groups large ' +
      'enough to keep everyone anonymous, never one person\'s results.'),
  );
  if (!firstRender) main.querySelector('h1').focus();
  firstRender = false;
}

async function route() {
  const session = currentSession();
  if (!session) {
    renderSignIn('');
    return;
  }
  let { path, params } = parseHash();
  const r = ROUTES.find((x) => x.path === path);
  if (!r) {
    path = defaultPath(session);
    history.replaceState(null, '', `#/${path}`);
    params = [];
  }
  const routeDef = ROUTES.find((x) => x.path === path);
  leavePage();
  clearError();
  renderHeader(session);
  markNav(path);
  document.title = `${routeDef.title} - burnout-risk`;

  const controller = new AbortController();
  const ctx = {
    session,
    params,
    signal: controller.signal,
    leave: [],
    onLeave(fn) { this.leave.push(fn); },
    navigate(hash) { location.hash = hash; },
  };
  current = { controller, leave: ctx.leave };
  const view = h('div', { class: `page page-${path}` });
  ctx.view = view;
  clear(main).append(view);

  const focusHeading = () => {
    if (firstRender) {
      firstRender = false;
      return;
    }
    const heading = view.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus();
    }
  };

  if (routeDef.person && session.role === 'operator') {
    view.append(h('h1', {}, routeDef.title),
      note('This page shows one person\'s own data, so it is not available to an operator account. ' +
        'Operators see the organisation\'s anonymous group totals on the Dashboard.'),
      h('p', {}, h('a', { href: '#/dashboard' }, 'Go to the Dashboard')));
    focusHeading();
    announce(`${routeDef.title} page`);
    return;
  }

  try {
    const mod = await routeDef.load();
    if (controller.signal.aborted) return;
    const done = mod.render(ctx);
    focusHeading();
    announce(`${routeDef.title} page`);
    await done;
  } catch (err) {
    if (controller.signal.aborted || (err && err.name === 'AbortError')) return;
    console.error(err);
    if (!view.querySelector('h1')) view.append(h('h1', {}, routeDef.title));
    showError(err, `The ${routeDef.title} page could not be shown`);
  }
}

function setup() {
  buildNav();
  document.getElementById('skip-link').addEventListener('click', (e) => {
    e.preventDefault();
    main.focus();
    main.scrollIntoView();
  });
  window.addEventListener('hashchange', route);
  window.addEventListener('burnout:signed-out', (e) => {
    const reason = e.detail && e.detail.reason;
    renderSignIn(reason || '');
  });
  window.addEventListener('unhandledrejection', (e) => {
    const err = e.reason;
    if (err && err.name === 'AbortError') return;
    showError(err);
  });
  route();
}

setup();
