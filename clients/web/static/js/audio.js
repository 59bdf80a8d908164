// Microphone capture as 16 kHz mono PCM16 (signed 16-bit little-endian), in chunks for a live
// session or kept whole for a recording, and WAV encoding of such samples.
//
// getUserMedia -> AudioContext({sampleRate: 16000}) -> an AudioWorklet tap (js/pcm-worklet.js;
// a ScriptProcessor where worklets are missing) -> Float32 blocks -> PCM16. Where the browser
// cannot run the context at 16 kHz, the blocks are resampled here.

import { epochMicros } from './api.js';

export const SAMPLE_RATE = 16000;

// Whether this page may use the microphone and camera at all.
export function mediaSupport() {
  if (!window.isSecureContext) {
    return { ok: false, reason: 'The microphone and camera only work on a secure page (https, or this computer\'s own address).' };
  }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return { ok: false, reason: 'This browser does not offer the microphone or camera to web pages.' };
  }
  return { ok: true, reason: '' };
}

// A readable sentence for a getUserMedia failure.
export function mediaErrorMessage(err, what) {
  const name = err && err.name;
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return `The browser did not allow the ${what}. You can allow it in the address bar's site settings and try again.`;
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return `No ${what} was found.`;
  if (name === 'NotReadableError') return `The ${what} is in use by another program.`;
  return `The ${what} could not be started${err && err.message ? `: ${err.message}` : '.'}`;
}

export function floatToPcm16(f32) {
  const out = new Int16Array(f32.length);
  for (let i = 0; i < f32.length; i++) {
    const s = Math.max(-1, Math.min(1, f32[i]));
    out[i] = s < 0 ? Math.round(s * 0x8000) : Math.round(s * 0x7fff);
  }
  return out;
}

// PCM16 samples as little-endian bytes.
export function pcm16Bytes(int16) {
  const bytes = new Uint8Array(int16.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < int16.length; i++) view.setInt16(2 * i, int16[i], true);
  return bytes;
}

// A RIFF/WAVE file of PCM16 samples.
export function encodeWav(int16, sampleRate = SAMPLE_RATE, channels = 1) {
  const dataBytes = int16.length * 2;
  const buf = new ArrayBuffer(44 + dataBytes);
  const v = new DataView(buf);
  const ascii = (offset, s) => { for (let i = 0; i < s.length; i++) v.setUint8(offset + i, s.charCodeAt(i)); };
  ascii(0, 'RIFF');
  v.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, 16, true);            // fmt chunk size
  v.setUint16(20, 1, true);             // PCM
  v.setUint16(22, channels, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * channels * 2, true);
  v.setUint16(32, channels * 2, true);
  v.setUint16(34, 16, true);
  ascii(36, 'data');
  v.setUint32(40, dataBytes, true);
  new Uint8Array(buf, 44).set(pcm16Bytes(int16));
  return new Uint8Array(buf);
}

// Linear resampling that carries its position across blocks.
class Resampler {
  constructor(from, to) {
    this.ratio = from / to;
    this.pos = 0;          // position in the input, relative to the current block
    this.last = 0;         // the previous block's last sample
  }

  push(input) {
    const out = [];
    // Sample i of the virtual signal [last, ...input] is at index i - 1 of input.
    while (this.pos < input.length) {
      const i = Math.floor(this.pos);
      const frac = this.pos - i;
      const a = i === 0 ? this.last : input[i - 1];
      const b = input[i];
      out.push(a + (b - a) * frac);
      this.pos += this.ratio;
    }
    this.pos -= input.length;
    this.last = input[input.length - 1];
    return Float32Array.from(out);
  }
}

function concatInt16(parts, total) {
  const out = new Int16Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// The microphone as PCM16 at 16 kHz.
//   onChunk(int16, captureTimeUs): every chunkMs of audio, the time of its first sample on the
//     epoch-microsecond clock (contiguous from chunk to chunk, never decreasing).
//   onLevel(rms): a loudness reading per block, for a meter.
//   keep: keep every sample (recordedSamples()), up to maxSeconds.
export class MicCapture {
  constructor({ deviceId = '', chunkMs = 200, onChunk, onLevel, keep = false, maxSeconds = 300 } = {}) {
    this.deviceId = deviceId;
    this.chunkSamples = Math.round((SAMPLE_RATE * chunkMs) / 1000);
    this.onChunk = onChunk || null;
    this.onLevel = onLevel || null;
    this.keep = keep;
    this.maxKept = maxSeconds * SAMPLE_RATE;
    this.kept = [];
    this.keptCount = 0;
    this.pending = [];
    this.pendingCount = 0;
    this.emitted = 0;          // samples handed out in chunks
    this.received = 0;         // samples received
    this.startUs = 0;          // capture time of sample 0
    this.stream = null;
    this.ctx = null;
    this.nodes = [];
    this.resampler = null;
    this.running = false;
    this.truncated = false;
  }

  async start() {
    const constraints = {
      audio: {
        channelCount: 1,
        echoCancellation: false,
        noiseSuppression: false,
        autoGainControl: false,
        ...(this.deviceId ? { deviceId: { exact: this.deviceId } } : {}),
      },
    };
    this.stream = await navigator.mediaDevices.getUserMedia(constraints);
    try {
      await this.startGraph();
    } catch (e) {
      this.stop();
      throw e;
    }
    this.running = true;
  }

  async startGraph() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    let source;
    try {
      this.ctx = new Ctx({ sampleRate: SAMPLE_RATE });
      source = this.ctx.createMediaStreamSource(this.stream);
    } catch {
      // Some browsers will not mix a 16 kHz context with the microphone's rate: resample here.
      if (this.ctx) this.ctx.close();
      this.ctx = new Ctx();
      source = this.ctx.createMediaStreamSource(this.stream);
    }
    if (this.ctx.state === 'suspended') await this.ctx.resume();
    if (this.ctx.sampleRate !== SAMPLE_RATE) this.resampler = new Resampler(this.ctx.sampleRate, SAMPLE_RATE);
    const sink = this.ctx.createGain();
    sink.gain.value = 0;
    sink.connect(this.ctx.destination);
    let tap;
    if (this.ctx.audioWorklet && typeof AudioWorkletNode === 'function') {
      await this.ctx.audioWorklet.addModule(new URL('./pcm-worklet.js', import.meta.url));
      tap = new AudioWorkletNode(this.ctx, 'pcm-tap', { numberOfInputs: 1, numberOfOutputs: 1, channelCount: 1 });
      tap.port.addEventListener('message', (e) => this.block(e.data));
      tap.port.start();
    } else {
      tap = this.ctx.createScriptProcessor(4096, 1, 1);
      tap.addEventListener('audioprocess', (e) => this.block(e.inputBuffer.getChannelData(0).slice(0)));
    }
    source.connect(tap);
    tap.connect(sink);
    this.nodes = [source, tap, sink];
  }

  block(f32) {
    if (!this.ctx) return;
    const samples = this.resampler ? this.resampler.push(f32) : f32;
    if (!samples.length) return;
    const nowUs = epochMicros();
    const durUs = (samples.length * 1e6) / SAMPLE_RATE;
    if (this.received === 0) {
      this.startUs = Math.max(1, Math.round(nowUs - durUs));
    } else {
      // Keep the sample clock contiguous, but catch up when samples were lost (a throttled
      // tab): never backwards.
      const expectedEndUs = this.startUs + ((this.received + samples.length) * 1e6) / SAMPLE_RATE;
      if (nowUs - expectedEndUs > 300000) this.startUs += Math.round(nowUs - expectedEndUs);
    }
    this.received += samples.length;
    if (this.onLevel) {
      let sum = 0;
      for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
      this.onLevel(Math.sqrt(sum / samples.length));
    }
    const pcm = floatToPcm16(samples);
    if (this.keep) {
      if (this.keptCount + pcm.length <= this.maxKept) {
        this.kept.push(pcm);
        this.keptCount += pcm.length;
      } else {
        this.truncated = true;
      }
    }
    if (this.onChunk) {
      this.pending.push(pcm);
      this.pendingCount += pcm.length;
      while (this.pendingCount >= this.chunkSamples) this.emit(this.chunkSamples);
    }
  }

  emit(n) {
    const all = concatInt16(this.pending, this.pendingCount);
    const chunk = all.slice(0, n);
    const rest = all.slice(n);
    this.pending = rest.length ? [rest] : [];
    this.pendingCount = rest.length;
    const t = Math.round(this.startUs + ((this.received - this.pendingCount - n) * 1e6) / SAMPLE_RATE);
    this.emitted += n;
    this.onChunk(chunk, Math.max(1, t));
  }

  // Hands out what is left as a last, shorter chunk.
  flush() {
    if (this.onChunk && this.pendingCount > 0) this.emit(this.pendingCount);
  }

  recordedSamples() {
    return concatInt16(this.kept, this.keptCount);
  }

  recordedSeconds() {
    return this.keptCount / SAMPLE_RATE;
  }

  stop() {
    this.running = false;
    for (const n of this.nodes) {
      try { n.disconnect(); } catch { /* already disconnected */ }
    }
    this.nodes = [];
    if (this.ctx) {
      this.ctx.close().catch(() => {});
      this.ctx = null;
    }
    if (this.stream) {
      for (const t of this.stream.getTracks()) t.stop();
      this.stream = null;
    }
  }
}
