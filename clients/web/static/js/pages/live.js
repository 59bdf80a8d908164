// Real-Time (#/live): a live session over the microphone and/or camera. Audio goes out in
// 200 ms PCM16 chunks and frames as JPEGs (480 px wide, 5 a second), one batch at a time; back
// come per-modality updates, a fused update every second (the rolling risk chart) and, after
// Stop, the session's summary.

import { LiveSession, epochMicros, bytesToBase64, textToBase64, recentAssessments } from '../api.js';
import {
  h, clear, section, dl, table, note, notice, bar, num, pct, fixed, withUnit, seconds, modalityName,
  levelBadge, riskLabel, riskScore, topEmotions, indicatorLabel, FATIGUE_INDICATORS, showError, clearError,
  announce, riskHeadline, formatDate, levelKey,
} from '../render.js';
import { MicCapture, pcm16Bytes, mediaSupport, mediaErrorMessage, SAMPLE_RATE } from '../audio.js';
import { openCamera, attachPreview, snapshotJpeg, stopStream, listDevices } from '../camera.js';
import { lineChart, line, unitAxis, COLORS } from '../chart.js';
import { sessionReportSection, countersList } from './results.js';

const FPS = 5;
const FRAME_WIDTH = 480;
const CHUNK_MS = 200;
const MAX_POINTS = 300;        // the rolling chart: the last 5 minutes at one update a second
const MAX_LOG = 80;
const FACE_LOG_EVERY_MS = 2000;

export async function render(ctx) {
  const { view, session: person } = ctx;
  const support = mediaSupport();

  // ---- controls ----
  const micBox = h('input', { type: 'checkbox', id: 'live-mic', checked: true });
  const camBox = h('input', { type: 'checkbox', id: 'live-cam', checked: true });
  const micSelect = h('select', { id: 'live-mic-device' }, h('option', { value: '' }, 'Default microphone'));
  const camSelect = h('select', { id: 'live-cam-device' }, h('option', { value: '' }, 'Default camera'));
  const textArea = h('textarea', { id: 'live-text', rows: '3' });
  const startBtn = h('button', { type: 'button', id: 'live-start', dataset: { testid: 'live-start' } }, 'Start');
  const stopBtn = h('button', { type: 'button', id: 'live-stop', dataset: { testid: 'live-stop' }, disabled: true }, 'Stop and summarise');
  const cancelBtn = h('button', { type: 'button', class: 'secondary', id: 'live-cancel', disabled: true }, 'Cancel');
  const status = h('p', { class: 'form-status', role: 'status', id: 'live-status', dataset: { testid: 'live-status' } },
    support.ok ? 'Not started.' : support.reason);
  if (!support.ok) startBtn.disabled = true;

  const controls = section('Start a session', [
    h('fieldset', { class: 'checks' },
      h('legend', {}, 'What to share'),
      h('label', { for: 'live-mic' }, micBox, 'Microphone (your voice)'),
      h('label', { for: 'live-cam' }, camBox, 'Camera (your face)')),
    h('div', { class: 'grid' },
      h('div', { class: 'field' }, h('label', { for: 'live-mic-device' }, 'Microphone'), micSelect),
      h('div', { class: 'field' }, h('label', { for: 'live-cam-device' }, 'Camera'), camSelect)),
    h('details', {}, h('summary', {}, 'Add a few words (optional)'),
      h('div', { class: 'field' },
        h('label', { for: 'live-text' }, 'How are you right now?'),
        h('span', { class: 'hint' }, 'Analysed once and combined with every update.'),
        textArea)),
    h('div', { class: 'buttons' }, startBtn, stopBtn, cancelBtn),
    status,
  ]);

  // ---- live view ----
  const video = h('video', { muted: true, playsinline: true, 'aria-label': 'Camera preview', hidden: true });
  const meterFill = h('span', {});
  const meter = h('span', { class: 'meter', 'aria-hidden': 'true' }, meterFill);
  const micRow = h('p', { hidden: true }, 'Microphone level: ', meter);
  const preview = h('div', { class: 'preview' }, video, micRow,
    h('p', { class: 'note small' }, 'Your picture and sound are analysed as they arrive; they are not recorded or stored.'));

  const riskEl = h('p', { class: 'live-risk', id: 'live-risk', dataset: { testid: 'live-risk' } }, 'Waiting for the first update.');
  const stateEl = h('div', {});
  const attentionEl = h('div', {});
  const fatigueEl = h('div', {});
  const modalityEl = h('div', {});
  const now = section('Right now', [riskEl, stateEl, attentionEl, fatigueEl, modalityEl], { id: 'live-now-title' });

  const chart = lineChart({
    id: 'live-chart',
    testid: 'live-chart',
    caption: 'Risk score and stress over the rolling window, one point a second. The latest values are under "Right now".',
    opts: {
      scales: { x: { time: false }, y: { range: [0, 1] } },
      axes: [{ label: 'seconds into the session', stroke: '#333' }, unitAxis('0 to 1')],
      series: [{ label: 'time (s)' }, line('risk score', COLORS.risk), line('stress', COLORS.stress),
        line('confidence', COLORS.confidence, { dash: [4, 4], width: 1.5 })],
    },
    data: [[], [], [], []],
    height: 240,
    onLeave: (fn) => ctx.onLeave(fn),
  });

  // A log (not announced line by line: the level changes are announced instead).
  const log = h('ol', { class: 'live-log-list' });
  const logBox = h('div', {
    class: 'live-log', id: 'live-updates', role: 'log', 'aria-live': 'off', tabindex: '0',
    'aria-label': 'Updates as they arrive', dataset: { testid: 'live-updates' },
  }, log);
  const countersEl = h('div', {}, note('Counters appear once the session is running.'));
  const summaryEl = h('div', { id: 'live-summary', dataset: { testid: 'live-summary' }, hidden: true });

  view.append(
    h('h1', {}, 'Real-Time'),
    note('A live reading of how you sound and look, updated every second. Start when you are ready; Stop gives a summary of the whole session that is kept in your history.'),
    notice(''),
    controls,
    h('div', { class: 'live-grid' }, section('Camera and microphone', preview), now),
    section('Risk over the session', chart.figure),
    section('Updates as they arrive', [
      note('The newest is at the bottom. Face updates are listed every 2 seconds.'), logBox]),
    section('Session counters', countersEl),
    summaryEl,
  );

  // ---- state ----
  let live = null;              // LiveSession
  let mic = null;
  let camStream = null;
  let frameTimer = null;
  let clockTimer = null;
  let capturing = false;
  let frameBusy = false;
  let lastFrameUs = 0;
  let startedAt = 0;
  let lastLevel = '';
  let lastFaceLog = 0;
  let points = [];

  async function fillDevices() {
    const fill = async (select, kind, fallback) => {
      const current = select.value;
      const devices = await listDevices(kind);
      clear(select).append(h('option', { value: '' }, fallback));
      devices.forEach((d, i) => {
        if (!d.deviceId || d.deviceId === 'default') return;
        select.append(h('option', { value: d.deviceId }, d.label || `${kind === 'audioinput' ? 'Microphone' : 'Camera'} ${i + 1}`));
      });
      select.value = [...select.options].some((o) => o.value === current) ? current : '';
    };
    await fill(micSelect, 'audioinput', 'Default microphone');
    await fill(camSelect, 'videoinput', 'Default camera');
  }
  if (support.ok) fillDevices();

  function setRunning(running) {
    startBtn.disabled = running || !support.ok;
    stopBtn.disabled = !running;
    cancelBtn.disabled = !running;
    for (const el of [micBox, camBox, micSelect, camSelect, textArea]) el.disabled = running;
  }

  function addLog(text) {
    const atBottom = logBox.scrollHeight - logBox.scrollTop - logBox.clientHeight < 40;
    log.append(h('li', {}, `${new Date().toLocaleTimeString()}  ${text}`));
    while (log.children.length > MAX_LOG) log.firstElementChild.remove();
    if (atBottom) logBox.scrollTop = logBox.scrollHeight;
  }

  function stopCapture() {
    capturing = false;
    clearInterval(frameTimer);
    frameTimer = null;
    clearInterval(clockTimer);
    clockTimer = null;
    if (mic) {
      mic.stop();
      mic = null;
    }
    stopStream(camStream);
    camStream = null;
    video.srcObject = null;
    video.hidden = true;
    micRow.hidden = true;
  }

  async function sendFrame() {
    if (!capturing || frameBusy || !live) return;
    frameBusy = true;
    try {
      let t = epochMicros();
      if (t <= lastFrameUs) t = lastFrameUs + 1;
      const shot = await snapshotJpeg(video, { maxWidth: FRAME_WIDTH, quality: 0.7 });
      if (!shot || !capturing) return;
      lastFrameUs = t;
      const bytes = new Uint8Array(await shot.blob.arrayBuffer());
      live.send({ frame: { encoded: bytesToBase64(bytes), capture_time_us: String(t) } });
    } finally {
      frameBusy = false;
    }
  }

  // ---- events ----
  function onModality(u) {
    const name = modalityName(u.modality);
    const t = `${fixed(u.t_s, 1)} s`;
    if (u.masked || !u.result) {
      addLog(`${name} ${t}: left out${u.mask_reason ? ` (${u.mask_reason})` : ''}`);
      return;
    }
    const r = u.result;
    const fatigue = (r.indicators || []).filter((i) => FATIGUE_INDICATORS.includes(i.name));
    renderModality(name, r);
    if (name === 'face') {
      if (fatigue.length) renderFatigue(fatigue, r.findings || []);
      const nowMs = Date.now();
      if (nowMs - lastFaceLog < FACE_LOG_EVERY_MS) return;
      lastFaceLog = nowMs;
    }
    const perclos = fatigue.find((i) => i.name === 'perclos');
    addLog(`${name} ${t}: ${topEmotions(r.emotions, 2)}, quality ${fixed(r.quality)}` +
      `${perclos ? `, eyes closed ${pct(perclos.value)}` : ''}` +
      `${(r.quality_issues || []).length ? ` (${r.quality_issues[0]})` : ''}`);
  }

  const latestByModality = new Map();
  function renderModality(name, r) {
    latestByModality.set(name, r);
    clear(modalityEl).append(h('h3', {}, 'Latest reading of each input'),
      table(['Input', 'Strongest emotions', 'Quality'], [...latestByModality.entries()].map(([n, res]) => [
        n, topEmotions(res.emotions, 3), pct(res.quality)])));
  }

  function renderFatigue(fatigue, findings) {
    const order = (i) => FATIGUE_INDICATORS.indexOf(i.name);
    clear(fatigueEl).append(h('h3', {}, 'Tiredness signs (face)'),
      table(['Measure', 'Value'], [...fatigue].sort((a, b) => order(a) - order(b))
        .map((i) => [indicatorLabel(i.name), withUnit(i.value, i.unit)])),
      findings.length ? h('p', { class: 'note' }, findings[0]) : null);
  }

  function onFused(f) {
    const a = f.assessment || {};
    const risk = a.risk || {};
    const score = riskScore(a);
    const label = riskLabel(risk);
    clear(riskEl).append(
      risk.abstained || !label || label === 'not enough signal'
        ? `Burnout risk now: not enough signal yet (evidence ${pct(risk.evidence)})`
        : `Burnout risk now: ${label} (${pct(risk.confidence)}) `,
      ' ', levelBadge(risk));
    if (label !== lastLevel) {
      announce(`Burnout risk now ${label}`);
      lastLevel = label;
    }
    const s = a.state || {};
    clear(stateEl).append(dl([
      ['Stress', bar(s.stress, fixed(s.stress))],
      ['Energy', bar(s.energy, fixed(s.energy))],
      ['Work', bar(s.work, fixed(s.work))],
      ['Window', `${fixed(f.window_start_s, 0)}-${fixed(f.window_end_s, 0)} s`],
    ]));
    const weights = (risk.attention || []).length
      ? risk.attention.map((w) => [w.modality, num(w.weight)])
      : (a.modalities || []).map((m) => [m.modality, num(m.attention_weight)]);
    const reasons = new Map((a.modalities || []).map((m) => [m.modality, m.used ? 'used' : (m.mask_reason || 'left out')]));
    clear(attentionEl).append(h('h3', {}, 'Weight of each input'),
      table(['Input', 'Weight', 'Status'], weights.map(([m, w]) => [modalityName(m), bar(w, pct(w)), reasons.get(m) || '-'])));
    // A face's fatigue measures may also come on the fused update's modality results.
    for (const m of a.modalities || []) {
      if (m.modality === 'MODALITY_FACE' && m.result) {
        const fatigue = (m.result.indicators || []).filter((i) => FATIGUE_INDICATORS.includes(i.name));
        if (fatigue.length) renderFatigue(fatigue, m.result.findings || []);
      }
    }
    points.push([num(f.window_end_s), score, num(s.stress), risk.abstained ? null : num(risk.confidence)]);
    if (points.length > MAX_POINTS) points = points.slice(-MAX_POINTS);
    chart.update([points.map((p) => p[0]), points.map((p) => p[1]), points.map((p) => p[2]), points.map((p) => p[3])]);
    chart.setCaption(`Risk score and stress over the session, one point per update (${points.length} shown). ` +
      `Latest: risk score ${score === null ? 'none' : fixed(score)}, stress ${fixed(s.stress)}.`);
    if (f.counters) showCounters(f.counters);
    addLog(`fused ${fixed(f.window_end_s, 1)} s: ${label}${risk.abstained ? '' : ` ${pct(risk.confidence)}`}, stress ${fixed(s.stress)}, energy ${fixed(s.energy)}`);
    for (const sp of f.spikes || []) {
      addLog(`sudden change at ${fixed(sp.t_s, 1)} s: ${sp.kind === 'stress_jump' ? 'stress jumped' : sp.kind === 'confidence_drop' ? 'confidence dropped' : sp.kind} to ${fixed(sp.value)} (recently ${fixed(sp.recent_average)})`);
    }
  }

  function showCounters(c) {
    const sent = live ? live.sent : { audio: 0, frames: 0, framesDropped: 0 };
    clear(countersEl).append(countersList(c),
      dl([['Sent from this browser', `${sent.audio} audio chunks, ${sent.frames} frames` +
        `${sent.framesDropped ? ` (${sent.framesDropped} frames not sent while the connection was busy)` : ''}`]]));
  }

  function onSummary(a) {
    if (a.assessment_id) recentAssessments.set(a.assessment_id, a);
    const risk = a.risk || {};
    const narrative = (a.narratives || []).find((n) => n.topic === 'risk');
    clear(summaryEl).append(
      h('h2', { id: 'live-summary-title', tabindex: '-1' }, 'Session summary'),
      h('div', { class: `headline headline-${levelKey(risk)}` },
        h('p', { class: 'lead' }, h('strong', {}, riskHeadline(risk)), ' ', levelBadge(risk)),
        narrative ? h('p', {}, narrative.text) : null,
        h('p', {}, `Over ${seconds(a.session ? a.session.duration_s : 0)}, ${formatDate(a.created_at_ms)}.`),
        a.assessment_id
          ? h('p', {}, h('a', { href: `#/results/${encodeURIComponent(a.assessment_id)}`, dataset: { testid: 'live-results-link' } },
            'Open the full results of this session'))
          : null),
      notice(a.notice),
      a.session ? sessionReportSection(a.session, { level: 3, title: 'How the session went', onLeave: (fn) => ctx.onLeave(fn) }) : null,
    );
    summaryEl.hidden = false;
    summaryEl.querySelector('h2').focus();
    addLog('summary received; the session is over');
  }

  // Capture-to-page latency of each update, on the browser's own clock (the inputs were
  // stamped with it): read by benchmarks/web_browser_bench.mjs.
  function noteLatency(kind, inputTimeUs) {
    const t = Number(inputTimeUs);
    if (!(t > 0)) return;
    const all = (window.burnoutLiveLatencyMs = window.burnoutLiveLatencyMs || { modality: [], fused: [] });
    all[kind].push((epochMicros() - t) / 1000);
  }

  function onEvent(kind, data) {
    if (kind === 'modality') {
      onModality(data);
      noteLatency('modality', data.input_time_us);
    } else if (kind === 'fused') {
      onFused(data);
      noteLatency('fused', data.input_time_us);
    }
    else if (kind === 'summary') onSummary(data);
    else if (kind === 'error') addLog(`error: ${data.message || data.code}`);
    else if (kind === 'input-error') {
      showError(data, 'The session stopped accepting input');
      stopCapture();
      if (live) live.cancel();
    }
  }

  function onClose(err) {
    stopCapture();
    setRunning(false);
    if (err) {
      status.textContent = 'The session ended early.';
      showError(err, 'The live session ended');
    } else if (!summaryEl.hidden) {
      status.textContent = 'Finished. The summary is below.';
      announce('The session summary is ready.');
    } else {
      status.textContent = 'Stopped.';
    }
    live = null;
  }

  // ---- start / stop ----
  async function start() {
    clearError();
    const wantMic = micBox.checked;
    const wantCam = camBox.checked;
    if (!wantMic && !wantCam) {
      showError({ message: 'Please choose the microphone, the camera, or both.' }, 'Nothing to share');
      micBox.focus();
      return;
    }
    setRunning(true);
    stopBtn.disabled = true;
    clear(summaryEl);
    summaryEl.hidden = true;
    clear(log);
    points = [];
    chart.update([[], [], [], []]);
    latestByModality.clear();
    for (const el of [stateEl, attentionEl, fatigueEl, modalityEl]) clear(el);
    riskEl.textContent = 'Waiting for the first update.';
    lastLevel = '';
    status.textContent = 'Asking for the microphone and camera...';
    capturing = false;
    try {
      if (wantCam) {
        try {
          camStream = await openCamera({ deviceId: camSelect.value, width: 640 });
        } catch (err) {
          throw new Error(mediaErrorMessage(err, 'camera'));
        }
        video.hidden = false;
        await attachPreview(video, camStream);
      }
      if (wantMic) {
        mic = new MicCapture({
          deviceId: micSelect.value,
          chunkMs: CHUNK_MS,
          onLevel: (rms) => { meterFill.style.width = `${Math.min(100, Math.round(rms * 400))}%`; },
          onChunk: (pcm, t) => {
            if (capturing && live) live.send({ audio: { pcm: bytesToBase64(pcm16Bytes(pcm)), capture_time_us: String(t) } });
          },
        });
        try {
          await mic.start();
        } catch (err) {
          throw new Error(mediaErrorMessage(err, 'microphone'));
        }
        micRow.hidden = false;
      }
      fillDevices();
      status.textContent = 'Connecting...';
      const open = {
        user_id: person.user_id,
        modalities: [...(wantMic ? ['MODALITY_VOICE'] : []), ...(wantCam ? ['MODALITY_FACE'] : [])],
        update_interval_ms: 1000,
      };
      if (wantMic) open.audio_format = { encoding: 'AUDIO_ENCODING_PCM_S16LE', sample_rate: SAMPLE_RATE, channels: 1 };
      if (wantCam) open.frame_rate = FPS;
      if (textArea.value.trim()) open.text = textToBase64(textArea.value);
      live = new LiveSession({ onEvent, onClose });
      const started = await live.open(open);
      if (ctx.signal.aborted) {
        live.cancel();
        return;
      }
      capturing = true;
      startedAt = Date.now();
      if (wantCam) frameTimer = setInterval(sendFrame, Math.round(1000 / FPS));
      const describe = () => `Live for ${seconds((Date.now() - startedAt) / 1000)}. ` +
        `A fused update every ${num(started.update_interval_ms, 1000) / 1000} s over the last ${num(started.window_ms, 10000) / 1000} s.`;
      status.textContent = describe();
      clockTimer = setInterval(() => { status.textContent = describe(); }, 5000);
      stopBtn.disabled = false;
      addLog(`started: ${open.modalities.map(modalityName).join(' and ')}${open.text ? ' and your words' : ''}` +
        `${started.max_session_s ? `; at most ${seconds(started.max_session_s)}` : ''}`);
      announce('The live session has started.');
    } catch (err) {
      stopCapture();
      if (live) {
        live.cancel();
        live = null;
      }
      setRunning(false);
      status.textContent = 'Not started.';
      if (!ctx.signal.aborted) showError(err, 'The live session could not start');
    }
  }

  async function finish() {
    if (!live) return;
    stopBtn.disabled = true;
    cancelBtn.disabled = false;
    if (mic) mic.flush();
    capturing = false;
    clearInterval(frameTimer);
    clearInterval(clockTimer);
    frameTimer = null;
    clockTimer = null;
    status.textContent = 'Finishing: waiting for the summary of the session...';
    const session = live;
    stopCapture();
    try {
      await session.finish();
    } catch (err) {
      showError(err, 'The session could not be finished');
      session.cancel();
    }
  }

  async function cancel() {
    if (!live) return;
    const session = live;
    stopCapture();
    await session.cancel();
    status.textContent = 'Cancelled. What was analysed until now is kept as a session in your History, where you can delete it.';
    addLog('cancelled');
  }

  startBtn.addEventListener('click', start);
  stopBtn.addEventListener('click', finish);
  cancelBtn.addEventListener('click', cancel);

  const onPageHide = () => {
    if (live) live.cancel({ keepalive: true });
  };
  window.addEventListener('pagehide', onPageHide);
  ctx.onLeave(() => {
    window.removeEventListener('pagehide', onPageHide);
    stopCapture();
    if (live) live.cancel({ keepalive: true });
    live = null;
  });
}
