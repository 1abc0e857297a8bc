// One case: its status view (GET /complaints/{id}), full timeline and the
// actions its lifecycle allows now, each sent with If-Match (the version
// this page was drawn from) and an Idempotency-Key.

import { api, IdempotencyKeys } from '../api.js';
import { h, ltr } from '../dom.js';
import { label, t } from '../i18n.js';
import { clearFieldErrors, errorBox, facts, field, select, showFieldErrors, statusBadge, time } from '../ui.js';
import { categories, categoryName } from './counter.js';
import { receipt } from './receipt.js';

const ACTIONS = {
  filed: ['acknowledge', 'refer', 'resolve', 'withdraw'],
  acknowledged: ['refer', 'resolve', 'withdraw'],
  referred: ['refer', 'resolve', 'withdraw'],
  resolved: ['reopen'],
  withdrawn: [],
};
const ACTING_ROLES = ['desk', 'gender_desk', 'supervisor'];

export async function render(root, context, minPosition) {
  const id = context.arg;
  let view;
  let timeline;
  let list;
  try {
    list = await categories();
    const query = minPosition ? { min_position: minPosition } : undefined;
    [view, timeline] = await Promise.all([
      api('GET', `/complaints/${encodeURIComponent(id)}`, { query }).then((a) => a.json),
      api('GET', `/complaints/${encodeURIComponent(id)}/timeline`).then((a) => a.json),
    ]);
  } catch (error) {
    root.append(h('h1', {}, t('case.title')), errorBox(error));
    return;
  }
  const reload = (position) => {
    root.replaceChildren();
    return render(root, context, position);
  };
  const c = view.complainant || {};
  root.append(
    h(
      'div',
      { class: 'case-head' },
      h('h1', {}, t('case.title'), ' ', ltr(view.tracking_code, 'ltr code')),
      statusBadge(view.status),
      view.gender_desk ? h('span', { class: 'badge gd' }, t('gender_desk.short')) : null,
      h('span', { class: 'version', id: 'case-version', dataset: { version: String(view.version) } }, t('case.version', { v: view.version })),
    ),
    h(
      'div',
      { class: 'case-grid' },
      h(
        'section',
        { class: 'card' },
        h('h2', {}, t('case.details')),
        facts([
          [t('field.category'), categoryName(list, view.category)],
          [t('field.description'), h('span', { class: 'prewrap', dir: 'auto' }, view.description ?? '—')],
          [t('field.location'), view.location ?? '—'],
          [t('field.channel'), label('channel', view.channel)],
          [t('case.unit'), view.current_unit ?? '—'],
          [t('case.markaz'), view.markaz],
          [t('col.filed'), time(view.filed_at)],
          [t('case.ack_by'), h('span', {}, time(view.acknowledge_by), ' ', slaBadge(view.sla?.acknowledge))],
          [t('case.resolve_by'), h('span', {}, time(view.resolve_by), ' ', slaBadge(view.sla?.resolve))],
          view.outcome ? [t('field.outcome'), label('outcome', view.outcome)] : null,
          view.rating ? [t('case.rating'), String(view.rating.stars ?? view.rating)] : null,
          [t('case.reopened'), String(view.reopen_count ?? 0)],
          view.escalation
            ? [t('case.escalation'), h('span', { id: 'case-escalation' }, h('span', { class: 'badge breach' }, label('escalation', view.escalation)), ' ', time(view.escalated_at))]
            : null,
          view.deadlines_missed ? [t('case.deadlines_missed'), String(view.deadlines_missed)] : null,
        ]),
      ),
      h(
        'section',
        { class: 'card' },
        h('h2', {}, t('col.complainant'), c.masked ? h('span', { class: 'badge' }, t('case.masked')) : null),
        facts([
          [t('field.name'), c.name],
          [t('field.gender'), label('gender', c.gender)],
          [t('field.phone'), c.phone ? ltr(c.phone) : '—'],
          [t('field.cnic'), c.cnic ? ltr(c.cnic) : '—'],
          [t('field.address'), c.address ?? '—'],
        ]),
      ),
    ),
  );
  if (ACTING_ROLES.includes(context.role)) {
    root.append(actions(view, reload), reprint(view, list, context));
  }
  if (context.role === 'auditor') {
    root.append(h('p', {}, h('a', { href: `#/audit/${view.id}`, id: 'audit-link' }, t('audit.open_case'))));
  }
  root.append(timelineSection(timeline.events));
}

/**
 * The citizen's receipt again (POST /complaints/{id}/receipt): the only staff
 * call that shows the tracking code in full, so it is a deliberate act, recorded
 * in the case's access log by the server.
 */
function reprint(view, list, context) {
  const message = h('div', { id: 'reprint-message', role: 'status' });
  const button = h('button', { type: 'button', class: 'secondary', id: 'reprint' }, t('receipt.reprint'));
  button.addEventListener('click', async () => {
    message.replaceChildren();
    button.disabled = true;
    try {
      const { json } = await api('POST', `/complaints/${view.id}/receipt`);
      const page = receipt(json, { categories: list, markaz: context.markaz, onNew: () => context.navigate(`#/case/${view.id}`), reprinted: true });
      const root = button.closest('main');
      root.replaceChildren(page);
      window.scrollTo(0, 0);
    } catch (error) {
      const missing = error.status === 404 || error.status === 405;
      message.replaceChildren(missing ? h('p', { class: 'notice error' }, t('receipt.reprint_unavailable')) : errorBox(error));
    } finally {
      button.disabled = false;
    }
  });
  return h('section', { class: 'card' }, h('h2', {}, t('receipt.reprint_title')), h('p', { class: 'hint' }, t('receipt.reprint_hint')), button, message);
}

function slaBadge(state) {
  if (!state || state === 'not_applicable') return null;
  return h('span', { class: `badge sla-${state}` }, label('sla', state));
}

function actions(view, reload) {
  const allowed = ACTIONS[view.status] || [];
  const section = h('section', { class: 'card actions-card', id: 'case-actions' }, h('h2', {}, t('case.actions')));
  const message = h('div', { id: 'action-message', role: 'status' });
  if (!allowed.length) {
    section.append(h('p', { class: 'hint' }, t('case.no_actions')));
    return section;
  }
  const keys = new IdempotencyKeys();
  const forms = {
    acknowledge: () => [field('note', t('field.note'), h('input', { type: 'text', dir: 'auto' }), t('field.optional'))],
    refer: () => [
      field('to', t('field.to'), h('input', { type: 'text', dir: 'auto' })),
      field('kind', t('field.kind'), select(['police_station', 'magistrate', 'department', 'gender_desk'].map((k) => [k, label('kind', k)]), 'police_station')),
      field('reason', t('field.reason'), h('textarea', { rows: 2, dir: 'auto' })),
    ],
    resolve: () => [
      field('outcome', t('field.outcome'), select(['resolved', 'fir_registered', 'no_action', 'referred_to_court'].map((o) => [o, label('outcome', o)]), 'resolved')),
      field('summary', t('field.summary'), h('textarea', { rows: 2, dir: 'auto' })),
    ],
    reopen: () => [field('reason', t('field.reason'), h('textarea', { rows: 2, dir: 'auto' }))],
    withdraw: () => [field('reason', t('field.reason'), h('textarea', { rows: 2, dir: 'auto' }))],
  };
  const paths = { acknowledge: 'acknowledge', refer: 'referrals', resolve: 'resolution', reopen: 'reopen', withdraw: 'withdrawal' };
  const holder = h('div', { class: 'action-form' });
  const buttons = h(
    'div',
    { class: 'action-buttons' },
    allowed.map((action) =>
      h('button', { type: 'button', class: 'secondary', id: `action-${action}`, onclick: () => open(action) }, t(`action.${action}`)),
    ),
  );
  const open = (action) => {
    message.replaceChildren();
    const submit = h('button', { type: 'submit', id: 'action-submit' }, t(`action.${action}`));
    const form = h('form', { id: `form-${action}`, novalidate: true }, forms[action](), submit);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearFieldErrors(form);
      message.replaceChildren();
      const body = {};
      for (const input of form.querySelectorAll('[name]')) {
        const text = input.value.trim();
        if (text) body[input.name] = text;
      }
      submit.disabled = true;
      try {
        const { json } = await api('POST', `/complaints/${view.id}/${paths[action]}`, {
          body,
          ifMatch: view.version,
          idempotencyKey: keys.for({ action, body, version: view.version }),
        });
        await reload(json.position);
      } catch (error) {
        submit.disabled = false;
        if (error.status === 412) {
          message.replaceChildren(
            h(
              'div',
              { class: 'notice error', role: 'alert', id: 'case-changed' },
              h('p', {}, t('case.changed')),
              h('button', { type: 'button', id: 'reload-case', onclick: () => reload() }, t('case.reload')),
            ),
          );
        } else if (error.fieldErrors.length) {
          for (const text of showFieldErrors(form, error)) message.append(h('p', { class: 'field-error' }, text));
        } else {
          message.replaceChildren(errorBox(error));
        }
      }
    });
    holder.replaceChildren(form);
    form.querySelector('input, select, textarea')?.focus();
  };
  section.append(buttons, holder, message);
  return section;
}

function actorText(actor) {
  if (!actor) return '—';
  if (actor.kind === 'officer') return `${actor.name ?? actor.id} (${label('role', actor.role)})`;
  return label('actor', actor.kind);
}

function timelineSection(events) {
  return h(
    'section',
    { class: 'card', id: 'timeline' },
    h('h2', {}, t('case.timeline')),
    h(
      'ol',
      { class: 'timeline' },
      events.map((event) =>
        h(
          'li',
          { dataset: { version: String(event.version) } },
          h('div', { class: 'tl-head' }, h('strong', {}, label('event', event.type)), ' ', time(event.occurred_at)),
          h('div', { class: 'tl-actor' }, actorText(event.actor)),
          summary(event.data),
          h('div', { class: 'tl-meta' }, t('case.version', { v: event.version }), ' · ', t('case.position', { p: event.position }), ' · ', ltr(event.hash, 'ltr hash')),
        ),
      ),
    ),
  );
}

/** The event's own words (reason, summary, destination), not its personal data. */
function summary(data) {
  if (!data || typeof data !== 'object') return null;
  const parts = [];
  for (const key of ['to', 'kind', 'outcome', 'reason', 'summary', 'note', 'stars', 'comment', 'deadline', 'level', 'rule']) {
    if (data[key] !== undefined && data[key] !== null && data[key] !== '') parts.push(`${t(`field.${key}`)}: ${data[key]}`);
  }
  return parts.length ? h('div', { class: 'tl-data' }, parts.join(' · ')) : null;
}
