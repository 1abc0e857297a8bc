// Pieces shared by the screens: error boxes, field errors, status badges.

import { h } from './dom.js';
import { t, label, formatTime } from './i18n.js';

/** A message for an API error; 403 and 404 get the clear screens' words. */
export function errorBox(error) {
  let text;
  if (error.status === 403) text = t('error.forbidden');
  else if (error.status === 404) text = t('error.not_found');
  else if (error.status === 412) text = t('error.changed');
  else if (error.status === 0) text = t('error.network');
  else text = error.message || t('error.unknown');
  return h('div', { class: 'notice error', role: 'alert', dataset: { status: String(error.status) } }, text);
}

/** Shows the problem's `errors` next to the inputs named by their `field`. */
export function showFieldErrors(form, error) {
  clearFieldErrors(form);
  const unplaced = [];
  for (const { field, message } of error.fieldErrors) {
    const input = form.querySelector(`[name="${CSS.escape(field)}"]`);
    if (!input) {
      unplaced.push(`${field}: ${message}`);
      continue;
    }
    input.setAttribute('aria-invalid', 'true');
    const note = h('p', { class: 'field-error', id: `error-${field}`, dataset: { field } }, message);
    input.setAttribute('aria-describedby', note.id);
    input.closest('.field').append(note);
  }
  return unplaced;
}

export function clearFieldErrors(form) {
  form.querySelectorAll('.field-error').forEach((note) => note.remove());
  form.querySelectorAll('[aria-invalid]').forEach((input) => input.removeAttribute('aria-invalid'));
}

export function statusBadge(status) {
  return h('span', { class: `badge status-${status}` }, label('status', status));
}

export function field(name, labelText, input, hint) {
  input.name = name;
  input.id = input.id || `f-${name}`;
  return h(
    'div',
    { class: 'field' },
    h('label', { for: input.id }, labelText),
    hint ? h('p', { class: 'hint' }, hint) : null,
    input,
  );
}

/** A time in the console's language, isolated, in that language's own direction. */
export function time(iso) {
  return h('bdi', { dir: 'auto', class: 'time' }, formatTime(iso));
}

/** A definition list of [label, value] pairs. */
export function facts(pairs) {
  return h(
    'dl',
    { class: 'facts' },
    pairs.filter(Boolean).map(([term, value]) => [h('dt', {}, term), h('dd', {}, value ?? '—')]),
  );
}

export function select(options, value) {
  return h(
    'select',
    {},
    options.map(([code, text]) => h('option', { value: code, selected: code === value }, text)),
  );
}

/**
 * The calendar day (YYYY-MM-DD) that `date` falls on in the IANA zone `zone`:
 * the server counts its figures in the markaz's days, not the browser's.
 */
export function dayIn(zone, date = new Date()) {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(date);
  const part = (type) => parts.find((p) => p.type === type)?.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** The calendar day `n` days after `day` (YYYY-MM-DD); calendar arithmetic, so no zone or DST shifts it. */
export function addDays(day, n) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + n);
  return date.toISOString().slice(0, 10);
}

/** Gives each cell its column's heading, shown beside it when a narrow screen stacks the rows. */
export function labelCells(table) {
  const headings = [...table.querySelectorAll('thead th')].map((th) => th.textContent);
  for (const row of table.querySelectorAll('tbody tr')) {
    [...row.cells].forEach((cell, index) => {
      cell.dataset.label = headings[index] ?? '';
    });
  }
  return table;
}
