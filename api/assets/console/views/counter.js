// The counter: file a complaint (POST /complaints), then its printable receipt.

import { api, IdempotencyKeys } from '../api.js';
import { h } from '../dom.js';
import { currentLang, t } from '../i18n.js';
import { clearFieldErrors, errorBox, field, select, showFieldErrors } from '../ui.js';
import { receipt } from './receipt.js';

let categoriesCache = null;

export async function categories() {
  if (!categoriesCache) {
    const { json } = await api('GET', '/categories');
    categoriesCache = json.categories;
  }
  return categoriesCache;
}

export function categoryName(list, code) {
  const found = list.find((c) => c.code === code);
  if (!found) return code;
  return currentLang() === 'ur' ? found.name_ur : found.name_en;
}

const GENDERS = ['male', 'female', 'transgender', 'undisclosed'];
const CHANNELS = ['counter', 'phone', 'online', 'email'];

export async function render(root, context) {
  let list;
  try {
    list = await categories();
  } catch (error) {
    root.append(errorBox(error));
    return;
  }
  const keys = new IdempotencyKeys();
  const input = (attrs = {}) => h('input', { type: 'text', ...attrs });
  const categorySelect = select(
    [['', t('counter.choose_category')], ...list.map((c) => [c.code, `${categoryName(list, c.code)}${c.gender_sensitive ? ' ♀' : ''}`])],
    '',
  );
  const genderSelect = select([['', t('counter.choose_gender')], ...GENDERS.map((g) => [g, t(`gender.${g}`)])], '');
  const genderDesk = h('input', { type: 'checkbox', id: 'f-gender_desk' });
  const deskNotice = h('p', { class: 'notice gender-desk-notice', id: 'gender-desk-notice', hidden: true });
  const message = h('div', { id: 'counter-message', role: 'status' });
  const submit = h('button', { type: 'submit', id: 'file' }, t('counter.submit'));

  const form = h(
    'form',
    { class: 'card counter', id: 'counter-form', novalidate: true },
    h('h1', {}, t('counter.title')),
    h(
      'fieldset',
      {},
      h('legend', {}, t('counter.complainant')),
      field('complainant.name', t('field.name'), input({ autocomplete: 'off', maxlength: 100, dir: 'auto' })),
      field('complainant.gender', t('field.gender'), genderSelect),
      field('complainant.phone', t('field.phone'), input({ type: 'tel', dir: 'ltr', inputmode: 'tel', placeholder: '03XX-XXXXXXX' })),
      field('complainant.cnic', t('field.cnic'), input({ dir: 'ltr', inputmode: 'numeric', placeholder: 'XXXXX-XXXXXXX-X' }), t('field.optional')),
      field('complainant.address', t('field.address'), input({ maxlength: 500, dir: 'auto' }), t('field.optional')),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, t('counter.complaint')),
      field('category', t('field.category'), categorySelect),
      field('description', t('field.description'), h('textarea', { rows: 5, maxlength: 4000, dir: 'auto' })),
      field('location', t('field.location'), input({ maxlength: 500, dir: 'auto' }), t('field.optional')),
      field('channel', t('field.channel'), select(CHANNELS.map((c) => [c, t(`channel.${c}`)]), 'counter')),
      h(
        'div',
        { class: 'field checkbox' },
        genderDesk,
        h('label', { for: 'f-gender_desk' }, t('counter.gender_desk')),
        h('p', { class: 'hint', id: 'gender-desk-explained' }, t('counter.gender_desk_explained')),
      ),
      deskNotice,
    ),
    submit,
    message,
  );
  genderDesk.name = 'gender_desk';

  const value = (name) => form.querySelector(`[name="${name}"]`).value.trim();
  const updateNotice = () => {
    const category = list.find((c) => c.code === value('category'));
    const reasons = [];
    if (genderDesk.checked) reasons.push(t('counter.reason_asked'));
    if (['female', 'transgender'].includes(value('complainant.gender'))) reasons.push(t('counter.reason_gender'));
    if (category?.gender_sensitive) reasons.push(t('counter.reason_category'));
    deskNotice.hidden = reasons.length === 0;
    deskNotice.textContent = reasons.length ? t('counter.goes_to_gender_desk', { reasons: reasons.join(t('list.separator')) }) : '';
  };
  form.addEventListener('change', updateNotice);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.replaceChildren();
    clearFieldErrors(form);
    const complainant = { name: value('complainant.name'), gender: value('complainant.gender'), phone: value('complainant.phone') };
    for (const optional of ['cnic', 'address']) {
      const text = value(`complainant.${optional}`);
      if (text) complainant[optional] = text;
    }
    const body = { complainant, category: value('category'), description: value('description'), channel: value('channel') };
    if (value('location')) body.location = value('location');
    if (genderDesk.checked) body.gender_desk = true;
    submit.disabled = true;
    try {
      const { json } = await api('POST', '/complaints', { body, idempotencyKey: keys.for(body) });
      keys.reset();
      const filed = { ...json, category: body.category };
      try {
        // The public view of the new case: its filing time, as the citizen will see it.
        const tracked = await api('GET', `/track/${encodeURIComponent(json.tracking_code)}`, { query: { min_position: json.position } });
        filed.filed_at = tracked.json.filed_at;
      } catch {
        filed.filed_at = null;
      }
      root.replaceChildren(receipt(filed, { categories: list, markaz: context.markaz, onNew: () => context.navigate('#/counter') }));
      window.scrollTo(0, 0);
    } catch (error) {
      const unplaced = error.fieldErrors.length ? showFieldErrors(form, error) : null;
      if (unplaced === null) message.append(errorBox(error));
      else {
        message.append(h('p', { class: 'notice error', role: 'alert', id: 'counter-invalid' }, t('counter.fix_fields')));
        for (const text of unplaced) message.append(h('p', { class: 'field-error' }, text));
        form.querySelector('[aria-invalid="true"]')?.focus();
      }
    } finally {
      submit.disabled = false;
    }
  });
  root.append(form);
}
