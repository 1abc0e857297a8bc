// The console's two message catalogues (messages/en.json, messages/ur.json)
// and formatting of dates and numbers in the chosen language.

const LANG_KEY = 'markaz.console.lang';
let lang = 'en';
let messages = {};
const catalogues = {};

export async function loadLanguage(wanted) {
  const chosen = wanted || localStorage.getItem(LANG_KEY) || preferred();
  lang = chosen === 'ur' ? 'ur' : 'en';
  if (!catalogues[lang]) {
    const answer = await fetch(`/console/messages/${lang}.json`, { cache: 'no-cache' });
    catalogues[lang] = await answer.json();
  }
  messages = catalogues[lang];
  localStorage.setItem(LANG_KEY, lang);
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === 'ur' ? 'rtl' : 'ltr';
  return lang;
}

function preferred() {
  return (navigator.languages || []).some((l) => l.toLowerCase().startsWith('ur')) ? 'ur' : 'en';
}

export function currentLang() {
  return lang;
}

/** The message `key`, with `{name}` placeholders filled from `vars`. */
export function t(key, vars = {}) {
  let text = messages[key];
  if (text === undefined) {
    console.error(`missing message ${key} (${lang})`);
    document.documentElement.dataset.missingMessage = key;
    text = key;
  }
  return text.replace(/\{(\w+)\}/g, (_, name) => (vars[name] ?? `{${name}}`));
}

/** Like `t`, but `undefined` when the catalogue has no such key (for codes from the API). */
export function tMaybe(key) {
  return messages[key];
}

function locale() {
  return lang === 'ur' ? 'ur-PK' : 'en-GB';
}

export function formatTime(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(), {
    dateStyle: 'medium',
    timeStyle: 'short',
    hourCycle: 'h23',
    timeZone: 'Asia/Karachi',
  }).format(date);
}

export function formatNumber(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(value);
}

export function formatAge(minutes) {
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return t('age.days_hours', { d: formatNumber(days), h: formatNumber(hours) });
  if (hours > 0) return t('age.hours_minutes', { h: formatNumber(hours), m: formatNumber(mins) });
  return t('age.minutes', { m: formatNumber(mins) });
}

/** The label of an API code (status, outcome, kind...) in the current language. */
export function label(group, code) {
  return tMaybe(`${group}.${code}`) ?? code;
}
