// Dashboard (#/dashboard). A person: their summary of the last 30 days, active alerts, and a
// short check-in (the Copenhagen Burnout Inventory). An operator: the organisation's group
// aggregates, where groups too small to stay anonymous are suppressed.

import { call, newRequestId } from '../api.js';
import {
  h, clear, section, dl, table, note, notice, progress, bar, num, pct, fixed, formatDate, levelBadgeFor,
  levelName, showError, clearError, announce, plural,
} from '../render.js';
import { trendSection, alertsSection } from './results.js';

const LEVEL_ORDER = ['RISK_LEVEL_LOW', 'RISK_LEVEL_MODERATE', 'RISK_LEVEL_HIGH', 'RISK_LEVEL_UNSPECIFIED'];

function levelsTable(levels, caption) {
  const counts = new Map((levels || []).map((l) => [l.level || 'RISK_LEVEL_UNSPECIFIED', num(l.count)]));
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  return table(['Level', 'Assessments', 'Share'], LEVEL_ORDER.filter((l) => counts.has(l)).map((l) => [
    levelBadgeFor(l, levelName(l) || 'no estimate (not enough signal)'),
    String(counts.get(l)),
    bar(total ? counts.get(l) / total : 0, total ? pct(counts.get(l) / total) : '-'),
  ]), { caption });
}

export async function render(ctx) {
  const { view, session } = ctx;
  view.append(h('h1', {}, 'Dashboard'));
  if (session.role === 'operator') return renderOrg(ctx);
  return renderPerson(ctx);
}

// ---- a person ----

async function renderPerson(ctx) {
  const { view, session, signal } = ctx;
  const summaryBox = h('div', {}, progress('Loading your summary...'));
  const checkinBox = h('div', {});
  const groupBox = h('div', {});
  view.append(note('Your last 30 days at a glance, and a short check-in with yourself.'), summaryBox, checkinBox, groupBox);

  const [summaryRes, formRes] = await Promise.allSettled([
    call('GetSummary', { user_id: session.user_id }, { signal }),
    call('GetCheckInForm', {}, { signal }),
  ]);
  if (signal.aborted) return;
  clear(summaryBox);
  if (summaryRes.status === 'fulfilled') {
    summaryBox.append(...personSummary(summaryRes.value));
  } else {
    summaryBox.append(note('Your summary could not be loaded.'));
    showError(summaryRes.reason, 'Cannot load your summary');
  }
  if (formRes.status === 'fulfilled') {
    checkinBox.append(checkInForm(formRes.value, ctx));
  } else {
    checkinBox.append(section('Check in', note('The check-in form could not be loaded.')));
    if (summaryRes.status === 'fulfilled') showError(formRes.reason, 'Cannot load the check-in form');
  }
  groupBox.append(groupForm(ctx));
}

function personSummary(s) {
  const out = [];
  const active = (s.alerts || []).filter((a) => a.state === 'ALERT_STATE_ACTIVE');
  const n = num(s.assessments);
  out.push(section(`Your last ${Math.round((num(s.until_ms) - num(s.since_ms)) / 86400000) || 30} days`, [
    h('p', { class: 'small note' }, `${formatDate(s.since_ms, { time: false })} to ${formatDate(s.until_ms, { time: false })}`),
    n === 0 ? h('p', {}, 'No assessments in this period yet. ', h('a', { href: '#/assess' }, 'Make one')) : [
      dl([
        ['Assessments', String(n)],
        ['Mean risk score', `${fixed(s.mean_risk)} (0 low to 1 high)`],
        ['Mean energy', bar(s.mean_energy, fixed(s.mean_energy))],
        ['Mean stress', bar(s.mean_stress, fixed(s.mean_stress))],
        ['Mean work engagement', bar(s.mean_work, fixed(s.mean_work))],
        ['Active alerts', String(active.length)],
        ['Check-ins', String((s.checkins || []).length)],
      ]),
      levelsTable(s.levels, 'How your assessments were spread over the levels'),
    ],
    s.baseline && s.baseline.message ? h('p', {}, s.baseline.message) : null,
    s.agreement && s.agreement.summary ? h('p', {}, h('strong', {}, 'Check-ins and the passive estimate: '), s.agreement.summary) : null,
    (s.checkins || []).length ? table(['Check-in', 'Personal burnout', 'Work-related burnout'],
      [...s.checkins].sort((a, b) => num(b.created_at_ms) - num(a.created_at_ms)).slice(0, 10).map((c) => [
        formatDate(c.created_at_ms),
        c.personal !== undefined ? `${fixed(c.personal, 0)} (${c.personal_band})` : '-',
        c.work !== undefined ? `${fixed(c.work, 0)} (${c.work_band})` : '-',
      ]), { caption: 'Your check-ins in this period, newest first' }) : null,
  ], { testid: 'person-summary' }));
  out.push(alertsSection(active, 2, 'Active alerts') || section('Active alerts', note('No active alerts.')));
  if (s.trend) out.push(trendSection(s.trend, 2, 'Trend'));
  out.push(notice(s.notice));
  return out.filter(Boolean);
}

function checkInForm(form, ctx) {
  const { session } = ctx;
  const items = form.items || [];
  const result = h('div', { class: 'checkin-result' });
  const submit = h('button', { type: 'submit' }, 'Save my check-in');
  const fieldsets = items.map((item) => {
    const name = `cbi-${item.number}`;
    const options = (item.responses || []).map((label, i) => {
      const id = `${name}-${i + 1}`;
      return h('label', { for: id }, h('input', { type: 'radio', name, id, value: String(i + 1) }), label);
    });
    const skipId = `${name}-0`;
    options.push(h('label', { for: skipId }, h('input', { type: 'radio', name, id: skipId, value: '0', checked: true }), 'Skip'));
    return h('fieldset', { class: 'checks cbi-item' }, h('legend', {}, `${item.number}. ${item.text}`), options);
  });
  const formEl = h('form', { 'aria-labelledby': 'checkin-title', novalidate: true },
    h('p', {}, `${items.length} short questions about the last weeks. Skip any you prefer not to answer.`),
    fieldsets, h('div', { class: 'buttons' }, submit), result);
  formEl.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearError();
    const answers = items.map((item) => {
      const checked = formEl.querySelector(`input[name="cbi-${item.number}"]:checked`);
      return checked ? Number(checked.value) : 0;
    });
    if (answers.every((a) => a === 0)) {
      showError({ message: 'Please answer at least a few of the questions.' }, 'Nothing to save yet');
      return;
    }
    submit.disabled = true;
    clear(result).append(progress('Saving...'));
    try {
      const res = await call('CheckIn', { user_id: session.user_id, request_id: newRequestId(), answers }, { signal: ctx.signal });
      const c = res.checkin || {};
      clear(result).append(h('div', { class: 'callout' },
        h('p', {}, h('strong', {}, 'Saved. '), `Thank you for checking in (${formatDate(c.created_at_ms)}).`),
        dl([
          ['Personal burnout', c.personal !== undefined ? `${fixed(c.personal, 0)} of 100 (${c.personal_band})` : 'not enough answers for a score'],
          ['Work-related burnout', c.work !== undefined ? `${fixed(c.work, 0)} of 100 (${c.work_band})` : 'not enough answers for a score'],
          ['Passive estimate then', c.passive !== undefined ? `${fixed(c.passive, 0)} of 100, from ${plural(c.passive_assessments, 'assessment')}` : null],
          ['How they agree', res.agreement && res.agreement.summary],
        ])));
      announce('Your check-in was saved.');
    } catch (err) {
      if (ctx.signal.aborted) return;
      clear(result);
      showError(err, 'Your check-in was not saved');
    } finally {
      submit.disabled = false;
    }
  });
  return section('Check in', [
    form.instrument ? h('p', { class: 'note' }, form.instrument) : null,
    formEl,
    form.notice ? note(form.notice) : null,
    form.citation ? h('p', { class: 'small note' }, form.citation) : null,
  ], { id: 'checkin-title' });
}

function groupForm(ctx) {
  const { session } = ctx;
  const input = h('input', { type: 'text', id: 'group-name', maxlength: '64', autocomplete: 'off', 'aria-describedby': 'group-hint' });
  const save = h('button', { type: 'submit' }, 'Save');
  const leave = h('button', { type: 'button', class: 'secondary' }, 'Count me in no group');
  const status = h('p', { role: 'status', class: 'form-status' });
  const formEl = h('form', { novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'group-name' }, 'Group name'),
      h('span', { class: 'hint', id: 'group-hint' },
        'Optional. If you choose a group (for example your team), your assessments count in its anonymous totals. ' +
        'Groups with too few people are never shown, and no one sees your own results.'),
      input),
    h('div', { class: 'buttons' }, save, leave), status);
  async function setGroup(group) {
    clearError();
    save.disabled = true;
    leave.disabled = true;
    try {
      const res = await call('SetGroup', { user_id: session.user_id, group }, { signal: ctx.signal });
      status.textContent = res.group ? `You now count in the group "${res.group}".` : 'You now count in no group.';
    } catch (err) {
      if (!ctx.signal.aborted) showError(err, 'The group was not changed');
    } finally {
      save.disabled = false;
      leave.disabled = false;
    }
  }
  formEl.addEventListener('submit', (e) => {
    e.preventDefault();
    const g = input.value.trim();
    if (!g) {
      showError({ message: 'Please type a group name, or choose "Count me in no group".' }, 'No group name');
      input.focus();
      return;
    }
    setGroup(g);
  });
  leave.addEventListener('click', () => {
    input.value = '';
    setGroup('');
  });
  return h('details', { class: 'card' }, h('summary', {}, 'Organisation group (optional)'), formEl);
}

// ---- an operator ----

async function renderOrg(ctx) {
  const { view, signal } = ctx;
  const box = h('div', {}, progress('Loading the organisation summary...'));
  view.append(note('Anonymous totals over groups of people who chose to count in a group. No one person\'s results are ever shown here.'), box);
  let org;
  try {
    org = await call('GetOrgSummary', {}, { signal });
  } catch (err) {
    if (signal.aborted) return;
    clear(box).append(note('The organisation summary could not be loaded.'));
    showError(err, 'Cannot load the organisation summary');
    return;
  }
  if (signal.aborted) return;
  const k = num(org.min_group_size);
  const suppressedText = `suppressed (fewer than ${k} people)`;
  const groups = org.groups || [];
  const row = (g) => (g.suppressed
    ? [g.group || '-', suppressedText, '-', '-', '-', '-', '-', '-', '-']
    : [
      g.group || '-', String(num(g.people)), String(num(g.assessments)), fixed(g.mean_risk), fixed(g.mean_stress),
      fixed(g.mean_energy), String(num(g.people_with_active_alerts)),
      `${num(g.checkins)}${g.mean_checkin_personal !== undefined ? `; personal ${fixed(g.mean_checkin_personal, 0)}` : ''}` +
        `${g.mean_checkin_work !== undefined ? `, work ${fixed(g.mean_checkin_work, 0)}` : ''}`,
      levelSummary(g.levels),
    ]);
  clear(box).append(
    h('p', { class: 'small note' }, `${formatDate(org.since_ms, { time: false })} to ${formatDate(org.until_ms, { time: false })}. ` +
      `Groups of fewer than ${k} people are suppressed and left out of the overall figures.`),
    section('Groups', [
      groups.length
        ? h('div', { class: 'table-wrap' }, table(
          ['Group', 'People', 'Assessments', 'Mean risk', 'Mean stress', 'Mean energy', 'People with active alerts', 'Check-ins', 'Levels'],
          groups.map(row), { caption: 'Each group\'s aggregates', testid: 'org-groups' }))
        : note('No groups yet: people choose on their own Dashboard whether to count in a group.'),
      num(org.suppressed_groups) ? h('p', {}, num(org.suppressed_groups) === 1
        ? `1 group is ${suppressedText}.` : `${num(org.suppressed_groups)} groups are ${suppressedText}.`) : null,
    ]),
    org.overall ? section('Overall', org.overall.suppressed
      ? h('p', {}, `The overall figures are ${suppressedText}.`)
      : [dl([
        ['People', String(num(org.overall.people))],
        ['Assessments', String(num(org.overall.assessments))],
        ['Mean risk score', fixed(org.overall.mean_risk)],
        ['Mean stress', fixed(org.overall.mean_stress)],
        ['Mean energy', fixed(org.overall.mean_energy)],
        ['People with active alerts', String(num(org.overall.people_with_active_alerts))],
      ]), levelsTable(org.overall.levels, 'Levels over the groups shown')]) : null,
    notice(org.notice),
  );
}

function levelSummary(levels) {
  return (levels || []).filter((l) => num(l.count) > 0)
    .map((l) => `${levelName(l.level) || 'no estimate'} ${num(l.count)}`).join(', ') || '-';
}
