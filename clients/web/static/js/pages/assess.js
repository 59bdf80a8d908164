// Assessment (#/assess): any of what you write, a voice recording (a WAV file or recorded
// here) and a photo (a file or a webcam snapshot); Assess, then the Results page.

import { call, textToBase64, bytesToBase64, newRequestId, recentAssessments } from '../api.js';
import { h, clear, note, progress, showError, clearError, announce, seconds } from '../render.js';
import { MicCapture, encodeWav, mediaSupport, mediaErrorMessage } from '../audio.js';
import { openCamera, attachPreview, snapshotJpeg, stopStream } from '../camera.js';

export async function render(ctx) {
  const { view, session } = ctx;
  const support = mediaSupport();

  // What will be sent: {bytes: Uint8Array, filename, url (a preview)} or null.
  let voice = null;
  let photo = null;
  let recorder = null;
  let camStream = null;
  const urls = [];
  const objectUrl = (blob) => {
    const u = URL.createObjectURL(blob);
    urls.push(u);
    return u;
  };

  // ---- text ----
  const textArea = h('textarea', { id: 'assess-text', name: 'text', rows: '7', 'aria-describedby': 'assess-text-hint' });
  const textField = h('div', { class: 'field' },
    h('label', { for: 'assess-text' }, 'How was your day?'),
    h('span', { class: 'hint', id: 'assess-text-hint' },
      'Write as much or as little as you like. Whether the text itself is kept depends on how this service is set up; by default only the results are stored.'),
    textArea);

  // ---- voice ----
  const audioFile = h('input', { id: 'assess-audio', type: 'file', accept: '.wav,audio/wav,audio/x-wav,audio/wave' });
  const recordBtn = h('button', { type: 'button', class: 'secondary', 'aria-pressed': 'false' }, 'Record');
  const meterFill = h('span', {});
  const meter = h('span', { class: 'meter', 'aria-hidden': 'true', hidden: true }, meterFill);
  const voiceStatus = h('p', { class: 'form-status', role: 'status', id: 'voice-status' });
  const voicePreview = h('div', { class: 'preview' });
  const removeVoiceBtn = h('button', { type: 'button', class: 'link-button', hidden: true }, 'Remove the voice recording');
  const voiceSet = h('fieldset', {},
    h('legend', {}, 'Your voice (optional)'),
    h('div', { class: 'field' },
      h('label', { for: 'assess-audio' }, 'A WAV recording'),
      h('span', { class: 'hint' }, 'For example a minute of you talking about your day.'),
      audioFile),
    h('p', {}, 'Or record here:'),
    h('div', { class: 'buttons' }, recordBtn, meter),
    support.ok ? null : note(support.reason),
    voiceStatus, voicePreview, removeVoiceBtn);
  if (!support.ok) recordBtn.disabled = true;

  // ---- photo ----
  const photoFile = h('input', { id: 'assess-photo', type: 'file', accept: 'image/jpeg,image/png,.jpg,.jpeg,.png' });
  const camBtn = h('button', { type: 'button', class: 'secondary' }, 'Start the camera');
  const snapBtn = h('button', { type: 'button', hidden: true }, 'Take a snapshot');
  const video = h('video', { muted: true, playsinline: true, hidden: true, 'aria-label': 'Camera preview' });
  const photoStatus = h('p', { class: 'form-status', role: 'status' });
  const photoPreview = h('div', { class: 'preview' });
  const removePhotoBtn = h('button', { type: 'button', class: 'link-button', hidden: true }, 'Remove the photo');
  const photoSet = h('fieldset', {},
    h('legend', {}, 'A photo of your face (optional)'),
    h('div', { class: 'field' },
      h('label', { for: 'assess-photo' }, 'A photo (JPEG or PNG)'),
      h('span', { class: 'hint' }, 'A clear, well-lit photo of your face, taken today.'),
      photoFile),
    h('p', {}, 'Or take one with your camera:'),
    h('div', { class: 'buttons' }, camBtn, snapBtn),
    support.ok ? null : note(support.reason),
    h('div', { class: 'media-row' }, h('div', { class: 'preview' }, video), photoPreview),
    photoStatus, removePhotoBtn);
  if (!support.ok) camBtn.disabled = true;

  // ---- submit ----
  const submitBtn = h('button', { type: 'submit' }, 'Assess');
  const status = h('div', { class: 'assess-progress' });
  const form = h('form', { 'aria-labelledby': 'assess-title', novalidate: true },
    textField, voiceSet, photoSet,
    h('p', { class: 'note' }, 'Use any of the three: text, voice, photo, or any combination.'),
    h('div', { class: 'buttons' }, submitBtn), status);

  view.append(
    h('h1', { id: 'assess-title' }, 'Assessment'),
    note('Tell the app about your day in words, your voice and a photo. You get a burnout-risk signal with the reasons behind it. It is for your own self-awareness, not a diagnosis.'),
    form);

  // ---- voice handlers ----
  function setVoice(v, message) {
    voice = v;
    clear(voicePreview);
    if (v) {
      voicePreview.append(h('audio', { controls: true, src: objectUrl(new Blob([v.bytes], { type: 'audio/wav' })), 'aria-label': 'Your voice recording' }));
    }
    removeVoiceBtn.hidden = !v;
    voiceStatus.textContent = message || '';
  }

  audioFile.addEventListener('change', async () => {
    const f = audioFile.files && audioFile.files[0];
    if (!f) {
      setVoice(null);
      return;
    }
    if (recorder) stopRecording(false);
    setVoice({ bytes: new Uint8Array(await f.arrayBuffer()), filename: f.name },
      `Chosen: ${f.name} (${Math.round(f.size / 1024)} KB).`);
  });

  removeVoiceBtn.addEventListener('click', () => {
    audioFile.value = '';
    setVoice(null, 'The voice recording was removed.');
    recordBtn.focus();
  });

  async function startRecording() {
    clearError();
    recorder = new MicCapture({
      keep: true,
      maxSeconds: 300,
      onLevel: (rms) => { meterFill.style.width = `${Math.min(100, Math.round(rms * 400))}%`; },
    });
    recordBtn.disabled = true;
    try {
      await recorder.start();
    } catch (err) {
      recorder = null;
      recordBtn.disabled = false;
      showError({ message: mediaErrorMessage(err, 'microphone') }, 'Cannot record');
      return;
    }
    recordBtn.disabled = false;
    recordBtn.textContent = 'Stop recording';
    recordBtn.setAttribute('aria-pressed', 'true');
    meter.hidden = false;
    const started = Date.now();
    voiceStatus.textContent = 'Recording... speak naturally, then press Stop recording.';
    recorder.timer = setInterval(() => {
      voiceStatus.textContent = `Recording: ${seconds((Date.now() - started) / 1000)}. Press Stop recording when you are done.`;
    }, 5000);
  }

  function stopRecording(keep = true) {
    if (!recorder) return;
    clearInterval(recorder.timer);
    recorder.stop();
    const samples = recorder.recordedSamples();
    const truncated = recorder.truncated;
    recorder = null;
    recordBtn.textContent = 'Record';
    recordBtn.setAttribute('aria-pressed', 'false');
    meter.hidden = true;
    if (!keep) return;
    if (samples.length < 16000) {
      setVoice(null, 'That recording was shorter than a second; please record a little longer.');
      return;
    }
    audioFile.value = '';
    setVoice({ bytes: encodeWav(samples), filename: 'recording.wav' },
      `Recorded ${seconds(samples.length / 16000)}${truncated ? ' (the first 5 minutes are kept)' : ''}. You can play it back below.`);
  }

  recordBtn.addEventListener('click', () => {
    if (recorder) stopRecording(true);
    else startRecording();
  });

  // ---- photo handlers ----
  function setPhoto(p, message) {
    photo = p;
    clear(photoPreview);
    if (p) photoPreview.append(h('img', { src: objectUrl(new Blob([p.bytes], { type: p.type })), alt: 'The photo that will be sent' }));
    removePhotoBtn.hidden = !p;
    photoStatus.textContent = message || '';
  }

  photoFile.addEventListener('change', async () => {
    const f = photoFile.files && photoFile.files[0];
    if (!f) {
      setPhoto(null);
      return;
    }
    setPhoto({ bytes: new Uint8Array(await f.arrayBuffer()), filename: f.name, type: f.type || 'image/jpeg' },
      `Chosen: ${f.name} (${Math.round(f.size / 1024)} KB).`);
  });

  removePhotoBtn.addEventListener('click', () => {
    photoFile.value = '';
    setPhoto(null, 'The photo was removed.');
    camBtn.focus();
  });

  function stopCamera() {
    stopStream(camStream);
    camStream = null;
    video.srcObject = null;
    video.hidden = true;
    snapBtn.hidden = true;
    camBtn.textContent = 'Start the camera';
  }

  camBtn.addEventListener('click', async () => {
    clearError();
    if (camStream) {
      stopCamera();
      photoStatus.textContent = 'The camera is off.';
      return;
    }
    camBtn.disabled = true;
    try {
      camStream = await openCamera({ width: 640 });
      video.hidden = false;
      await attachPreview(video, camStream);
      snapBtn.hidden = false;
      camBtn.textContent = 'Stop the camera';
      photoStatus.textContent = 'The camera is on. Press Take a snapshot when ready.';
    } catch (err) {
      stopCamera();
      showError({ message: mediaErrorMessage(err, 'camera') }, 'Cannot start the camera');
    } finally {
      camBtn.disabled = false;
    }
  });

  snapBtn.addEventListener('click', async () => {
    const shot = await snapshotJpeg(video, { maxWidth: 640, quality: 0.9 });
    if (!shot) {
      photoStatus.textContent = 'The camera has no picture yet; try again in a moment.';
      return;
    }
    photoFile.value = '';
    setPhoto({ bytes: new Uint8Array(await shot.blob.arrayBuffer()), filename: 'snapshot.jpg', type: 'image/jpeg' },
      `Snapshot taken (${shot.width} x ${shot.height}). Take another, or stop the camera.`);
  });

  // ---- submit ----
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearError();
    if (recorder) stopRecording(true);
    const text = textArea.value.trim();
    if (!text && !voice && !photo) {
      showError({ message: 'Please write something, add a voice recording or add a photo (any one is enough).' }, 'Nothing to assess yet');
      textArea.focus();
      return;
    }
    const req = { user_id: session.user_id, request_id: newRequestId() };
    if (text) req.text = textToBase64(textArea.value);
    if (voice) req.audio = { data: bytesToBase64(voice.bytes), filename: voice.filename };
    if (photo) req.image = { data: bytesToBase64(photo.bytes), filename: photo.filename };
    submitBtn.disabled = true;
    clear(status).append(progress('Assessing... this usually takes a few seconds.'));
    try {
      const a = await call('Assess', req, { signal: ctx.signal });
      recentAssessments.set(a.assessment_id, a);
      clear(status);
      announce('The assessment is ready.');
      ctx.navigate(`#/results/${encodeURIComponent(a.assessment_id)}`);
    } catch (err) {
      if (ctx.signal.aborted) return;
      clear(status);
      showError(err, 'The assessment did not go through');
    } finally {
      submitBtn.disabled = false;
    }
  });

  ctx.onLeave(() => {
    if (recorder) stopRecording(false);
    stopCamera();
    for (const u of urls) URL.revokeObjectURL(u);
  });
}
