// The case list: GET /complaints with its filters and cursor paging.

import { api } from '../api.js';
import { h, ltr } from '../dom.js';
import { t } from '../i18n.js';
import { errorBox, field, labelCells, select, statusBadge, time } from '../ui.js';
import { categories, categoryName } from './counter.js';

const STATUSES = ['filed', 'acknowledged', 'referred', 'resolved', 'withdrawn'];

export async function render(root, context) {
  let list;
  try {
    list = await categories();
  } catch (error) {
    root.append(errorBox(error));
    return;
  }
  const params = context.params;
  const filters = {
    status: params.get('status') || '',
    category: params.get('category') || '',
    gender_desk: params.get('gender_desk') || '',
    filed_from: params.get('filed_from') || '',
    filed_to: params.get('filed_to') || '',
  };
  const form = h(
    'form',
    { class: 'filters card', id: 'case-filters' },
    field('status', t('field.status'), select([['', t('filter.any')], ...STATUSES.map((s) => [s, t(`status.${s}`)])], filters.status)),
    field('category', t('field.category'), select([['', t('filter.any')], ...list.map((c) => [c.code, categoryName(list, c.code)])], filters.category)),
    // A desk officer never sees gender-desk cases, so the filter would only mislead.
    context.role === 'desk'
      ? null
      : field('gender_desk', t('field.gender_desk'), select([['', t('filter.any')], ['true', t('yes')], ['false', t('no')]], filters.gender_desk)),
    field('filed_from', t('filter.filed_from'), h('input', { type: 'date', value: filters.filed_from, dir: 'ltr' })),
    field('filed_to', t('filter.filed_to'), h('input', { type: 'date', value: filters.filed_to, dir: 'ltr' })),
    h('button', { type: 'submit', id: 'apply-filters' }, t('filter.apply')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const name of Object.keys(filters)) {
      const input = form.querySelector(`[name="${name}"]`);
      if (input && input.value) query.set(name, input.value);
    }
    context.navigate(`#/cases?${query}`);
  });

  const body = h('tbody', { id: 'case-rows' });
  const table = h(
    'table',
    { class: 'cases stacking', id: 'cases-table' },
    h(
      'thead',
      {},
      h('tr', {}, [t('col.code'), t('col.status'), t('col.category'), t('col.complainant'), t('col.filed'), t('col.sla')].map((c) => h('th', { scope: 'col' }, c))),
    ),
    body,
  );
  const more = h('button', { type: 'button', id: 'more-cases', class: 'secondary', hidden: true }, t('cases.more'));
  const message = h('div', { id: 'cases-message' });
  // On a phone the filters fold away, open only when some are set.
  const anySet = Object.values(filters).some(Boolean);
  const folded = h(
    'details',
    { class: 'filters-fold', id: 'filters-fold', open: anySet || window.matchMedia('(min-width: 601px)').matches },
    h('summary', {}, t('filter.title')),
    form,
  );
  root.append(h('h1', {}, t('nav.cases')), folded, message, h('div', { class: 'table-wrap' }, table), more);

  let cursor = null;
  const load = async () => {
    more.disabled = true;
    try {
      const query = { ...filters, limit: 25, cursor };
      if (context.role === 'desk') delete query.gender_desk;
      const { json } = await api('GET', '/complaints', { query });
      for (const item of json.items) body.append(row(item, list, context));
      labelCells(table);
      if (!json.items.length && !cursor) message.replaceChildren(h('p', { class: 'notice', id: 'no-cases' }, t('cases.none')));
      cursor = json.next_cursor;
      more.hidden = !cursor;
    } catch (error) {
      message.replaceChildren(errorBox(error));
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', load);
  await load();
}

function row(item, list, context) {
  const breached = item.sla?.acknowledge_breached || item.sla?.resolve_breached;
  const open = () => context.navigate(`#/case/${item.id}`);
  return h(
    'tr',
    { class: breached ? 'breach' : '', dataset: { id: item.id, genderDesk: String(item.gender_desk) } },
    h('td', {}, h('a', { href: `#/case/${item.id}`, class: 'case-link' }, ltr(item.tracking_code, 'ltr code'))),
    h('td', {}, statusBadge(item.status), item.gender_desk ? h('span', { class: 'badge gd' }, t('gender_desk.short')) : null),
    h('td', {}, categoryName(list, item.category)),
    h('td', {}, item.complainant?.name ?? '—', ' ', item.complainant?.phone ? ltr(item.complainant.phone) : null),
    h('td', {}, time(item.filed_at)),
    h('td', { onclick: open }, breached ? h('span', { class: 'badge breach' }, t('sla.breached')) : t('sla.ok')),
  );
}
