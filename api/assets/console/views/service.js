// One service request: its staff view (GET /service-requests/{id}), its
// timeline, the steps its lifecycle allows now (each with If-Match and an
// Idempotency-Key), and the printable document once issued.

import { api, IdempotencyKeys, session } from '../api.js';
import { h, ltr } from '../dom.js';
import { t } from '../i18n.js';
import { clearFieldErrors, errorBox, facts, field, select, showFieldErrors, time } from '../ui.js';
import { fieldLabel, serviceName, services } from './services.js';

/** The steps each status allows (the lifecycle table of docs/services.md). */
function steps(view) {
  const open = view.station_verification ? ['verification', 'refusal', 'withdrawal'] : ['issue', 'refusal', 'withdrawal'];
  switch (view.status) {
    case 'requested':
      return ['acknowledge', ...open];
    case 'acknowledged':
      return open;
    case 'at_station':
      return ['station-answer', 'refusal', 'withdrawal'];
    case 'verified':
      return [...(view.finding === 'clear' ? ['issue'] : []), 'verification', 'refusal', 'withdrawal'];
    case 'issued':
      return ['collection', 'reissue', 'revocation'];
    case 'collected':
      return ['reissue', 'revocation'];
    default:
      return [];
  }
}

const ACTING_ROLES = ['desk', 'gender_desk', 'supervisor'];

/** The inputs of each step's body. */
function stepInputs(step) {
  const text = (name, attrs = {}) => field(name, t(`service_field.${name}`), h('input', { type: 'text', maxlength: 500, dir: 'auto', ...attrs }));
  const area = (name) => field(name, t(`service_field.${name}`), h('textarea', { rows: 4, maxlength: 4000, dir: 'auto' }));
  switch (step) {
    case 'verification':
      return [text('station')];
    case 'station-answer':
      return [
        field('finding', t('service_field.finding'), select(['clear', 'adverse', 'not_found_at_address'].map((f) => [f, t(`finding.${f}`)]), 'clear')),
        text('case_references'),
        text('remarks'),
      ];
    case 'issue':
      return [area('text')];
    case 'reissue':
      return [area('text'), text('reason')];
    case 'refusal':
    case 'withdrawal':
    case 'revocation':
      return [text('reason')];
    default:
      return [];
  }
}

export async function render(root, context, minPosition) {
  const id = context.arg;
  let view;
  let timeline;
  let list;
  try {
    list = await services();
    const query = minPosition ? { min_position: minPosition } : undefined;
    [view, timeline] = await Promise.all([
      api('GET', `/service-requests/${encodeURIComponent(id)}`, { query }).then((a) => a.json),
      api('GET', `/service-requests/${encodeURIComponent(id)}/timeline`).then((a) => a.json),
    ]);
  } catch (error) {
    root.append(h('h1', {}, t('services.request')), errorBox(error));
    return;
  }
  const reload = (position) => {
    root.replaceChildren();
    return render(root, context, position);
  };
  const a = view.applicant || {};
  root.append(
    h(
      'div',
      { class: 'case-head' },
      h('h1', {}, t('services.request'), ' ', ltr(view.tracking_code, 'ltr code')),
      h('span', { class: `badge status-${view.status}`, id: 'service-status', dataset: { status: view.status } }, t(`service_status.${view.status}`)),
      h('span', { class: 'version', id: 'service-version', dataset: { version: String(view.version) } }, t('case.version', { v: view.version })),
    ),
    h(
      'div',
      { class: 'case-grid' },
      h(
        'section',
        { class: 'card' },
        h('h2', {}, serviceName(list, view.service)),
        facts([
          [t('services.requested_at'), time(view.requested_at)],
          [t('services.issue_by'), h('span', {}, time(view.issue_by), view.overdue ? h('span', { class: 'badge late' }, t('services.overdue')) : null)],
          [t('services.fee'), String(view.fee_rupees)],
          ...(view.fields || []).map((f) => [fieldLabel(list, view.service, f.name), f.value ?? '—']),
          view.station ? [t('service_field.station'), view.station] : null,
          view.finding ? [t('service_field.finding'), t(`finding.${view.finding}`)] : null,
          view.case_references ? [t('service_field.case_references'), view.case_references] : null,
          view.refusal_reason ? [t('services.refusal'), view.refusal_reason] : null,
          view.document_number ? [t('services.document'), ltr(view.document_number)] : null,
        ]),
      ),
      h(
        'section',
        { class: 'card' },
        h('h2', {}, t('services.applicant'), a.masked ? h('span', { class: 'badge' }, t('case.masked')) : null),
        facts([
          [t('field.name'), a.name],
          [t('field.phone'), a.phone ? ltr(a.phone) : '—'],
          [t('field.cnic'), a.cnic ? ltr(a.cnic) : '—'],
          [t('field.address'), a.address ?? '—'],
        ]),
      ),
    ),
  );
  if (ACTING_ROLES.includes(context.role)) root.append(actions(view, reload));
  if (view.document_number) root.append(printButton(view));
  root.append(
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('case.timeline')),
      h(
        'ol',
        { class: 'timeline', id: 'service-timeline' },
        timeline.events.map((event) => h('li', {}, h('strong', {}, event.type), ' ', time(event.occurred_at), ' ', ltr(event.hash.slice(0, 12)))),
      ),
    ),
  );
}

function actions(view, reload) {
  const section = h('section', { class: 'card', id: 'service-actions' }, h('h2', {}, t('case.actions')));
  const message = h('div', { role: 'status' });
  for (const step of steps(view)) {
    const keys = new IdempotencyKeys();
    const button = h('button', { type: 'submit', id: `step-${step}` }, t(`service_step.${step}`));
    const form = h('form', { class: 'action', dataset: { step } }, stepInputs(step), button);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      message.replaceChildren();
      clearFieldErrors(form);
      const body = {};
      for (const input of form.querySelectorAll('[name]')) {
        const text = input.value.trim();
        if (text) body[input.name] = text;
      }
      button.disabled = true;
      try {
        const { json } = await api('POST', `/service-requests/${encodeURIComponent(view.id)}/${step}`, {
          body,
          ifMatch: view.version,
          idempotencyKey: keys.for(body),
        });
        await reload(json.position);
      } catch (error) {
        if (error.fieldErrors.length) showFieldErrors(form, error);
        message.append(errorBox(error));
      } finally {
        button.disabled = false;
      }
    });
    section.append(form);
  }
  section.append(message);
  return section;
}

/** Fetches the printable document (it needs the token) and shows it for printing. */
function printButton(view) {
  const area = h('div', { id: 'service-document' });
  const button = h('button', { type: 'button', id: 'print-document' }, t('services.print'));
  button.addEventListener('click', async () => {
    const answer = await fetch(`/api/v1/service-requests/${encodeURIComponent(view.id)}/document`, {
      headers: { Authorization: `Bearer ${session.token()}` },
    });
    const page = new DOMParser().parseFromString(await answer.text(), 'text/html');
    area.replaceChildren(...[...page.body.children].map((node) => document.adoptNode(node)));
    window.print();
  });
  return h('section', { class: 'card' }, button, ' ', pdfButton(view), area);
}

/** Downloads the PDF of the document (it needs the token, so it is fetched, not linked). */
function pdfButton(view) {
  const button = h('button', { type: 'button', id: 'download-document-pdf' }, t('services.download_pdf'));
  button.addEventListener('click', async () => {
    const answer = await fetch(`/api/v1/service-requests/${encodeURIComponent(view.id)}/document.pdf`, {
      headers: { Authorization: `Bearer ${session.token()}` },
    });
    if (!answer.ok) return;
    const url = URL.createObjectURL(await answer.blob());
    const link = h('a', { href: url, download: `${view.document_number}.pdf` });
    document.body.append(link);
    link.click();
    link.remove();
    URL.revokeObjectURL(url);
  });
  return button;
}
