// About (#/about): how the system is built, every model the server ships (read from
// GET /api/v1/models, never written here), the ethics, the limitations and privacy.

import { getModels, isMissingMethod } from '../api.js';
import { h, clear, section, dl, table, note, progress, list, num, showError } from '../render.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

// The architecture as a labelled picture (its words are also in the list beside it).
function diagram() {
  const box = (x, y, w, hgt, title, sub, fill = '#eef4fb') => svg('g', {},
    svg('rect', { x, y, width: w, height: hgt, rx: 8, fill, stroke: '#17324d', 'stroke-width': 1.5 }),
    svg('text', { x: x + w / 2, y: y + (sub ? 20 : hgt / 2 + 5), 'text-anchor': 'middle', 'font-size': 14, 'font-weight': 700, fill: '#111827' }, title),
    sub ? svg('text', { x: x + w / 2, y: y + 37, 'text-anchor': 'middle', 'font-size': 11, fill: '#374151' }, sub) : '');
  const arrow = (x1, y1, x2, y2) => svg('line', { x1, y1, x2, y2, stroke: '#374151', 'stroke-width': 1.5, 'marker-end': 'url(#arrowhead)' });
  const analyzers = [
    ['text', 'emotions, burnout words'],
    ['voice', 'acoustics, emotions'],
    ['face', 'expression, fatigue'],
    ['fusion', 'attention over inputs'],
    ['temporal', 'trend over time'],
  ];
  const ox = 330;
  const oy = 125;
  return svg('svg', { viewBox: '0 0 720 300', class: 'diagram', role: 'img', 'aria-labelledby': 'arch-title arch-desc' },
    svg('title', { id: 'arch-title' }, 'How burnout-risk is built'),
    svg('desc', { id: 'arch-desc' },
      'Your browser talks to burnout-web over HTTP. burnout-web passes each request to the orchestrator. ' +
      'The orchestrator asks the text, voice and face services in parallel, fuses their results, computes the trend, and keeps the result in the store.'),
    svg('defs', {}, svg('marker', { id: 'arrowhead', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' },
      svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#374151' }))),
    box(10, oy, 120, 50, 'Your browser', 'this app', '#ffffff'),
    box(170, oy, 120, 50, 'burnout-web', 'HTTP + JSON'),
    box(ox, oy, 140, 50, 'Orchestrator', 'fan-out, masking'),
    box(ox, 235, 140, 50, 'Store', 'your results', '#f3f4f6'),
    arrow(130, oy + 25, 168, oy + 25),
    arrow(290, oy + 25, ox - 2, oy + 25),
    arrow(ox + 70, oy + 50, ox + 70, 233),
    ...analyzers.flatMap(([name, sub], i) => {
      const y = 8 + i * 58;
      return [box(560, y, 150, 48, name, sub), arrow(ox + 140, oy + 25, 558, y + 24)];
    }));
}

export async function render(ctx) {
  const { view, signal } = ctx;
  const modelsBox = h('div', {}, progress('Loading the model list...'));
  view.append(
    h('h1', {}, 'About burnout-risk'),
    h('p', { class: 'lead' }, 'burnout-risk turns what you write, how you sound and how you look into an explained burnout-risk signal, ' +
      'so you can notice how you are doing over time. It is a self-awareness tool: not a diagnosis, and never a tool for watching people.'),
    section('How it is built', [
      diagram(),
      list([
        'Your browser sends your words, a voice recording or a photo to burnout-web, which passes each request on to the orchestrator.',
        'The orchestrator asks three analyzers in parallel: text (emotions and burnout-related language), voice (how you sound: pitch, pace, energy) and face (expression and signs of tiredness such as eye closure, blinks and yawns).',
        'An input that is missing, or whose analyzer fails or is too slow, is left out and the reason is shown; the rest still count.',
        'Fusion weighs the inputs with attention (the weights are shown on every result) and gives calibrated probabilities of a low, moderate or high risk, or declines to estimate when the evidence is too thin.',
        'The temporal model reads your recent assessments for a trend; your own baseline, check-ins, alerts and suggestions are computed from your history.',
        'Real-time sessions stream your microphone and camera; a fused reading comes every second and a summary of the whole session is kept.',
      ]),
    ]),
    section('The models', [
      note('Every model the server ships, with what it was trained on, how it measured, and where it comes from. This list comes from the server itself.'),
      modelsBox,
    ], { id: 'models-title' }),
    section('Ethics', list([
      'For your own self-awareness only. It is not a diagnosis and cannot detect burnout, depression or any condition.',
      'Never a surveillance tool: a person sees only their own data. An operator sees only anonymous totals of groups people chose to join, and a group with too few people (k-anonymity) is suppressed entirely, also from the overall figures.',
      'Suggestions are everyday wellness ideas with the reason they were made, never treatment.',
      'If you are struggling, talk to someone you trust or a qualified professional.',
    ])),
    section('Limitations', list([
      'The models were trained on public data sets and synthetic profiles, not on people with a clinical assessment of burnout. Read every result as a signal, not a fact.',
      'Emotion recognition from faces and voices is uncertain and varies with lighting, microphones, accents, culture and expression. The face expression model\'s training data has known biases.',
      'One assessment says little; the trend over weeks, compared with your own usual, says more. Your baseline needs a few assessments before it is ready.',
      'When the inputs carry too little evidence the model says so instead of guessing.',
    ])),
    section('Privacy', list([
      'Stored: each assessment\'s results (risk, probabilities, emotions, measurements, explanations), your check-ins, alerts, your baseline, an optional group, and a record of who used your data.',
      'Not stored: your recordings and photos are analysed and dropped. Your written text is kept only if the service is set up to keep it (off by default); quoted words are otherwise removed from what is stored.',
      'Real-time sessions are analysed as they stream; only the session\'s summary is kept.',
      'Export: download everything as CSV or JSON on the History page.',
      'Delete: remove one assessment, or everything about you, on the History page. Deleting everything leaves no trace in the store.',
      'Retention: the service can delete data automatically after a set number of days; by default it keeps it until you delete it.',
    ])),
  );

  let res;
  try {
    res = await getModels({ signal });
  } catch (err) {
    if (signal.aborted) return;
    clear(modelsBox).append(note(isMissingMethod(err) || err.status === 404
      ? 'This server does not list its models yet.'
      : 'The model list could not be loaded.'));
    if (!(isMissingMethod(err) || err.status === 404)) showError(err, 'Cannot load the model list');
    return;
  }
  if (signal.aborted) return;
  const models = [...(res.models || [])].sort((a, b) => `${a.name}`.localeCompare(`${b.name}`));
  clear(modelsBox);
  if (!models.length) {
    modelsBox.append(note('The server lists no models.'));
    return;
  }
  modelsBox.append(h('p', {}, `${models.length} models.`), ...models.map(modelCard));
}

function modelCard(m) {
  const t = m.training || {};
  const p = m.provenance;
  const ts = m.torchscript;
  const metrics = t.metrics || [];
  const card = h('article', { class: 'card model-card', dataset: { testid: 'model-card' } },
    h('h3', {}, `${m.name} `, h('span', { class: 'tag' }, `version ${m.version}`)),
    dl([
      ['Kind', m.kind],
      ['Trained on', t.data],
      ['Written by', t.program],
      ['Seed', t.seed && t.seed !== '0' ? String(t.seed) : null],
      ['Source', ts && ts.source],
      ['Labels', labelsOf(m)],
      ['File SHA-256', m.sha256 ? h('code', {}, m.sha256) : null],
    ]),
    metrics.length
      ? h('details', { open: metrics.length <= 6 },
        h('summary', {}, `Measured: ${metrics.length} figure${metrics.length === 1 ? '' : 's'}`),
        h('div', { class: 'table-wrap' }, table(['Metric', 'Value', 'Measured on'],
          metrics.map((x) => [x.name, formatMetric(x.value), x.split || '-']), { caption: `How ${m.name} measured`, numeric: [1] })))
      : h('p', { class: 'note' }, 'No measurements recorded for this model.'),
    p ? h('div', {}, h('h4', {}, 'Provenance and licence'), dl([
      ['Package', p.package ? `${p.package}${p.package_version ? `@${p.package_version}` : ''}` : null],
      ['Upstream', p.upstream],
      ['Licence', p.license],
      ['Notice file', p.notice_file],
      ['Converted by', p.converter],
    ])) : null);
  return card;
}

function labelsOf(m) {
  const labels = (m.torchscript && m.torchscript.labels) || (m.text && m.text.emotion_labels) ||
    (m.fusion && m.fusion.risk_labels) || (m.temporal && m.temporal.trend_labels) || [];
  return labels.length ? labels.join(', ') : null;
}

function formatMetric(v) {
  const n = num(v, NaN);
  if (!Number.isFinite(n)) return String(v);
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) < 0.001 ? n.toExponential(2) : n.toFixed(4).replace(/0+$/, '').replace(/\.$/, '');
}
