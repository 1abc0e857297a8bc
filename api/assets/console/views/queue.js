// The gender-desk queue (GET /gender-desk/queue): open cases oldest first,
// with their age and missed deadlines. The router never opens this screen
// for a desk token, so nothing of it is fetched or drawn for one.

import { api } from '../api.js';
import { h, ltr } from '../dom.js';
import { formatAge, formatNumber, label, t } from '../i18n.js';
import { errorBox, labelCells, statusBadge, time } from '../ui.js';
import { categories, categoryName } from './counter.js';

export async function render(root, context) {
  root.append(h('h1', {}, t('nav.queue')), h('p', { class: 'hint' }, t('queue.explain')));
  let json;
  let list;
  try {
    list = await categories();
    json = (await api('GET', '/gender-desk/queue', { query: { limit: 200 } })).json;
  } catch (error) {
    root.append(error.status === 403 ? context.forbidden() : errorBox(error));
    return;
  }
  const open = json.counts.reduce((sum, c) => sum + (c.open || 0), 0);
  root.append(h('p', { class: 'queue-count', id: 'queue-count' }, t('queue.open', { n: formatNumber(open) })));
  if (!json.cases.length) {
    root.append(h('p', { class: 'notice', id: 'queue-empty' }, t('queue.empty')));
    return;
  }
  const rows = json.cases.map((item) => {
    const breached = item.acknowledge_breached || item.resolve_breached;
    return h(
      'tr',
      { class: breached ? 'breach' : '', dataset: { id: item.id } },
      h('td', {}, h('a', { href: `#/case/${item.id}`, class: 'case-link' }, ltr(item.tracking_code, 'ltr code'))),
      h('td', {}, statusBadge(item.status), item.escalation ? h('span', { class: 'badge breach escalation' }, label('escalation', item.escalation)) : null),
      h('td', {}, categoryName(list, item.category)),
      h('td', { class: 'age' }, formatAge(item.age_minutes)),
      h('td', { class: item.acknowledge_breached ? 'late' : '' }, time(item.acknowledge_by), item.acknowledge_breached ? h('span', { class: 'badge breach' }, t('sla.breached')) : null),
      h('td', { class: item.resolve_breached ? 'late' : '' }, time(item.resolve_by), item.resolve_breached ? h('span', { class: 'badge breach' }, t('sla.breached')) : null),
    );
  });
  root.append(
    h(
      'div',
      { class: 'table-wrap' },
      labelCells(h(
        'table',
        { class: 'cases stacking', id: 'queue-table' },
        h('thead', {}, h('tr', {}, [t('col.code'), t('col.status'), t('col.category'), t('col.age'), t('case.ack_by'), t('case.resolve_by')].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, rows),
      )),
    ),
  );
}
