// The supervisor's dashboard: GET /performance for a date range (by day,
// category and officer) and for today, refreshed live from GET /events.

import { api } from '../api.js';
import { h } from '../dom.js';
import { currentLang, formatNumber, t } from '../i18n.js';
import { countBars, dailySeries, percentBars } from '../charts.js';
import { followEvents } from '../events.js';
import { addDays, dayIn, errorBox } from '../ui.js';
import { categories, categoryName } from './counter.js';

export async function render(root, context) {
  const list = await categories().catch(() => []);
  let zone;
  try {
    zone = await markazZone();
  } catch (error) {
    root.append(error.status === 403 ? context.forbidden() : errorBox(error));
    return undefined;
  }
  const today = () => dayIn(zone);
  const fromInput = h('input', { type: 'date', id: 'range-from', dir: 'ltr', value: context.params.get('from') || addDays(today(), -13) });
  const toInput = h('input', { type: 'date', id: 'range-to', dir: 'ltr', value: context.params.get('to') || today() });
  const picker = h(
    'form',
    { class: 'range card', id: 'range-form' },
    h('label', { for: 'range-from' }, t('dash.from')),
    fromInput,
    h('label', { for: 'range-to' }, t('dash.to')),
    toInput,
    h('button', { type: 'submit', id: 'range-apply' }, t('filter.apply')),
    [7, 30, 90].map((n) =>
      h('button', { type: 'button', class: 'secondary', onclick: () => context.navigate(`#/dashboard?from=${addDays(today(), 1 - n)}&to=${today()}`) }, t('dash.last_days', { n })),
    ),
  );
  picker.addEventListener('submit', (event) => {
    event.preventDefault();
    context.navigate(`#/dashboard?from=${fromInput.value}&to=${toInput.value}`);
  });
  const live = h('span', { class: 'live', id: 'live-state' }, t('dash.connecting'));
  const updated = h('span', { class: 'hint', id: 'updated-at' });
  const body = h('div', { id: 'dashboard-body' });
  root.append(h('div', { class: 'dash-head' }, h('h1', {}, t('nav.dashboard')), live, updated), picker, body);

  let latest = 0;
  let running = false;
  let again = false;
  const refresh = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      const figures = await load(fromInput.value, toInput.value, today(), latest);
      body.replaceChildren(draw(figures, list));
      updated.textContent = t('dash.updated', { time: new Date().toLocaleTimeString(currentLang() === 'ur' ? 'ur-PK' : 'en-GB') });
    } catch (error) {
      body.replaceChildren(error.status === 403 ? context.forbidden() : errorBox(error));
    } finally {
      running = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  };
  await refresh();

  const stop = new AbortController();
  let timer = null;
  followEvents(
    (message) => {
      const position = Number(message.data?.position ?? message.id);
      if (Number.isFinite(position)) latest = Math.max(latest, position);
      clearTimeout(timer);
      timer = setTimeout(refresh, 100);
    },
    (state) => {
      live.textContent = t(`dash.${state}`);
      live.dataset.state = state;
      if (state === 'live') refresh();
    },
    stop.signal,
  );
  return () => {
    stop.abort();
    clearTimeout(timer);
  };
}

/**
 * The IANA zone whose days the server counts this supervisor's figures in
 * (the markaz's own; the browser's clock may sit in another zone, or in UTC).
 */
async function markazZone() {
  const answer = await api('GET', '/performance', { query: { by: 'day' } });
  return answer.json.time_zone || 'Asia/Karachi';
}

async function load(from, to, today, minPosition) {
  const get = (query) =>
    api('GET', '/performance', { query: { ...query, min_position: minPosition || undefined } }).then((a) => a.json.groups);
  const [todayRows, byDay, byCategory, byOfficer] = await Promise.all([
    get({ from: today, to: today, by: 'day' }),
    get({ from, to, by: 'day' }),
    get({ from, to, by: 'category' }),
    get({ from, to, by: 'officer' }),
  ]);
  return { from, to, todayRows, byDay, byCategory, byOfficer };
}

const sum = (rows, pick) => rows.reduce((total, row) => total + (pick(row) || 0), 0);

function draw({ from, to, todayRows, byDay, byCategory, byOfficer }, list) {
  const backlog = ['under_1_day', 'from_1_to_3_days', 'from_3_to_7_days', 'from_7_to_30_days', 'over_30_days'].map((key) => ({
    label: t(`age.${key}`),
    value: sum(byCategory, (r) => r.open_backlog?.[key]),
  }));
  const openTotal = sum(byCategory, (r) => r.open_backlog?.total);
  const resolved = sum(byCategory, (r) => r.resolved);
  const reopened = sum(byCategory, (r) => r.reopened);
  const ratings = [0, 1, 2, 3, 4].map((i) => sum(byCategory, (r) => r.ratings?.[i]));
  const ratingCount = ratings.reduce((a, b) => a + b, 0);
  const ratingAvg = ratingCount ? ratings.reduce((a, n, i) => a + n * (i + 1), 0) / ratingCount : null;
  const kpi = (id, labelText, value) => h('div', { class: 'kpi', id }, h('div', { class: 'kpi-value', dataset: { value: String(value ?? '') } }, formatNumber(value, 1)), h('div', { class: 'kpi-label' }, labelText));
  const days = eachDay(from, to).map((day) => {
    const row = byDay.find((r) => r.group === day);
    return { day, values: [row?.filed || 0, row?.resolved || 0] };
  });
  const slaNames = [t('dash.ack_within'), t('dash.resolved_within')];
  const officerLabel = (row) => row.officer_name || (row.group === 'citizen' || row.group === 'system' ? t(`actor.${row.group}`) : row.group.slice(0, 8));
  return h(
    'div',
    {},
    h(
      'section',
      { class: 'kpis', id: 'kpis' },
      kpi('kpi-filed-today', t('dash.filed_today'), sum(todayRows, (r) => r.filed)),
      kpi('kpi-ack-today', t('dash.ack_today'), sum(todayRows, (r) => r.acknowledged)),
      kpi('kpi-resolved-today', t('dash.resolved_today'), sum(todayRows, (r) => r.resolved)),
      kpi('kpi-backlog', t('dash.backlog'), openTotal),
      kpi('kpi-rating', t('dash.rating'), ratingAvg),
      kpi('kpi-reopen', t('dash.reopen_rate'), resolved ? (100 * reopened) / resolved : null),
      kpi('kpi-missed', t('dash.deadlines_missed'), sum(byCategory, (r) => r.deadlines_missed)),
      kpi('kpi-escalations', t('dash.escalations'), sum(byCategory, (r) => r.escalations)),
    ),
    h(
      'div',
      { class: 'charts' },
      h('section', { class: 'card' }, h('h2', {}, t('dash.series')), dailySeries(days, [t('dash.filed'), t('dash.resolved')], 'chart-series')),
      h('section', { class: 'card' }, h('h2', {}, t('dash.backlog_by_age')), countBars(backlog, 'chart-backlog')),
      h(
        'section',
        { class: 'card' },
        h('h2', {}, t('dash.sla_by_category')),
        percentBars(byCategory.filter((r) => r.filed || r.acknowledged || r.resolved).map((r) => ({ label: categoryName(list, r.group), values: [r.ack_within_sla, r.resolved_within_sla] })), slaNames, 'chart-category'),
      ),
      h(
        'section',
        { class: 'card' },
        h('h2', {}, t('dash.sla_by_officer')),
        percentBars(byOfficer.map((r) => ({ label: officerLabel(r), values: [r.ack_within_sla, r.resolved_within_sla] })), slaNames, 'chart-officer'),
      ),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('dash.times_by_category')),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'figures', id: 'figures-table' },
          h('thead', {}, h('tr', {}, [t('col.category'), t('dash.filed'), t('dash.resolved'), t('dash.ack_p50'), t('dash.ack_p90'), t('dash.res_p50'), t('dash.res_p90'), t('dash.rating')].map((c) => h('th', { scope: 'col' }, c)))),
          h(
            'tbody',
            {},
            byCategory.map((r) =>
              h('tr', {}, h('td', {}, categoryName(list, r.group)), [r.filed, r.resolved, r.ack_minutes_p50, r.ack_minutes_p90, r.resolve_hours_p50, r.resolve_hours_p90, r.rating_avg].map((v) => h('td', { class: 'num' }, formatNumber(v, 1)))),
            ),
          ),
        ),
      ),
    ),
  );
}

function eachDay(from, to) {
  const days = [];
  const end = new Date(`${to}T00:00:00Z`);
  for (let d = new Date(`${from}T00:00:00Z`); d <= end && days.length < 400; d = new Date(d.getTime() + 86400000)) {
    days.push(d.toISOString().slice(0, 10));
  }
  return days;
}
