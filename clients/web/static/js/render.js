// Small DOM and formatting helpers shared by the pages. Text is only ever inserted as text
// (textContent / text nodes), never parsed as HTML.

// h('p', {class: 'x', dataset: {testid: 'y'}, on: {click: fn}}, 'text', child, [more, children])
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'on') for (const [ev, fn] of Object.entries(value)) el.addEventListener(ev, fn);
    else if (key === 'style') Object.assign(el.style, value);
    else if (key in el && typeof value !== 'string' && key !== 'list') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false || c === '') continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

let idCounter = 0;
export function uid(prefix = 'id') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

// ---- numbers and dates (int64 fields arrive as strings) ----

export function num(x, fallback = 0) {
  if (x === undefined || x === null || x === '') return fallback;
  const n = Number(x);
  return Number.isFinite(n) ? n : fallback;
}

export function pct(p, digits = 0) {
  return `${(100 * num(p)).toFixed(digits)}%`;
}

export function fixed(x, digits = 2) {
  return num(x).toFixed(digits);
}

// A value with its unit, e.g. "0.42 ratio", "12 per minute".
export function withUnit(value, unit) {
  const v = num(value);
  const text = Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2);
  return unit ? `${text} ${unit}` : text;
}

export function formatDate(ms, { time = true } = {}) {
  const n = num(ms);
  if (!n) return '-';
  const d = new Date(n);
  return time
    ? d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
    : d.toLocaleDateString(undefined, { dateStyle: 'medium' });
}

export function seconds(s) {
  const v = num(s);
  if (v < 60) return `${v.toFixed(1)} s`;
  const m = Math.floor(v / 60);
  return `${m} min ${Math.round(v - 60 * m)} s`;
}

// ---- enum names ----

export const MODALITY_NAMES = { MODALITY_TEXT: 'text', MODALITY_VOICE: 'voice', MODALITY_FACE: 'face' };
export function modalityName(m) {
  return MODALITY_NAMES[m] || 'unknown';
}

const LEVEL_NAMES = { RISK_LEVEL_LOW: 'low', RISK_LEVEL_MODERATE: 'moderate', RISK_LEVEL_HIGH: 'high' };
export function levelName(level) {
  return LEVEL_NAMES[level] || '';
}

// What a risk is shown as: its level, or "not enough signal" when fusion abstained.
export function riskLabel(risk) {
  if (!risk) return 'not enough signal';
  if (risk.abstained) return 'not enough signal';
  return levelName(risk.level) || 'not enough signal';
}

// "low" | "moderate" | "high" | "none": the CSS class suffix of a level.
export function levelKey(risk) {
  if (!risk || risk.abstained) return 'none';
  return levelName(risk.level) || 'none';
}

export function trendName(t) {
  return { TREND_IMPROVING: 'improving', TREND_STABLE: 'stable', TREND_WORSENING: 'worsening' }[t] || '';
}

export function alertStateName(s) {
  return { ALERT_STATE_ACTIVE: 'active', ALERT_STATE_CLEARED: 'cleared' }[s] || 'unknown';
}

const ALERT_KINDS = { risk_rising: 'Risk rising', stress_rising: 'Stress rising' };
export function alertKindName(kind) {
  return ALERT_KINDS[kind] || String(kind || 'Alert').replace(/_/g, ' ');
}

// P(moderate) / 2 + P(high) of the calibrated probabilities: the one risk number of the
// trend, baselines and alerts; null when fusion abstained or fused nothing.
export function riskScore(assessment) {
  const risk = assessment && assessment.risk;
  if (!risk || risk.abstained) return null;
  const tf = assessment.trend_features;
  if (Array.isArray(tf) && tf.length > 3) return num(tf[3]);
  const probs = risk.calibrated_probabilities || [];
  if (!probs.length) return null;
  let s = 0;
  for (const p of probs) {
    if (p.label === 'moderate') s += 0.5 * num(p.probability);
    if (p.label === 'high') s += num(p.probability);
  }
  return s;
}

// "Burnout risk: high (64%)" or "Burnout risk: not enough signal".
export function riskHeadline(risk) {
  if (!risk || risk.abstained || !levelName(risk.level)) return 'Burnout risk: not enough signal';
  return `Burnout risk: ${levelName(risk.level)} (${pct(risk.confidence)})`;
}

// A level shown with its colour AND its name.
export function levelBadge(risk, text) {
  const key = levelKey(risk);
  return h('span', { class: `level level-${key}` },
    h('span', { class: 'level-mark', 'aria-hidden': 'true' }), text || riskLabel(risk));
}

export function levelBadgeFor(levelEnum, text) {
  const name = levelName(levelEnum);
  return h('span', { class: `level level-${name || 'none'}` },
    h('span', { class: 'level-mark', 'aria-hidden': 'true' }), text || name || 'not enough signal');
}

// The modalities an assessment used, e.g. "text, voice".
export function modalitiesUsed(assessment) {
  const used = (assessment.modalities || []).filter((m) => m.used).map((m) => modalityName(m.modality));
  return used.length ? used.join(', ') : 'none';
}

// ---- building blocks ----

// A section with a heading; `level` is the heading level.
export function section(title, children, { level = 2, id, testid, className } = {}) {
  const headingId = id || uid('sec');
  return h('section', { class: className || 'card', 'aria-labelledby': headingId, dataset: testid ? { testid } : undefined },
    h(`h${level}`, { id: headingId }, title), children);
}

// A definition list from [term, description] pairs (descriptions may be elements).
export function dl(pairs, className = 'pairs') {
  const list = h('dl', { class: className });
  for (const [term, desc] of pairs) {
    if (desc === undefined || desc === null || desc === '') continue;
    list.append(h('dt', {}, term), h('dd', {}, desc));
  }
  return list;
}

// A horizontal bar (decorative) with its value as text beside it.
export function bar(value, label, { max = 1, className = '' } = {}) {
  const v = Math.max(0, Math.min(1, num(value) / max));
  return h('span', { class: `bar ${className}` },
    h('span', { class: 'bar-track', 'aria-hidden': 'true' },
      h('span', { class: 'bar-fill', style: { width: `${(100 * v).toFixed(1)}%` } })),
    h('span', { class: 'bar-value' }, label));
}

// A table of label/probability pairs, strongest first.
export function scoresTable(scores, caption, { sort = true, labelHeader = 'Label' } = {}) {
  const rows = [...(scores || [])];
  if (sort) rows.sort((a, b) => num(b.probability) - num(a.probability));
  return h('table', { class: 'scores' },
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, labelHeader), h('th', { scope: 'col' }, 'Probability'))),
    h('tbody', {}, rows.map((s) => h('tr', {},
      h('th', { scope: 'row' }, s.label || '-'),
      h('td', {}, bar(s.probability, pct(s.probability)))))));
}

// A plain table: headers and rows of cells (strings or elements).
// `numeric`: indices of columns whose cells are numbers (kept on one line, right-aligned).
export function table(headers, rows, { caption, className = 'data', testid, rowHeader = true, numeric = [] } = {}) {
  const cls = (i) => (numeric.includes(i) ? 'num' : undefined);
  return h('table', { class: className, dataset: testid ? { testid } : undefined },
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, headers.map((t, i) => h('th', { scope: 'col', class: cls(i) }, t)))),
    h('tbody', {}, rows.map((cells) => h('tr', {},
      cells.map((c, i) => (i === 0 && rowHeader ? h('th', { scope: 'row' }, c) : h('td', { class: cls(i) }, c)))))));
}

export function note(text, className = 'note') {
  return h('p', { class: className }, text);
}

export function list(items, className = '') {
  return h('ul', { class: className }, items.map((i) => h('li', {}, i)));
}

// The not-a-diagnosis notice (the text the response carries, else the project's own).
export const DEFAULT_NOTICE =
  'This is a self-awareness signal, not a diagnosis. It cannot detect burnout, depression or any ' +
  'condition. If you are struggling, talk to someone you trust or a qualified professional.';

export function notice(text) {
  return h('div', { class: 'notice', role: 'note', 'aria-label': 'Not a diagnosis', dataset: { testid: 'notice' } },
    h('p', {}, text || DEFAULT_NOTICE));
}

// An indeterminate progress line with a polite status text.
export function progress(text) {
  return h('div', { class: 'progress', role: 'status' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('span', {}, text));
}

// Saves bytes as a file.
export function download(bytes, filename, contentType) {
  const blob = new Blob([bytes], { type: contentType || 'application/octet-stream' });
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: filename, class: 'visually-hidden' }, filename);
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// ---- messages to the person ----

// Shows an error politely in the page's alert region (role="alert").
export function showError(err, context = '') {
  const region = document.getElementById('alerts');
  if (!region) return;
  const message = err && err.message ? err.message : String(err || 'Something went wrong.');
  const code = err && err.code && err.code !== 'UNKNOWN' ? err.code : '';
  clear(region);
  region.append(h('div', { class: 'alert-box' },
    h('p', {}, h('strong', {}, context ? `${context}: ` : 'Sorry, that did not work: '), message),
    code ? h('p', { class: 'alert-code' }, `(${friendlyCode(code)})`) : null,
    h('button', { type: 'button', class: 'link-button', on: { click: clearError } }, 'Dismiss')));
}

export function clearError() {
  const region = document.getElementById('alerts');
  if (region) clear(region);
}

function friendlyCode(code) {
  return {
    PERMISSION_DENIED: 'not allowed for this account',
    UNAUTHENTICATED: 'please sign in again',
    NOT_FOUND: 'not found',
    INVALID_ARGUMENT: 'the request was not accepted',
    RESOURCE_EXHAUSTED: 'too many at once; try again shortly',
    UNAVAILABLE: 'the service is not available right now',
    DEADLINE_EXCEEDED: 'this took too long',
    UNIMPLEMENTED: 'not offered by this server',
  }[code] || code.toLowerCase().replace(/_/g, ' ');
}

// Announces a short text to screen readers (polite).
export function announce(text) {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  setTimeout(() => { region.textContent = text; }, 50);
}

// ---- indicators ----

const INDICATOR_LABELS = {
  perclos: 'eyes closed (PERCLOS)',
  blink_rate_per_min: 'blinks per minute',
  blink_duration_ms: 'blink duration',
  long_eye_closures: 'long eye closures',
  yawns: 'yawns',
  head_nods: 'head nods',
  eyes_open: 'eye openness',
  fatigue_window_s: 'fatigue window',
  fatigue_sample_fps: 'fatigue sampling rate',
};

// The face's fatigue measures, in the order they are shown.
export const FATIGUE_INDICATORS = ['perclos', 'blink_rate_per_min', 'blink_duration_ms', 'long_eye_closures',
  'yawns', 'head_nods', 'eyes_open'];

export function indicatorLabel(name) {
  return INDICATOR_LABELS[name] || String(name || '').replace(/[._]/g, ' ');
}

// "sad 45%, neutral 30%" (the strongest n).
export function topEmotions(emotions, n = 2) {
  const e = [...(emotions || [])].sort((a, b) => num(b.probability) - num(a.probability)).slice(0, n);
  return e.length ? e.map((x) => `${x.label} ${pct(x.probability)}`).join(', ') : '-';
}

// "1 assessment", "3 assessments".
export function plural(n, word, many = `${word}s`) {
  const v = num(n);
  return `${v} ${v === 1 ? word : many}`;
}
