// The citizen's printable receipt, shown right after filing. Labels are in
// both languages whatever the console's language, since the citizen keeps it.

import { h, ltr } from '../dom.js';
import { t } from '../i18n.js';

export function receipt(filed, { categories, markaz, onNew, reprinted = false }) {
  const code = filed.tracking_code;
  const trackUrl = `${location.origin}/track/${code}`;
  const category = categories.find((c) => c.code === filed.category) || null;
  const both = (en, ur) => [h('span', { lang: 'en', dir: 'ltr' }, en), h('span', { lang: 'ur', dir: 'rtl' }, ur)];
  const row = (en, ur, value) =>
    h('div', { class: 'receipt-row' }, h('div', { class: 'receipt-label' }, both(en, ur)), h('div', { class: 'receipt-value' }, value));
  const when = (iso) => ltr(new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Karachi' }).format(new Date(iso)));
  const categoryText = category
    ? [h('span', { lang: 'en', dir: 'ltr' }, category.name_en), h('span', { lang: 'ur', dir: 'rtl' }, category.name_ur)]
    : filed.category ?? '';
  return h(
    'section',
    { class: 'receipt-page', id: 'receipt-page' },
    h(
      'div',
      { class: 'actions no-print' },
      h('p', { class: 'notice ok', role: 'status' }, t(reprinted ? 'receipt.reprinted' : 'receipt.filed')),
      h('button', { type: 'button', id: 'print', onclick: () => window.print() }, t('receipt.print')),
      h('button', { type: 'button', id: reprinted ? 'back-to-case' : 'new-complaint', class: 'secondary', onclick: onNew }, t(reprinted ? 'receipt.back' : 'receipt.new')),
      filed.gender_desk && !reprinted ? h('p', { class: 'hint' }, t('receipt.gender_desk_note')) : null,
      reprinted ? null : h('p', { class: 'hint' }, t('receipt.only_now')),
    ),
    h(
      'article',
      { class: 'receipt', id: 'receipt', dir: 'ltr', lang: 'en' },
      h(
        'header',
        { class: 'receipt-head' },
        h('div', { class: 'markaz-ur', lang: 'ur', dir: 'rtl' }, markaz.ur),
        h('div', { class: 'markaz-en', lang: 'en', dir: 'ltr' }, markaz.en),
        h('div', { class: 'receipt-title' }, both('Complaint receipt', 'شکایت کی رسید')),
      ),
      h('div', { class: 'receipt-code-label' }, both('Tracking code', 'ٹریکنگ کوڈ')),
      h('div', { class: 'receipt-code', id: 'receipt-code', dir: 'ltr' }, code),
      h('img', { class: 'receipt-qr', id: 'receipt-qr', src: `/track/${encodeURIComponent(code)}/qr.svg`, alt: trackUrl, width: 180, height: 180 }),
      // The address may wrap before the code, never inside it.
      h('div', { class: 'receipt-url', dir: 'ltr', id: 'receipt-url' }, `${location.origin}/track/`, h('wbr'), h('span', { class: 'nowrap' }, code)),
      row('Category', 'زمرہ', categoryText),
      filed.filed_at ? row('Filed', 'درج ہوئی', when(filed.filed_at)) : null,
      row('Acknowledgement due by', 'تصدیق کی آخری تاریخ', when(filed.acknowledge_by)),
      row('Resolution due by', 'حل کی آخری تاریخ', when(filed.resolve_by)),
      h('div', { class: 'receipt-label receipt-hash-label' }, both('Receipt hash', 'رسید ہیش')),
      h('div', { class: 'receipt-hash', id: 'receipt-hash', dir: 'ltr' }, filed.receipt_hash || ''),
      h('p', { class: 'receipt-foot' }, both('Scan the code or open the address above to follow your complaint.', 'اپنی شکایت کی پیش رفت جاننے کے لیے کوڈ اسکین کریں یا اوپر دیا گیا پتہ کھولیں۔')),
    ),
  );
}

