// Services at the counter: take a request (POST /service-requests) with the
// fields and documents its catalogue entry asks for, and the recent requests
// (GET /service-requests), each opening its page.

import { api, IdempotencyKeys } from '../api.js';
import { h, ltr } from '../dom.js';
import { currentLang, t } from '../i18n.js';
import { clearFieldErrors, errorBox, field, labelCells, select, showFieldErrors, time } from '../ui.js';

let servicesCache = null;

export async function services() {
  if (!servicesCache) {
    const { json } = await api('GET', '/services');
    servicesCache = json.services;
  }
  return servicesCache;
}

export function serviceName(list, code) {
  const found = list.find((s) => s.code === code);
  if (!found) return code;
  return currentLang() === 'ur' ? found.name_ur : found.name_en;
}

/** The label of field `name` of service `code`, in the console's language (its name if unknown). */
export function fieldLabel(list, code, name) {
  const found = (list.find((s) => s.code === code)?.fields || []).find((f) => f.name === name);
  if (!found) return name;
  return currentLang() === 'ur' ? found.label_ur : found.label_en;
}

const ACTING_ROLES = ['desk', 'gender_desk', 'supervisor'];

export async function render(root, context) {
  let list;
  let recent;
  try {
    list = await services();
    recent = (await api('GET', '/service-requests', { query: { limit: 20 } })).json.items;
  } catch (error) {
    root.append(h('h1', {}, t('services.title')), errorBox(error));
    return;
  }
  if (ACTING_ROLES.includes(context.role)) root.append(requestForm(list, context));
  root.append(recentTable(list, recent));
}

function requestForm(list, context) {
  const keys = new IdempotencyKeys();
  const input = (attrs = {}) => h('input', { type: 'text', ...attrs });
  const serviceSelect = select(
    [['', t('services.choose')], ...list.map((s) => [s.code, serviceName(list, s.code)])],
    '',
  );
  const specific = h('fieldset', { id: 'service-specific', hidden: true });
  const message = h('div', { id: 'services-message', role: 'status' });
  const submit = h('button', { type: 'submit', id: 'request-service' }, t('services.submit'));
  const form = h(
    'form',
    { class: 'card counter', id: 'service-form', novalidate: true },
    h('h1', {}, t('services.title')),
    field('service', t('services.service'), serviceSelect),
    h(
      'fieldset',
      {},
      h('legend', {}, t('services.applicant')),
      field('applicant.name', t('field.name'), input({ autocomplete: 'off', maxlength: 100, dir: 'auto' })),
      field('applicant.phone', t('field.phone'), input({ type: 'tel', dir: 'ltr', placeholder: '03XX-XXXXXXX' })),
      field('applicant.cnic', t('field.cnic'), input({ dir: 'ltr', placeholder: 'XXXXX-XXXXXXX-X' })),
      field('applicant.address', t('field.address'), input({ maxlength: 500, dir: 'auto' }), t('field.optional')),
    ),
    specific,
    submit,
    message,
  );
  const chosen = () => list.find((s) => s.code === serviceSelect.value);
  serviceSelect.addEventListener('change', () => {
    const service = chosen();
    specific.replaceChildren();
    specific.hidden = !service;
    if (!service) return;
    const ur = currentLang() === 'ur';
    specific.append(
      h('legend', {}, ur ? service.name_ur : service.name_en),
      h(
        'p',
        { class: 'hint', id: 'service-promise' },
        t('services.promise', { days: service.deadline_working_days, fee: service.fee_rupees }),
        service.station_verification ? ` ${t('services.station_needed')}` : '',
      ),
      ...service.fields.map((f) =>
        field(
          `fields.${f.name}`,
          ur ? f.label_ur : f.label_en,
          input({ dir: 'auto', type: f.kind === 'date' ? 'date' : 'text' }),
          f.required ? null : t('field.optional'),
        ),
      ),
      h(
        'div',
        { class: 'field', id: 'documents' },
        h('p', {}, t('services.documents')),
        service.documents.map((document, index) =>
          h(
            'label',
            { class: 'checkbox' },
            h('input', { type: 'checkbox', name: 'documents_checked', id: `doc-${index}`, value: document }),
            ' ',
            document,
          ),
        ),
      ),
    );
  });
  const value = (name) => form.querySelector(`[name="${CSS.escape(name)}"]`)?.value.trim() ?? '';
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.replaceChildren();
    clearFieldErrors(form);
    const service = chosen();
    const applicant = { name: value('applicant.name'), phone: value('applicant.phone'), cnic: value('applicant.cnic') };
    if (value('applicant.address')) applicant.address = value('applicant.address');
    const fields = {};
    for (const f of service?.fields ?? []) {
      const text = value(`fields.${f.name}`);
      if (text) fields[f.name] = text;
    }
    const documents = {};
    for (const box of form.querySelectorAll('[name="documents_checked"]')) {
      if (box.checked) documents[box.value] = true;
    }
    const body = { service: serviceSelect.value, applicant, fields, documents_checked: documents };
    submit.disabled = true;
    try {
      const { json } = await api('POST', '/service-requests', { body, idempotencyKey: keys.for(body) });
      keys.reset();
      form.replaceWith(requestReceipt(json, context));
      window.scrollTo(0, 0);
    } catch (error) {
      const unplaced = error.fieldErrors.length ? showFieldErrors(form, error) : null;
      if (unplaced === null) message.append(errorBox(error));
      else {
        message.append(h('p', { class: 'notice error', role: 'alert', id: 'services-invalid' }, t('counter.fix_fields')));
        for (const text of unplaced) message.append(h('p', { class: 'field-error' }, text));
      }
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

/** What the citizen is handed: the tracking code and the promised date. */
function requestReceipt(requested, context) {
  return h(
    'section',
    { class: 'card receipt', id: 'service-receipt' },
    h('h1', {}, currentLang() === 'ur' ? requested.service_name_ur : requested.service_name_en),
    h('p', { class: 'code' }, ltr(requested.tracking_code, 'ltr code'), ' ', h('span', { id: 'service-tracking-code', hidden: true }, requested.tracking_code)),
    h('p', {}, t('services.issue_by'), ' ', time(requested.issue_by)),
    h('p', { class: 'hint' }, t('services.receipt_hash'), ' ', ltr(requested.receipt_hash)),
    h(
      'p',
      {},
      h('a', { href: `#/service/${requested.id}`, id: 'open-service' }, t('services.open')),
      ' · ',
      h('a', { href: '#/services', onclick: () => context.navigate('#/services') }, t('services.new')),
    ),
  );
}

function recentTable(list, recent) {
  return h(
    'section',
    { class: 'card' },
    h('h2', {}, t('services.recent')),
    recent.length === 0
      ? h('p', { class: 'notice', id: 'no-services' }, t('services.none'))
      : labelCells(
          h(
            'table',
            { class: 'list', id: 'service-list' },
            h('thead', {}, h('tr', {}, [t('col.code'), t('services.service'), t('col.status'), t('services.requested_at')].map((c) => h('th', {}, c)))),
            h(
              'tbody',
              {},
              recent.map((r) =>
                h(
                  'tr',
                  { dataset: { id: r.id } },
                  h('td', {}, h('a', { href: `#/service/${r.id}` }, ltr(r.tracking_code, 'ltr code'))),
                  h('td', {}, serviceName(list, r.service)),
                  h('td', {}, h('span', { class: `badge status-${r.status}` }, t(`service_status.${r.status}`))),
                  h('td', {}, time(r.requested_at)),
                ),
              ),
            ),
          ),
        ),
  );
}
