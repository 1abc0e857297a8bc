// Hand-drawn SVG charts for the dashboard: no library, no inline styles
// (colours come from classes in console.css, so the CSP needs no exception).

import { s } from './dom.js';
import { formatNumber } from './i18n.js';

const W = 440;

/**
 * Horizontal share bars, two per row (e.g. within the acknowledgement and the
 * resolution deadline). rows: [{label, values: [share|null, share|null]}],
 * a share being the API's `{count, cases, pct}`. Below the API's minimum of
 * cases `pct` is null: the row then says "1 of 2" and draws no bar, since a
 * percentage of one or two cases says more than it knows.
 */
export function percentBars(rows, seriesNames, id) {
  const rowH = 46;
  const top = 26;
  const left = 8;
  const barW = W - 110;
  const height = top + Math.max(rows.length, 1) * rowH + 4;
  const svg = s('svg', { viewBox: `0 0 ${W} ${height}`, class: 'chart', role: 'img', id, preserveAspectRatio: 'xMinYMin meet' });
  svg.append(legend(seriesNames));
  rows.forEach((row, i) => {
    const y = top + i * rowH;
    svg.append(s('text', { x: left, y: y + 11, class: 'chart-label' }, row.label));
    row.values.forEach((share, j) => {
      const by = y + 15 + j * 13;
      svg.append(s('rect', { x: left, y: by, width: barW, height: 10, class: 'bar-track' }));
      const pct = share?.pct;
      if (pct !== null && pct !== undefined) {
        svg.append(s('rect', { x: left, y: by, width: Math.max(1, (barW * pct) / 100), height: 10, class: `bar s${j}` }));
      }
      svg.append(s('text', { x: left + barW + 6, y: by + 9, class: 'chart-value', 'data-cases': share?.cases ?? 0 }, shareText(share)));
    });
  });
  if (!rows.length) svg.append(s('text', { x: left, y: top + 20, class: 'chart-label' }, '—'));
  return svg;
}

/** "66.7% (2/3)" from three cases on, "1/2" below, "—" for none. */
function shareText(share) {
  if (!share || !share.cases) return '—';
  const counts = `${formatNumber(share.count)}/${formatNumber(share.cases)}`;
  return share.pct === null || share.pct === undefined ? counts : `${formatNumber(share.pct)}% (${counts})`;
}

/** Vertical bars of counts, e.g. the open backlog by age. bars: [{label, value}]. */
export function countBars(bars, id) {
  const height = 200;
  const base = 160;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const slot = W / bars.length;
  const svg = s('svg', { viewBox: `0 0 ${W} ${height}`, class: 'chart', role: 'img', id });
  bars.forEach((bar, i) => {
    const h = ((base - 20) * bar.value) / max;
    const x = i * slot + slot * 0.2;
    svg.append(s('rect', { x, y: base - h, width: slot * 0.6, height: Math.max(h, 0.5), class: `bar age${i}` }));
    svg.append(s('text', { x: x + slot * 0.3, y: base - h - 4, class: 'chart-value', 'text-anchor': 'middle' }, formatNumber(bar.value)));
    // Centred, so the page's direction can order the label's words (Urdu: right to left).
    svg.append(s('text', { x: x + slot * 0.3, y: base + 18, class: 'chart-label', 'text-anchor': 'middle', direction: document.documentElement.dir || 'ltr' }, bar.label));
  });
  svg.append(s('line', { x1: 0, x2: W, y1: base, y2: base, class: 'axis' }));
  return svg;
}

/** Daily filings and resolutions. days: [{day: 'YYYY-MM-DD', values: [n, n]}]. */
export function dailySeries(days, seriesNames, id) {
  const height = 220;
  const left = 34;
  const right = 8;
  const top = 28;
  const base = 180;
  const max = Math.max(1, ...days.flatMap((d) => d.values));
  const step = days.length > 1 ? (W - left - right) / (days.length - 1) : 0;
  const x = (i) => left + i * step;
  const y = (v) => base - ((base - top) * v) / max;
  const svg = s('svg', { viewBox: `0 0 ${W} ${height}`, class: 'chart', role: 'img', id });
  svg.append(legend(seriesNames));
  for (const tick of [0, Math.round(max / 2), max]) {
    svg.append(s('line', { x1: left, x2: W - right, y1: y(tick), y2: y(tick), class: 'grid' }));
    svg.append(s('text', { x: left - 4, y: y(tick) + 4, class: 'chart-value', 'text-anchor': 'end' }, formatNumber(tick)));
  }
  seriesNames.forEach((_, j) => {
    const points = days.map((d, i) => `${x(i)},${y(d.values[j])}`).join(' ');
    svg.append(s('polyline', { points, class: `line s${j}` }));
    days.forEach((d, i) => svg.append(s('circle', { cx: x(i), cy: y(d.values[j]), r: 2.5, class: `dot s${j}` })));
  });
  const every = Math.max(1, Math.ceil(days.length / 7));
  days.forEach((d, i) => {
    const last = i === days.length - 1;
    if ((i % every === 0 && days.length - 1 - i >= every) || last) {
      const anchor = last && days.length > 1 ? 'end' : i === 0 ? 'start' : 'middle';
      svg.append(s('text', { x: x(i), y: base + 18, class: 'chart-label', 'text-anchor': anchor }, d.day.slice(5)));
    }
  });
  return svg;
}

function legend(names) {
  const g = s('g', { class: 'legend' });
  names.forEach((name, j) => {
    const x = 8 + j * 190;
    g.append(s('rect', { x, y: 4, width: 12, height: 12, class: `bar s${j}` }));
    g.append(s('text', { x: x + 18, y: 14, class: 'chart-label' }, name));
  });
  return g;
}
