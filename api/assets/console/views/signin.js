// Sign-in with a bearer token, kept only in this tab's session storage.

import { h } from '../dom.js';
import { t } from '../i18n.js';

export function render(root, { notice, onSignedIn }) {
  const input = h('input', {
    type: 'password',
    id: 'token',
    name: 'token',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    dir: 'ltr',
  });
  const message = h('div', { id: 'signin-message', role: 'status' });
  if (notice) message.append(h('p', { class: 'notice' }, notice));
  const button = h('button', { type: 'submit', id: 'signin' }, t('signin.submit'));
  const form = h(
    'form',
    { class: 'card signin', id: 'signin-form', novalidate: true },
    h('h1', {}, t('signin.title')),
    h('p', { class: 'hint' }, t('signin.explain')),
    h('div', { class: 'field' }, h('label', { for: 'token' }, t('signin.token')), input),
    button,
    message,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = input.value.trim();
    message.replaceChildren();
    if (!token) {
      message.append(h('p', { class: 'field-error' }, t('signin.empty')));
      return;
    }
    button.disabled = true;
    try {
      await onSignedIn(token);
    } catch (error) {
      const text = error.status === 401 ? t('signin.rejected') : error.message;
      message.append(h('p', { class: 'notice error', role: 'alert' }, text));
    } finally {
      button.disabled = false;
    }
  });
  root.append(form);
  input.focus();
}
