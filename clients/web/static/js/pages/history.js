// History (#/history): the person's assessments, newest first (each opens its Results, each can
// be deleted), export as CSV or JSON, who used the data (the audit log), and deleting
// everything.

import { call, base64ToBytes, recentAssessments } from '../api.js';
import {
  h, clear, section, dl, note, progress, num, pct, formatDate, levelBadge, riskLabel, riskScore,
  modalitiesUsed, showError, clearError, announce, download, plural,
} from '../render.js';

export async function render(ctx) {
  const { view, session, signal } = ctx;
  const listBox = h('div', {}, progress('Loading your assessments...'));
  view.append(h('h1', {}, 'History'),
    note('Everything you have assessed, newest first. Open one to see its results, or delete what you do not want kept.'),
    section('Your assessments', listBox, { id: 'history-list-title' }),
    exportSection(ctx),
    auditSection(ctx),
    deleteAllSection(ctx, () => loadList()));

  async function loadList() {
    clear(listBox).append(progress('Loading your assessments...'));
    let res;
    try {
      res = await call('GetHistory', { user_id: session.user_id, limit: 500 }, { signal });
    } catch (err) {
      if (signal.aborted) return;
      clear(listBox).append(note('Your history could not be loaded.'));
      showError(err, 'Cannot load your history');
      return;
    }
    if (signal.aborted) return;
    const items = [...(res.assessments || [])].sort((a, b) => num(b.created_at_ms) - num(a.created_at_ms));
    clear(listBox);
    if (!items.length) {
      listBox.append(h('p', { dataset: { testid: 'history-empty' } }, 'No assessments are stored. ',
        h('a', { href: '#/assess' }, 'Make an assessment'), '.'));
      return;
    }
    const count = h('p', { class: 'note', role: 'status' }, `${items.length} assessment${items.length === 1 ? '' : 's'}.`);
    const tbody = h('tbody', {});
    for (const a of items) tbody.append(row(a));
    listBox.append(count, h('div', { class: 'table-wrap' }, h('table', { class: 'data', dataset: { testid: 'history-table' } },
      h('caption', {}, 'Your assessments, newest first'),
      h('thead', {}, h('tr', {},
        ['Date', 'Level', 'Risk', 'Used', 'Kind', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))),
      tbody)));

    function row(a) {
      const date = formatDate(a.created_at_ms);
      const score = riskScore(a);
      const risk = a.risk || {};
      const actions = h('td', {});
      const tr = h('tr', { dataset: { assessmentId: a.assessment_id } },
        h('th', { scope: 'row' }, h('a', { href: `#/results/${encodeURIComponent(a.assessment_id)}` }, date)),
        h('td', {}, levelBadge(risk, riskLabel(risk))),
        h('td', {}, risk.abstained ? 'no estimate' : `${pct(risk.confidence)}${score === null ? '' : ` (score ${score.toFixed(2)})`}`),
        h('td', {}, modalitiesUsed(a)),
        h('td', {}, a.session ? 'real-time session' : 'single'),
        actions);
      showDelete();
      return tr;

      function showDelete() {
        const btn = h('button', {
          type: 'button', class: 'secondary', dataset: { testid: 'delete-assessment' },
          'aria-label': `Delete the assessment of ${date}`,
        }, 'Delete');
        btn.addEventListener('click', () => confirmDelete());
        clear(actions).append(btn);
        return btn;
      }

      function confirmDelete() {
        const yes = h('button', { type: 'button', class: 'danger', dataset: { testid: 'confirm-delete' } }, 'Yes, delete it');
        const no = h('button', { type: 'button', class: 'secondary' }, 'Keep it');
        clear(actions).append(h('span', { class: 'small' }, `Delete the assessment of ${date} for good?`), ' ',
          h('span', { class: 'buttons' }, yes, no));
        no.addEventListener('click', () => showDelete().focus());
        yes.addEventListener('click', async () => {
          yes.disabled = true;
          no.disabled = true;
          clearError();
          try {
            await call('DeleteAssessment', { user_id: session.user_id, assessment_id: a.assessment_id }, { signal });
            recentAssessments.delete(a.assessment_id);
            const next = tr.nextElementSibling || tr.previousElementSibling;
            tr.remove();
            const left = tbody.children.length;
            count.textContent = `The assessment of ${date} was deleted. ${left} left.`;
            announce(`The assessment of ${date} was deleted.`);
            const focusTarget = next ? next.querySelector('a') : listBox.closest('section').querySelector('h2');
            if (focusTarget) {
              if (!focusTarget.hasAttribute('href')) focusTarget.setAttribute('tabindex', '-1');
              focusTarget.focus();
            }
            if (!left) loadList();
          } catch (err) {
            if (signal.aborted) return;
            showError(err, 'The assessment was not deleted');
            showDelete().focus();
          }
        });
        no.focus();
      }
    }
  }

  await loadList();
}

function exportSection(ctx) {
  const { session, signal } = ctx;
  const status = h('p', { class: 'form-status', role: 'status' });
  const csv = h('button', { type: 'button', class: 'secondary', dataset: { testid: 'export-csv' } }, 'Download as CSV');
  const json = h('button', { type: 'button', class: 'secondary', dataset: { testid: 'export-json' } }, 'Download as JSON');
  async function run(format, ext, btn) {
    clearError();
    btn.disabled = true;
    status.textContent = 'Preparing your export...';
    try {
      const res = await call('Export', { user_id: session.user_id, format }, { signal });
      const stamp = new Date().toISOString().slice(0, 10);
      const type = res.content_type || (ext === 'csv' ? 'text/csv' : 'application/json');
      download(base64ToBytes(res.data), `burnout-risk-${session.user_id}-${stamp}.${ext}`, type);
      status.textContent = `Downloaded: ${plural(res.assessments, 'assessment')}, ${plural(res.checkins, 'check-in')}, ${plural(res.alerts, 'alert')}.`;
    } catch (err) {
      if (signal.aborted) return;
      status.textContent = '';
      showError(err, 'The export did not work');
    } finally {
      btn.disabled = false;
    }
  }
  csv.addEventListener('click', () => run('EXPORT_FORMAT_CSV', 'csv', csv));
  json.addEventListener('click', () => run('EXPORT_FORMAT_JSON', 'json', json));
  return section('Take your data with you', [
    note('A copy of everything stored about you: the CSV has one row per assessment; the JSON holds everything, including check-ins, alerts, your baseline and the record of who used your data.'),
    h('div', { class: 'buttons' }, csv, json), status,
  ]);
}

function auditSection(ctx) {
  const { session, signal } = ctx;
  const box = h('div', {});
  const details = h('details', { class: 'card' }, h('summary', {}, 'Who used your data'), box);
  let loaded = false;
  details.addEventListener('toggle', async () => {
    if (!details.open || loaded) return;
    loaded = true;
    clear(box).append(progress('Loading...'));
    try {
      const res = await call('GetAuditLog', { user_id: session.user_id, limit: 100 }, { signal });
      const recs = res.records || [];
      clear(box).append(recs.length
        ? h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
          h('caption', {}, 'The newest 100 uses of your data'),
          h('thead', {}, h('tr', {}, ['When', 'What', 'Who', 'Outcome', 'Detail'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, recs.map((r) => h('tr', {},
            h('th', { scope: 'row' }, formatDate(r.at_ms)), h('td', {}, r.action), h('td', {}, r.actor || '-'),
            h('td', {}, r.outcome), h('td', {}, r.detail || ''))))))
        : note('Nothing recorded yet.'));
    } catch (err) {
      loaded = false;
      if (signal.aborted) return;
      clear(box).append(note('The record could not be loaded.'));
      showError(err, 'Cannot load who used your data');
    }
  });
  return details;
}

function deleteAllSection(ctx, reload) {
  const { session, signal } = ctx;
  const input = h('input', { type: 'text', id: 'delete-all-confirm', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'delete-all-hint' });
  const btn = h('button', { type: 'submit', class: 'danger', disabled: true, dataset: { testid: 'delete-everything' } }, 'Delete everything');
  const result = h('div', {});
  const form = h('form', { novalidate: true },
    h('div', { class: 'field' },
      h('label', { for: 'delete-all-confirm' }, `Type your user id (${session.user_id}) to confirm`),
      h('span', { class: 'hint', id: 'delete-all-hint' }, 'This deletes all your assessments, check-ins, alerts, your baseline, your group membership and the record of who used your data. It cannot be undone.'),
      input),
    h('div', { class: 'buttons' }, btn), result);
  input.addEventListener('input', () => { btn.disabled = input.value.trim() !== session.user_id; });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (input.value.trim() !== session.user_id) return;
    clearError();
    btn.disabled = true;
    clear(result).append(progress('Deleting...'));
    try {
      const r = await call('DeleteUserData', { user_id: session.user_id }, { signal });
      recentAssessments.clear();
      input.value = '';
      clear(result).append(h('div', { class: 'callout', dataset: { testid: 'delete-result' } },
        h('p', {}, h('strong', {}, 'Deleted. '), 'This is what was removed:'),
        dl([
          ['Assessments', String(num(r.assessments_deleted))],
          ['Check-ins', String(num(r.checkins_deleted))],
          ['Alerts', String(num(r.alerts_deleted))],
          ['Personal baseline', r.baseline_deleted ? 'deleted' : 'there was none'],
          ['Group membership', r.group_membership_deleted ? 'deleted' : 'there was none'],
          ['Records of who used your data', String(num(r.audit_entries_deleted))],
        ])));
      announce('All your data was deleted.');
      reload();
    } catch (err) {
      if (signal.aborted) return;
      clear(result);
      showError(err, 'Nothing was deleted');
      btn.disabled = false;
    }
  });
  return section('Delete everything', form);
}
