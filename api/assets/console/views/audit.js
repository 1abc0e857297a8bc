// The auditor's screen: a case as it stood at a chosen moment
// (GET /audit/complaints/{id}?as_of=) and the log's verification (GET /audit/verify).

import { api } from '../api.js';
import { h, ltr } from '../dom.js';
import { label, t } from '../i18n.js';
import { errorBox, facts, field, time } from '../ui.js';

export async function render(root, context) {
  const idInput = h('input', { type: 'text', dir: 'ltr', value: context.arg || '', placeholder: '00000000-0000-0000-0000-000000000000', spellcheck: 'false' });
  const whenInput = h('input', { type: 'datetime-local', dir: 'ltr', step: '0.001' });
  const result = h('div', { id: 'as-of-result' });
  const form = h(
    'form',
    { class: 'card', id: 'as-of-form', novalidate: true },
    h('h2', {}, t('audit.as_of_title')),
    field('id', t('audit.case_id'), idInput),
    field('as_of', t('audit.as_of'), whenInput, t('audit.as_of_hint')),
    h('button', { type: 'submit', id: 'as-of-submit' }, t('audit.show')),
    result,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    result.replaceChildren();
    const query = {};
    if (whenInput.value) query.as_of = new Date(whenInput.value).toISOString();
    try {
      const { json } = await api('GET', `/audit/complaints/${encodeURIComponent(idInput.value.trim())}`, { query });
      result.append(pastState(json));
    } catch (error) {
      result.append(errorBox(error));
    }
  });

  const verifyResult = h('div', { id: 'verify-result', role: 'status' });
  const verifyButton = h('button', { type: 'button', id: 'verify' }, t('audit.verify'));
  verifyButton.addEventListener('click', async () => {
    verifyResult.replaceChildren(h('p', { class: 'hint' }, t('audit.verifying')));
    verifyButton.disabled = true;
    try {
      const { json } = await api('GET', '/audit/verify');
      const broken = json.first_broken;
      verifyResult.replaceChildren(
        h('p', { class: `notice ${json.ok ? 'ok' : 'error'}`, id: 'verify-ok', dataset: { ok: String(json.ok) } }, json.ok ? t('audit.verified') : t('audit.broken')),
        facts([
          [t('audit.streams'), String(json.streams_checked)],
          [t('audit.events'), String(json.events_checked)],
          [t('audit.seals'), String(json.seals_checked ?? 0)],
          broken ? [t('audit.first_broken'), h('span', {}, ltr(`${broken.stream} v${broken.version}`), ' ', broken.reason ?? '')] : null,
        ]),
      );
    } catch (error) {
      verifyResult.replaceChildren(errorBox(error));
    } finally {
      verifyButton.disabled = false;
    }
  });
  root.append(
    h('h1', {}, t('nav.audit')),
    form,
    h('section', { class: 'card' }, h('h2', {}, t('audit.verify_title')), h('p', { class: 'hint' }, t('audit.verify_hint')), verifyButton, verifyResult),
  );
  if (context.arg) form.requestSubmit();
}

function pastState(json) {
  const state = json.state || {};
  return h(
    'div',
    { class: 'past-state' },
    h('p', {}, t('audit.at_version', { v: json.version, current: json.current_version })),
    facts(Object.entries(state).map(([key, value]) => [key, typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value ?? '—')])),
    h('h3', {}, t('case.timeline')),
    h(
      'ol',
      { class: 'timeline' },
      (json.events || []).map((event) =>
        h('li', {}, h('strong', {}, label('event', event.type)), ' ', time(event.occurred_at), ' · ', ltr(event.hash, 'ltr hash')),
      ),
    ),
  );
}
