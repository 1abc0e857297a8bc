// The staff console: sign-in, the role's screens, hash routing and language.
// Every screen talks only to the documented /api/v1 JSON API.

import { detectRole, session, whenUnauthorized } from './api.js';
import { clear, h } from './dom.js';
import { currentLang, loadLanguage, t } from './i18n.js';
import * as signin from './views/signin.js';
import * as counter from './views/counter.js';
import * as cases from './views/cases.js';
import * as casePage from './views/case.js';
import * as queue from './views/queue.js';
import * as dashboard from './views/dashboard.js';
import * as audit from './views/audit.js';
import * as servicesView from './views/services.js';
import * as servicePage from './views/service.js';

/** Which roles may open each screen (the API's own role table). */
export const SCREENS = {
  counter: { roles: ['desk', 'gender_desk', 'supervisor'], view: counter },
  cases: { roles: ['desk', 'gender_desk', 'supervisor', 'auditor'], view: cases },
  case: { roles: ['desk', 'gender_desk', 'supervisor', 'auditor'], view: casePage, hidden: true },
  queue: { roles: ['gender_desk', 'supervisor', 'auditor'], view: queue },
  dashboard: { roles: ['supervisor', 'auditor'], view: dashboard },
  audit: { roles: ['auditor'], view: audit },
  services: { roles: ['desk', 'gender_desk', 'supervisor', 'auditor'], view: servicesView },
  service: { roles: ['desk', 'gender_desk', 'supervisor', 'auditor'], view: servicePage, hidden: true },
};

const state = { role: null, cleanup: null, notice: null };
const root = document.getElementById('view');

function markazName() {
  const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content || '';
  return { en: meta('markaz-name-en'), ur: meta('markaz-name-ur') };
}

function parseHash() {
  const [path, query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [screen, ...rest] = path.split('/');
  return { screen, arg: rest.join('/') || null, params: new URLSearchParams(query) };
}

export function navigate(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

function firstScreen(role) {
  return Object.entries(SCREENS).find(([, s]) => !s.hidden && s.roles.includes(role))?.[0];
}

function renderChrome() {
  document.title = t('app.title');
  document.getElementById('brand').textContent = t('app.title');
  const lang = document.getElementById('lang');
  lang.textContent = currentLang() === 'ur' ? 'English' : 'اردو';
  lang.lang = currentLang() === 'ur' ? 'en' : 'ur';
  const signout = document.getElementById('signout');
  signout.textContent = t('signout');
  signout.hidden = !state.role;
  const who = document.getElementById('who');
  who.textContent = state.role ? t('who', { role: t(`role.${state.role}`) }) : '';
  who.dataset.role = state.role || '';
  const nav = document.getElementById('nav');
  clear(nav);
  if (!state.role) return;
  const { screen } = parseHash();
  for (const [name, s] of Object.entries(SCREENS)) {
    if (s.hidden || !s.roles.includes(state.role)) continue;
    nav.append(
      h('a', { href: `#/${name}`, id: `nav-${name}`, 'aria-current': name === screen ? 'page' : false }, t(`nav.${name}`)),
    );
  }
}

async function render() {
  if (state.cleanup) {
    state.cleanup();
    state.cleanup = null;
  }
  renderChrome();
  clear(root);
  if (!session.token() || !state.role) {
    signin.render(root, { notice: state.notice, onSignedIn });
    return;
  }
  const { screen, arg, params } = parseHash();
  const entry = SCREENS[screen];
  if (!entry) {
    const first = firstScreen(state.role);
    if (first) navigate(`#/${first}`);
    else root.append(h('div', { class: 'notice', id: 'no-screens' }, t('error.no_screens')));
    return;
  }
  if (!entry.roles.includes(state.role)) {
    // Nothing of a screen the role may not use is fetched or drawn.
    root.append(forbidden());
    return;
  }
  const context = { role: state.role, arg, params, navigate, markaz: markazName(), forbidden };
  state.cleanup = (await entry.view.render(root, context)) || null;
}

export function forbidden() {
  return h(
    'section',
    { class: 'clear-screen', id: 'forbidden' },
    h('h1', {}, t('forbidden.title')),
    h('p', {}, t('forbidden.body')),
  );
}

async function onSignedIn(token) {
  session.signIn(token);
  state.notice = null;
  try {
    state.role = await detectRole();
  } catch (error) {
    session.signOut();
    state.role = null;
    throw error;
  }
  if (location.hash && location.hash !== '#/' && location.hash !== '#') render();
  else navigate(`#/${firstScreen(state.role) || ''}`);
}

function signOut(notice) {
  session.signOut();
  state.role = null;
  state.notice = notice || null;
  render();
}

whenUnauthorized(() => {
  if (state.role) signOut(t('signin.expired'));
});

async function start() {
  await loadLanguage();
  document.getElementById('lang').addEventListener('click', async () => {
    await loadLanguage(currentLang() === 'ur' ? 'en' : 'ur');
    render();
  });
  document.getElementById('signout').addEventListener('click', () => signOut(t('signin.signed_out')));
  window.addEventListener('hashchange', render);
  if (session.token()) {
    try {
      state.role = await detectRole();
    } catch (error) {
      session.signOut();
      state.role = null;
      state.notice = error.status === 401 ? t('signin.expired') : error.message;
    }
  }
  render();
}

start();
