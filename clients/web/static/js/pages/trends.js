// Trends (#/trends): the person's risk, energy, stress and work over their history, with their
// own baseline band, the trend, alerts and check-ins on the same time axis, and the same data
// as tables.

import { call } from '../api.js';
import {
  h, clear, section, table, note, progress, num, fixed, formatDate, riskScore, riskLabel, levelBadge,
  indicatorLabel, showError, modalitiesUsed, plural,
} from '../render.js';
import { lineChart, line, markers, alignSeries, unitAxis, TIME_AXIS, COLORS, chartsAvailable } from '../chart.js';
import { trendSection, alertsSection } from './results.js';

// Vertical dashed lines at the alerts' times.
function alertLines(times) {
  return {
    hooks: {
      draw: [(u) => {
        const c = u.ctx;
        c.save();
        c.strokeStyle = COLORS.alert;
        c.lineWidth = 2;
        c.setLineDash([6, 4]);
        for (const t of times) {
          const x = Math.round(u.valToPos(t, 'x', true));
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
          c.beginPath();
          c.moveTo(x, u.bbox.top);
          c.lineTo(x, u.bbox.top + u.bbox.height);
          c.stroke();
        }
        c.restore();
      }],
    },
  };
}

export async function render(ctx) {
  const { view, session, signal } = ctx;
  const body = h('div', {}, progress('Loading your history...'));
  view.append(h('h1', {}, 'Trends'),
    note('How your signals moved over time, against your own usual. Each point is one assessment.'),
    body);

  const uid = session.user_id;
  const parts = await Promise.allSettled([
    call('GetHistory', { user_id: uid, limit: 500 }, { signal }),
    call('GetBaseline', { user_id: uid }, { signal }),
    call('GetTrend', { user_id: uid }, { signal }),
    call('GetAlerts', { user_id: uid, include_cleared: true }, { signal }),
    call('GetCheckIns', { user_id: uid }, { signal }),
  ]);
  if (signal.aborted) return;
  const [history, baseline, trend, alerts, checkins] = parts.map((p) => (p.status === 'fulfilled' ? p.value : null));
  const failed = parts.find((p) => p.status === 'rejected');
  if (failed) showError(failed.reason, 'Part of your trends could not be loaded');
  clear(body);
  if (!history) {
    body.append(note('Your history could not be loaded.'));
    return;
  }

  const assessments = [...(history.assessments || [])].sort((a, b) => num(a.created_at_ms) - num(b.created_at_ms));
  const alertList = (alerts && alerts.alerts) || [];
  const checkinList = (checkins && checkins.checkins) || [];
  if (!assessments.length && !checkinList.length) {
    body.append(note('There is nothing to chart yet.'),
      h('p', {}, h('a', { href: '#/assess' }, 'Make an assessment'), ' to begin.'));
    return;
  }

  const t = (ms) => num(ms) / 1000;
  const riskPts = assessments.map((a) => [t(a.created_at_ms), riskScore(a)]);
  const stat = baseline && baseline.ready ? (baseline.stats || []).find((s) => s.name === 'risk') : null;
  const checkinPersonal = checkinList.filter((c) => c.personal !== undefined).map((c) => [t(c.created_at_ms), num(c.personal) / 100]);
  const checkinWork = checkinList.filter((c) => c.work !== undefined).map((c) => [t(c.created_at_ms), num(c.work) / 100]);
  const alertTimes = alertList.map((a) => t(a.raised_at_ms));

  body.append(trendSection(trend, 2, 'Your trend'));

  // ---- risk chart ----
  const aligned = alignSeries(riskPts, checkinPersonal, checkinWork);
  const xs = aligned[0];
  const series = [{ label: 'date' }, line('risk score', COLORS.risk, { points: { show: true, size: 5 } })];
  const data = [xs, aligned[1]];
  const bands = [];
  if (stat) {
    const lo = Math.max(0, num(stat.median) - num(stat.scale));
    const hi = Math.min(1, num(stat.median) + num(stat.scale));
    series.push(line('your usual (upper)', COLORS.bandEdge, { width: 1 }), line('your usual (lower)', COLORS.bandEdge, { width: 1 }));
    data.push(xs.map(() => hi), xs.map(() => lo));
    bands.push({ series: [2, 3], fill: COLORS.band });
  }
  if (checkinPersonal.length) {
    series.push(markers('check-in: personal (CBI / 100)', COLORS.checkin));
    data.push(aligned[2]);
  }
  if (checkinWork.length) {
    series.push(markers('check-in: work (CBI / 100)', COLORS.checkinWork));
    data.push(aligned[3]);
  }
  const latest = riskPts.filter((p) => p[1] !== null).slice(-1)[0];
  const riskCaption = [
    `Risk score (0 low to 1 high) of ${plural(assessments.length, 'assessment')} from ${formatDate(assessments[0] && assessments[0].created_at_ms, { time: false })}`,
    ` to ${formatDate(assessments.length ? assessments[assessments.length - 1].created_at_ms : 0, { time: false })}`,
    latest ? `; the latest is ${fixed(latest[1])}.` : '.',
    stat ? ` The shaded band is your usual range (${fixed(num(stat.median) - num(stat.scale))} to ${fixed(num(stat.median) + num(stat.scale))}).` : '',
    checkinList.length ? ` Dots: your ${plural(checkinList.length, 'check-in')} (scaled to 0-1).` : '',
    alertTimes.length ? ` Dashed lines: ${plural(alertTimes.length, 'alert')} raised.` : '',
    ' The tables below list every value.',
  ].join('');
  const riskChart = lineChart({
    caption: riskCaption,
    testid: 'trend-risk-chart',
    opts: {
      scales: { x: { time: true }, y: { range: [0, 1] } },
      axes: [TIME_AXIS, unitAxis('risk score')],
      series,
      bands,
      plugins: [alertLines(alertTimes)],
    },
    data,
    onLeave: (fn) => ctx.onLeave(fn),
  });
  const baselineNote = baseline && !baseline.ready && baseline.message ? note(`Your usual range: ${baseline.message}.`) : null;
  body.append(section('Burnout risk over time', [riskChart.figure, baselineNote]));

  // ---- state chart ----
  if (assessments.length) {
    const sx = assessments.map((a) => t(a.created_at_ms));
    const stateChart = lineChart({
      caption: 'Energy (0 depleted to 1 energised), stress (0 calm to 1 strained) and work engagement (0 disengaged to 1 engaged) of each assessment.',
      testid: 'trend-state-chart',
      opts: {
        scales: { x: { time: true }, y: { range: [0, 1] } },
        axes: [TIME_AXIS, unitAxis('0 to 1')],
        series: [{ label: 'date' }, line('energy', COLORS.energy), line('stress', COLORS.stress, { dash: [6, 3] }),
          line('work', COLORS.work, { dash: [2, 3] })],
      },
      data: [sx, assessments.map((a) => num(a.state && a.state.energy)), assessments.map((a) => num(a.state && a.state.stress)),
        assessments.map((a) => num(a.state && a.state.work))],
      onLeave: (fn) => ctx.onLeave(fn),
    });
    body.append(section('Energy, stress and work over time', stateChart.figure));
  }
  if (!chartsAvailable()) body.append(note('Charts are not available here; the tables below hold the same data.'));

  // ---- baseline ----
  if (baseline) {
    const stats = baseline.stats || [];
    body.append(section('Your usual (personal baseline)', [
      h('p', {}, baseline.ready
        ? `Learned from your ${plural(baseline.assessments_used, 'most recent assessment')} (${formatDate(baseline.computed_at_ms)}).`
        : (baseline.message || 'Not learned yet.')),
      stats.length ? h('details', {}, h('summary', {}, `Your usual values (${stats.length})`),
        table(['Measure', 'Usual (median)', 'Spread', 'Assessments'], stats.map((s) => [
          indicatorLabel(s.name), fixed(s.median), fixed(s.scale), num(s.n)]))) : null,
    ]));
  }

  // ---- alerts and check-ins ----
  body.append(alertsSection(alertList, 2, 'Alerts') || section('Alerts', note('No alerts so far.')));
  if (checkinList.length) {
    const agreement = checkins.agreement;
    body.append(section('Check-ins', [
      agreement && agreement.summary ? h('p', {}, agreement.summary) : null,
      h('div', { class: 'table-wrap' }, table(['Date', 'Personal burnout', 'Work-related burnout', 'Passive estimate then'],
        [...checkinList].sort((a, b) => num(b.created_at_ms) - num(a.created_at_ms)).map((c) => [
          formatDate(c.created_at_ms),
          c.personal !== undefined ? `${fixed(c.personal, 0)} (${c.personal_band})` : '-',
          c.work !== undefined ? `${fixed(c.work, 0)} (${c.work_band})` : '-',
          c.passive !== undefined ? `${fixed(c.passive, 0)} (from ${plural(c.passive_assessments, 'assessment')})` : '-',
        ]), { caption: 'Your check-ins (Copenhagen Burnout Inventory, 0 to 100), newest first' })),
    ]));
  }

  // ---- the data as a table ----
  if (assessments.length) {
    body.append(section('The chart data as a table', h('details', {},
      h('summary', {}, `Every assessment (${assessments.length}), newest first`),
      h('div', { class: 'table-wrap' }, table(['Date', 'Level', 'Risk score', 'Energy', 'Stress', 'Work', 'From'],
        [...assessments].reverse().map((a) => {
          const s = riskScore(a);
          return [
            h('a', { href: `#/results/${encodeURIComponent(a.assessment_id)}` }, formatDate(a.created_at_ms)),
            levelBadge(a.risk, riskLabel(a.risk)),
            s === null ? 'none' : fixed(s),
            fixed(a.state && a.state.energy), fixed(a.state && a.state.stress), fixed(a.state && a.state.work),
            modalitiesUsed(a),
          ];
        }), { caption: 'Risk, energy, stress and work of each assessment', testid: 'trends-table' })))));
  }
}
