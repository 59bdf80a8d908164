// Results (#/results/<id>, #/results = the newest): one assessment, at a glance first (the
// risk in plain words, the one-sentence narrative, the notice), then every detail it carries.

import { call, isMissingMethod, recentAssessments, ApiError } from '../api.js';
import {
  h, clear, section, dl, table, scoresTable, bar, note, notice, progress, list, num, pct, fixed, withUnit,
  formatDate, seconds, modalityName, levelKey, levelBadgeFor, riskHeadline, riskLabel, riskScore, trendName,
  alertKindName, alertStateName, modalitiesUsed, indicatorLabel, topEmotions, FATIGUE_INDICATORS, showError, plural,
} from '../render.js';
import { lineChart, line, unitAxis, COLORS } from '../chart.js';

// GetAssessment, or (on a server without it) the assessment found in the person's history.
export async function fetchAssessment(userId, assessmentId, signal) {
  if (recentAssessments.has(assessmentId)) return recentAssessments.get(assessmentId);
  try {
    return await call('GetAssessment', { user_id: userId, assessment_id: assessmentId }, { signal });
  } catch (err) {
    if (!isMissingMethod(err)) throw err;
  }
  const res = await call('GetHistory', { user_id: userId, limit: 500 }, { signal });
  const found = (res.assessments || []).find((a) => a.assessment_id === assessmentId);
  if (!found) throw new ApiError(404, 'NOT_FOUND', 'There is no assessment with that id. It may have been deleted.');
  return found;
}

export async function render(ctx) {
  const { view, params, session, signal } = ctx;
  const h1 = h('h1', {}, 'Results');
  const body = h('div', {}, progress('Loading the assessment...'));
  view.append(h1, body);

  let assessment;
  try {
    if (params[0]) {
      assessment = await fetchAssessment(session.user_id, params[0], signal);
    } else {
      const res = await call('GetHistory', { user_id: session.user_id, limit: 1 }, { signal });
      assessment = (res.assessments || [])[0];
      if (!assessment) {
        clear(body).append(
          note('There are no assessments yet.'),
          h('p', {}, h('a', { href: '#/assess' }, 'Make your first assessment'), ' or ',
            h('a', { href: '#/live' }, 'start a real-time session'), '.'));
        return;
      }
    }
  } catch (err) {
    if (signal.aborted) return;
    clear(body).append(note('The assessment could not be loaded.'),
      h('p', {}, h('a', { href: '#/history' }, 'Back to your history')));
    showError(err, 'Cannot show these results');
    return;
  }
  if (signal.aborted) return;
  const hadFocus = document.activeElement === h1;
  clear(view);
  const content = renderAssessment(assessment, { onLeave: (fn) => ctx.onLeave(fn) });
  view.append(...content);
  if (hadFocus) {
    const first = view.querySelector('h1');
    first.setAttribute('tabindex', '-1');
    first.focus();
  }
}

// ---- the parts of an assessment ----

// Everything about an assessment, the headline first. Returns a list of elements.
export function renderAssessment(a, { onLeave, headingLevel = 1, showLink = false } = {}) {
  const out = [headline(a, headingLevel, showLink), notice(a.notice)];
  const sub = headingLevel + 1;
  out.push(
    recommendationsSection(a, sub),
    confidenceSection(a, sub),
    modalitiesSection(a, sub),
    stateSection(a, sub),
    narrativesSection(a, sub),
    baselineSection(a, sub),
    contradictionsSection(a, sub),
    selfReportSection(a, sub),
    alertsSection(a.alerts, sub),
    trendSection(a.trend, sub),
    a.session ? sessionReportSection(a.session, { level: sub, onLeave }) : null,
    technicalSection(a, sub),
  );
  return out.filter(Boolean);
}

function riskNarrative(a) {
  const narratives = a.narratives || [];
  const risk = narratives.find((n) => n.topic === 'risk') || narratives[0];
  return risk ? risk.text : '';
}

function headline(a, level, showLink) {
  const risk = a.risk || {};
  const key = levelKey(risk);
  const parts = [];
  parts.push(h(`h${level}`, { dataset: { testid: 'results-headline' } }, riskHeadline(risk)));
  if (risk.abstained) {
    parts.push(h('p', { class: 'headline-narrative' },
      'The model did not give an estimate this time',
      risk.abstain_reason ? `: ${risk.abstain_reason}` : '.'));
  }
  const narrative = riskNarrative(a);
  if (narrative) parts.push(h('p', { class: 'headline-narrative', dataset: { testid: 'results-narrative' } }, narrative));
  const meta = [`Assessed ${formatDate(a.created_at_ms)} from ${modalitiesUsed(a)}.`];
  if (a.session) meta.push(` A real-time session of ${seconds(a.session.duration_s)}.`);
  if (a.replayed) meta.push(' This is the stored result of a request that was sent again.');
  parts.push(h('p', { class: 'meta' }, meta.join('')));
  if (showLink && a.assessment_id) {
    parts.push(h('p', {}, h('a', { href: `#/results/${encodeURIComponent(a.assessment_id)}` }, 'Open the full results')));
  }
  return h('div', { class: `headline headline-${key}` }, parts);
}

function recommendationsSection(a, level) {
  const recs = a.recommendations || [];
  if (!recs.length) return null;
  return section('Ideas that might help', [
    note('Wellness suggestions based on this assessment. They are not treatment or medical advice.'),
    recs.map((r) => h('article', { class: 'recommendation' },
      h(`h${level + 1}`, {}, r.title || r.id),
      r.text ? h('p', {}, r.text) : null,
      r.why ? h('p', {}, h('strong', {}, 'Why: '), r.why) : null,
      evidenceList(r.evidence, 'What it rests on'))),
  ], { level });
}

function evidenceList(evidence, label = 'Evidence') {
  const items = (evidence || []).filter(Boolean);
  if (!items.length) return null;
  return h('details', {}, h('summary', {}, `${label} (${items.length})`),
    h('ul', { class: 'evidence' }, items.map((e) => h('li', {}, h('q', {}, e)))));
}

function confidenceSection(a, level) {
  const r = a.risk;
  if (!r) return null;
  const score = riskScore(a);
  const pairs = [
    ['Estimate', levelBadgeFor(r.abstained ? '' : r.level, riskLabel(r))],
    ['Confidence', r.abstained ? 'no estimate given' : `${pct(r.confidence)} (the calibrated probability of this level)`],
    ['Risk score', score === null ? null : `${fixed(score)} on a 0 (low) to 1 (high) scale: P(moderate)/2 + P(high)`],
    ['Uncertainty', `${fixed(r.uncertainty, 3)} (spread across repeated model passes; lower is steadier)`],
    ['Reliability', r.abstained ? null
      : r.reliable ? 'reliable: confident and consistent' : 'not reliable: read it as a weak signal'],
    ['Evidence available', r.evidence !== undefined ? `${pct(r.evidence)} (how much the inputs could say)` : null],
  ];
  const parts = [];
  if (r.abstained) {
    parts.push(h('p', { class: 'callout' }, h('strong', {}, 'No estimate: '),
      r.abstain_reason || 'the inputs carried too little evidence.',
      ' The probabilities below are kept for the record only.'));
  }
  parts.push(dl(pairs));
  if ((r.calibrated_probabilities || []).length) {
    parts.push(scoresTable(r.calibrated_probabilities, 'Calibrated probability of each level', { sort: false, labelHeader: 'Level' }));
  }
  const solo = r.solo || [];
  if (solo.length) {
    parts.push(table(['Modality alone', 'Level', 'Risk score'],
      solo.map((s) => [modalityName(s.modality), levelBadgeFor(s.level), fixed(s.risk_score)]),
      { caption: 'Each modality on its own' }));
  }
  if ((r.raw_probabilities || []).length) {
    parts.push(h('details', {}, h('summary', {}, 'Before calibration'),
      scoresTable(r.raw_probabilities, `Raw probabilities (calibration temperature ${fixed(r.temperature, 3)})`,
        { sort: false, labelHeader: 'Level' })));
  }
  return section('How sure this is', parts, { level });
}

function modalitiesSection(a, level) {
  const mods = a.modalities || [];
  if (!mods.length) return null;
  const weightOf = new Map(((a.risk && a.risk.attention) || []).map((w) => [w.modality, num(w.weight)]));
  const rows = mods.map((m) => {
    const weight = weightOf.has(m.modality) ? weightOf.get(m.modality) : num(m.attention_weight);
    const r = m.result;
    return [
      modalityName(m.modality),
      m.used ? 'used' : m.mask_reason === 'not provided' ? 'not provided' : `left out: ${m.mask_reason || 'masked'}`,
      bar(weight, pct(weight)),
      r ? pct(r.quality) : '-',
      r ? topEmotions(r.emotions, 2) : '-',
    ];
  });
  const parts = [
    note('How much weight the model gave each input (attention), and why an input was left out.'),
    table(['Modality', 'Status', 'Weight', 'Quality', 'Strongest emotions'], rows, { caption: 'Inputs' }),
  ];
  for (const m of mods) {
    if (m.result) parts.push(modalityDetail(m.result, modalityName(m.modality), level + 1));
  }
  return section('What was used', parts, { level });
}

// One analyzer's result: emotions, findings, quality issues, indicators, evidence.
export function modalityDetail(r, name, level) {
  const parts = [h(`h${level}`, {}, `${name[0].toUpperCase()}${name.slice(1)}`)];
  if ((r.findings || []).length) parts.push(list(r.findings));
  if ((r.quality_issues || []).length) {
    parts.push(h('p', {}, h('strong', {}, 'Quality: '), `${pct(r.quality)}, because `, r.quality_issues.join('; ')));
  }
  if ((r.emotions || []).length) parts.push(scoresTable(r.emotions, `Emotions read from the ${name}`, { labelHeader: 'Emotion' }));
  const fatigue = (r.indicators || []).filter((i) => FATIGUE_INDICATORS.includes(i.name));
  if (fatigue.length) {
    parts.push(table(['Fatigue measure', 'Value'], fatigue.map((i) => [indicatorLabel(i.name), withUnit(i.value, i.unit)]),
      { caption: 'Tiredness signs' }));
  }
  const inds = (r.indicators || []).filter((i) => !FATIGUE_INDICATORS.includes(i.name));
  if (inds.length) {
    parts.push(h('details', {}, h('summary', {}, `Measurements (${inds.length})`),
      table(['Measurement', 'Value'], inds.map((i) => [indicatorLabel(i.name), withUnit(i.value, i.unit)]))));
  }
  const ev = r.evidence || [];
  if (ev.length) {
    const rows = [...ev].sort((x, y) => Math.abs(num(y.contribution)) - Math.abs(num(x.contribution))).slice(0, 20)
      .map((e) => [e.feature, e.label, `${num(e.contribution) >= 0 ? '+' : ''}${fixed(e.contribution)}`, e.context || '']);
    parts.push(h('details', {}, h('summary', {}, 'What pushed the emotions most'),
      table(['Feature', 'Pushed', 'By', 'How it was used'], rows)));
  }
  const details = Object.entries(r.details || {});
  if (r.model || details.length || r.embedding || (r.timings || []).length) {
    const pairs = [];
    if (r.model && r.model.name) pairs.push(['Model', `${r.model.name}/${r.model.version}`]);
    for (const [k, v] of details) pairs.push([k.replace(/_/g, ' '), v]);
    if (r.embedding && (r.embedding.values || []).length) {
      pairs.push(['Embedding', `${r.embedding.values.length} values${r.embedding.model_id ? ` (${r.embedding.model_id})` : ''}`]);
    }
    if ((r.timings || []).length) pairs.push(['Time taken', r.timings.map((t) => `${t.stage} ${fixed(t.millis, 1)} ms`).join(', ')]);
    parts.push(h('details', {}, h('summary', {}, 'How it was read'), dl(pairs)));
  }
  return h('div', { class: 'modality-detail' }, parts);
}

function stateSection(a, level) {
  const s = a.state;
  if (!s) return null;
  return section('Energy, stress and work', [
    table(['Dimension', 'Reading', 'Scale'], [
      ['Energy', bar(s.energy, fixed(s.energy)), '0 depleted to 1 energised'],
      ['Stress', bar(s.stress, fixed(s.stress)), '0 calm to 1 strained'],
      ['Work', bar(s.work, fixed(s.work)), '0 disengaged to 1 engaged'],
    ], { caption: 'Your state as this assessment reads it' }),
  ], { level });
}

function narrativesSection(a, level) {
  const ns = a.narratives || [];
  if (!ns.length) return null;
  return section('What this rests on', ns.map((n) => h('div', { class: 'narrative' },
    h('p', {}, n.topic ? h('span', { class: 'tag' }, n.topic) : null, ' ', n.text),
    evidenceList(n.evidence))), { level });
}

function baselineSection(a, level) {
  const b = a.baseline;
  if (!b) return null;
  const parts = [];
  if (!b.ready) {
    parts.push(h('p', {}, b.message || `${plural(num(b.assessments_needed) - num(b.assessments_used), 'more assessment', 'more assessments')} to learn your baseline.`));
  } else {
    parts.push(note(`Compared with your own usual, learned from ${plural(b.assessments_used, 'earlier assessment')}.`));
  }
  const devs = b.deviations || [];
  const said = devs.filter((d) => d.text);
  if (said.length) parts.push(list(said.map((d) => d.text)));
  if (devs.length) {
    parts.push(h('details', {}, h('summary', {}, `All compared measures (${devs.length})`),
      table(['Measure', 'This time', 'Your usual', 'Difference'], devs.map((d) => [
        indicatorLabel(d.name), fixed(d.value), `${fixed(d.baseline_median)} (spread ${fixed(d.baseline_scale)})`,
        `${num(d.z) >= 0 ? '+' : ''}${fixed(d.z, 1)} spreads${d.relative_change ? `, ${num(d.relative_change) >= 0 ? '+' : ''}${pct(d.relative_change)}` : ''}`,
      ]))));
  } else if (b.ready) {
    parts.push(note('Nothing stood out against your usual.'));
  }
  if ((b.personalized || []).length) {
    parts.push(h('p', {}, 'Read relative to how you usually are: ', b.personalized.map(indicatorLabel).join(', '), '.'));
  }
  return section('Compared with your usual', parts, { level });
}

function contradictionsSection(a, level) {
  const cs = a.contradictions || [];
  if (!cs.length) return null;
  const side = (label, s) => (s ? h('li', {}, h('strong', {}, `${label} (${modalityName(s.modality)}): `),
    s.reading || '', ` - risk alone ${fixed(s.risk_score)}, weight ${pct(s.weight)}`, evidenceList(s.evidence)) : null);
  return section('Where your signals disagree', cs.map((c) => h('div', { class: 'contradiction' },
    h('p', {}, c.text || 'Two inputs read differently.'),
    h('ul', {}, side('Reads lighter', c.lighter), side('Reads heavier', c.heavier)),
    h('p', { class: 'note' }, `Gap ${fixed(c.gap)}; the assessment weighed ${modalityName(c.weighed)} more.`))), { level });
}

function checkInLine(c) {
  const bits = [];
  if (c.personal !== undefined) bits.push(`personal ${fixed(c.personal, 0)}/100 (${c.personal_band || '-'})`);
  if (c.work !== undefined) bits.push(`work-related ${fixed(c.work, 0)}/100 (${c.work_band || '-'})`);
  return bits.length ? bits.join(', ') : 'not enough answers for a score';
}

function selfReportSection(a, level) {
  const s = a.self_report;
  if (!s || (!s.text && !s.latest && s.calibrated === undefined && !s.agreement)) return null;
  const parts = [];
  if (s.text) parts.push(h('p', {}, s.text));
  const pairs = [];
  if (s.latest) pairs.push([`Latest check-in (${formatDate(s.latest.created_at_ms)})`, checkInLine(s.latest)]);
  if (s.calibrated !== undefined) pairs.push(['This assessment on the check-in scale', `${fixed(s.calibrated, 0)}/100`]);
  if (s.agreement && s.agreement.summary) pairs.push(['How they agree', s.agreement.summary]);
  parts.push(dl(pairs));
  const ag = s.agreement;
  if (ag && num(ag.pairs) > 0) {
    parts.push(h('details', {}, h('summary', {}, 'Agreement in numbers'), dl([
      ['Check-ins compared', String(num(ag.pairs))],
      ['Rank correlation', ag.spearman !== undefined ? fixed(ag.spearman) : 'not yet defined'],
      ['Linear correlation', ag.pearson !== undefined ? fixed(ag.pearson) : 'not yet defined'],
      ['Mean difference', `${fixed(ag.mean_abs_diff, 1)} points (passive minus check-in: ${fixed(ag.bias, 1)})`],
      ['Calibrated to your check-ins', ag.calibrated ? `yes (${fixed(ag.calibration_intercept, 1)} + ${fixed(ag.calibration_slope)} x)` : 'not yet'],
    ])));
  }
  return section('Your check-ins', parts, { level });
}

export function alertsSection(alerts, level, title = 'Alerts') {
  const as = alerts || [];
  if (!as.length) return null;
  return section(title, h('div', { class: 'table-wrap' }, table(['Alert', 'State', 'Raised', 'Cleared', 'Details'], as.map((x) => [
    alertKindName(x.kind), alertStateName(x.state), formatDate(x.raised_at_ms, { time: false }),
    num(x.cleared_at_ms) ? formatDate(x.cleared_at_ms, { time: false }) : '-',
    h('span', {}, x.message || `value ${fixed(x.value_at_raise)} against your usual ${fixed(x.baseline)}`,
      h('span', { class: 'small note' }, ` (usual ${fixed(x.baseline)}, at the start ${fixed(x.value_at_raise)}, at most ${fixed(x.peak_value)})`)),
  ]))), { level });
}

export function trendSection(t, level, title = 'Trend') {
  if (!t) return null;
  const name = trendName(t.trend);
  const parts = [];
  if (!name) {
    parts.push(h('p', {}, 'No trend yet', t.unavailable_reason ? `: ${t.unavailable_reason}.` : '.'));
  } else {
    parts.push(h('p', { class: 'lead' }, `Your trend: ${name} (${pct(t.confidence)} confidence), over ${plural(t.assessments_used, 'assessment')}.`));
    if ((t.probabilities || []).length) parts.push(scoresTable(t.probabilities, 'Probability of each trend', { sort: false, labelHeader: 'Trend' }));
  }
  return section(title, parts, { level });
}

function technicalSection(a, level) {
  const r = a.risk || {};
  const pairs = [
    ['Assessment id', a.assessment_id],
    ['Request id', a.request_id],
    ['Created', formatDate(a.created_at_ms)],
    ['Fusion model', r.model && r.model.name ? `${r.model.name}/${r.model.version} (${r.variant || 'default'})` : null],
    ['Read relative to you', (r.personalized || []).length ? r.personalized.join(', ') : null],
    ['Trend features', (a.trend_features || []).length ? (a.trend_features || []).map((v) => fixed(v)).join(', ') : null],
  ];
  const timings = [...(a.timings || []), ...(r.timings || [])];
  return h('details', { class: 'card' },
    h('summary', {}, 'Technical details'),
    dl(pairs),
    a.text ? h('div', {}, h('p', { class: 'label' }, 'Your text as stored'), h('blockquote', {}, a.text)) : null,
    timings.length ? table(['Stage', 'Time'], timings.map((t) => [t.stage, `${fixed(t.millis, 1)} ms`]), { caption: 'Timings' }) : null);
}

// ---- a live session's report (also shown by the Real-Time page) ----

function segmentModality(seg, modality) {
  const m = (seg.modalities || []).find((x) => x.modality === modality && num(x.results) > 0);
  if (!m) return '-';
  const dominant = m.dominant || topEmotions(m.emotions, 1);
  const fatigue = (m.indicators || []).filter((i) => FATIGUE_INDICATORS.includes(i.name))
    .map((i) => `${indicatorLabel(i.name)} ${withUnit(i.value, '')}`);
  return [dominant, fatigue.length ? ` (${fatigue.join(', ')})` : ''].join('');
}

export function sessionReportSection(s, { level = 2, onLeave, title = 'The session' } = {}) {
  const parts = [];
  parts.push(dl([
    ['Length', seconds(s.duration_s)],
    ['Started', formatDate(s.started_at_ms)],
    ['Ended', s.ended || null],
    ['Session id', s.session_id || null],
  ]));
  if (s.store_error) {
    parts.push(h('p', { class: 'callout' }, h('strong', {}, 'Not stored: '), s.store_error));
  }
  const segs = s.segments || [];
  if (segs.length) {
    parts.push(h('div', { class: 'table-wrap' }, table(
      ['Part', 'Time', 'Risk score', 'Confidence', 'Stress', 'Energy', 'Voice', 'Face'],
      segs.map((g) => [
        g.name, `${fixed(g.start_s, 0)}-${fixed(g.end_s, 0)} s`, fixed(g.mean_risk_score), pct(g.mean_confidence),
        fixed(g.mean_stress), fixed(g.mean_energy), segmentModality(g, 'MODALITY_VOICE'), segmentModality(g, 'MODALITY_FACE'),
      ]), { caption: 'Beginning, middle and end of the session (means)' })));
  }
  const fs = s.fused_series || [];
  if (fs.length > 1) {
    const xs = fs.map((p) => num(p.t_s));
    const chart = lineChart({
      caption: `Risk score and stress over the session (${fs.length} points, every ${fixed(s.fused_step_s, 1)} s); ` +
        'the segment table above gives the same picture in numbers.',
      opts: {
        scales: { x: { time: false }, y: { range: [0, 1] } },
        axes: [{ label: 'seconds', stroke: '#333' }, unitAxis('0 to 1')],
        series: [{ label: 'time (s)' }, line('risk score', COLORS.risk), line('stress', COLORS.stress)],
      },
      data: [xs, fs.map((p) => num(p.risk_score)), fs.map((p) => num(p.stress))],
      height: 200,
      onLeave,
    });
    parts.push(chart.figure);
  }
  const spikes = s.spikes || [];
  if (spikes.length) {
    const shown = spikes.slice(0, 20);
    parts.push(table(['Time', 'What', 'Value', 'Recent average'], shown.map((p) => [
      `${fixed(p.t_s, 1)} s`, p.kind === 'confidence_drop' ? 'confidence dropped' : p.kind === 'stress_jump' ? 'stress jumped' : p.kind,
      fixed(p.value), fixed(p.recent_average)]), { caption: `Sudden changes (${spikes.length})` }));
  } else {
    parts.push(h('p', {}, 'No sudden changes of stress or confidence.'));
  }
  for (const ms of s.series || []) {
    const points = ms.points || [];
    if (!points.length) continue;
    const name = modalityName(ms.modality);
    const shown = points.length > 120 ? points.filter((_, i) => i % Math.ceil(points.length / 120) === 0) : points;
    parts.push(h('details', {}, h('summary', {}, `The ${name} over time (${points.length} points, every ${fixed(ms.step_s, 1)} s)`),
      h('div', { class: 'table-wrap' }, table(['Time', 'Strongest emotions', 'Quality', 'Results', 'Tiredness signs'],
        shown.map((p) => [
          `${fixed(p.t_s, 0)} s`, topEmotions(p.emotions, 2), pct(p.quality), String(num(p.results)),
          (p.indicators || []).map((i) => `${indicatorLabel(i.name)} ${withUnit(i.value, '')}`).join(', ') || '-',
        ])))));
  }
  if ((s.notes || []).length) parts.push(h('p', { class: 'label' }, 'Notes'), list(s.notes));
  if (s.counters) parts.push(h('details', {}, h('summary', {}, 'Session counters'), countersList(s.counters)));
  return section(title, parts, { level });
}

export function countersList(c) {
  return dl([
    ['Frames received', num(c.frames_received)],
    ['Frames analysed', `${num(c.frames_analyzed)} (forwarded ${num(c.frames_forwarded)}, skipped ${num(c.frames_skipped)}, over rate ${num(c.frames_over_rate)})`],
    ['Audio received', `${fixed(c.audio_s_received, 1)} s in ${num(c.audio_chunks_received)} chunks (dropped ${num(c.audio_chunks_dropped)})`],
    ['Voice windows analysed', `${num(c.voice_windows_analyzed)} (skipped ${num(c.voice_windows_skipped)})`],
    ['Updates sent', `${num(c.updates_sent)} (dropped ${num(c.updates_dropped)})`],
    ['Fused updates', `${num(c.fused_updates)} (failed ${num(c.fusions_failed)})`],
  ]);
}
