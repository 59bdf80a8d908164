// The HTTP side of the app: the signed-in session (sessionStorage), the JSON API
// (POST /api/v1/<Method>, proto JSON with the .proto's field names), the model list and the
// live-session client (POST to open and send, server-sent events read with fetch).
//
// Every failure is an ApiError with a message a person can read; a 401 also signs out
// (the app listens for the "burnout:signed-out" event and shows the sign-in form).

const SESSION_KEY = 'burnout-risk.session';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;  // HTTP status; 0 when the server could not be reached
    this.code = code;      // gRPC code name, e.g. "PERMISSION_DENIED"
  }
}

// ---- the signed-in session ----

export function currentSession() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
    return s && s.token && s.user_id ? s : null;
  } catch {
    return null;
  }
}

function saveSession(s) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
}

export function signOut(reason = '') {
  sessionStorage.removeItem(SESSION_KEY);
  window.dispatchEvent(new CustomEvent('burnout:signed-out', { detail: { reason } }));
}

// The development stack's local sign-in.
export async function signIn(userId, role) {
  const res = await request('POST', '/api/v1/SignIn', { user_id: userId, role }, { auth: false });
  const s = { token: res.token, user_id: res.user_id || userId, role: res.role || role };
  if (!s.token) throw new ApiError(500, 'INTERNAL', 'The sign-in answer had no token.');
  saveSession(s);
  return s;
}

function authHeaders() {
  const s = currentSession();
  return s ? { Authorization: `Bearer ${s.token}` } : {};
}

// ---- requests ----

const CODE_FOR_STATUS = {
  400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS', 429: 'RESOURCE_EXHAUSTED', 501: 'UNIMPLEMENTED', 503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

// Turns a non-2xx response into an ApiError (and signs out on 401).
async function errorFrom(res) {
  let code = CODE_FOR_STATUS[res.status] || 'UNKNOWN';
  let message = '';
  try {
    const text = await res.text();
    try {
      const body = JSON.parse(text);
      if (body && typeof body === 'object') {
        code = body.code || code;
        message = body.message || '';
      }
    } catch {
      message = '';
    }
  } catch {
    // the body could not be read; the status says enough
  }
  if (!message) {
    message = res.status === 404
      ? 'This server does not offer that yet (404).'
      : `The server answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}.`;
  }
  if (res.status === 401) signOut(message);
  return new ApiError(res.status, code, message);
}

function networkError(e) {
  if (e && e.name === 'AbortError') return e;
  return new ApiError(0, 'UNAVAILABLE',
    'The server could not be reached. Check that the service is running, then try again.');
}

async function request(method, path, body, { auth = true, signal, keepalive = false } = {}) {
  const headers = { Accept: 'application/json', ...(auth ? authHeaders() : {}) };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      keepalive,
      cache: 'no-store',
    });
  } catch (e) {
    throw networkError(e);
  }
  if (!res.ok) throw await errorFrom(res);
  const text = await res.text();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(res.status, 'INTERNAL', 'The server sent an answer that is not JSON.');
  }
}

// One unary method of burnout.v1.BurnoutRisk: `call("GetHistory", {user_id, limit})`.
export function call(method, body = {}, options = {}) {
  return request('POST', `/api/v1/${encodeURIComponent(method)}`, body, options);
}

// Every model manifest the server ships: {models: [ModelManifest, ...]}.
export function getModels(options = {}) {
  return request('GET', '/api/v1/models', undefined, options);
}

// True when an error means the server does not have this method at all (an older server).
export function isMissingMethod(err) {
  return err instanceof ApiError &&
    (err.status === 501 || (err.status === 404 && /no API method|does not offer/i.test(err.message)));
}

// Assessments this tab has just received (Assess, a live session's summary), so Results can
// show them at once.
export const recentAssessments = new Map();

// ---- base64 and numbers ----

export function bytesToBase64(bytes) {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let binary = '';
  const step = 0x8000;
  for (let i = 0; i < u8.length; i += step) {
    binary += String.fromCharCode.apply(null, u8.subarray(i, i + step));
  }
  return btoa(binary);
}

export function textToBase64(text) {
  return bytesToBase64(new TextEncoder().encode(text));
}

export function base64ToBytes(b64) {
  const binary = atob(b64 || '');
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

// A fresh client request id.
export function newRequestId() {
  if (globalThis.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// Now, in epoch microseconds (the live session's capture clock).
export function epochMicros() {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

// ---- live sessions ----

// Splits a server-sent event stream into {event, data} records.
export class SseParser {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buffer = '';
  }

  push(chunk) {
    this.buffer += chunk;
    for (;;) {
      const m = /\r\n\r\n|\n\n|\r\r/.exec(this.buffer);
      if (!m) break;
      const block = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      this.dispatch(block);
    }
  }

  end() {
    if (this.buffer.trim()) this.dispatch(this.buffer);
    this.buffer = '';
  }

  dispatch(block) {
    let event = 'message';
    const data = [];
    for (const line of block.split(/\r\n|\n|\r/)) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) return;
    this.onEvent(event, data.join('\n'));
  }
}

// A live session over the HTTP session API. Inputs are queued and sent one batch at a time,
// in capture order; events arrive through `onEvent(kind, data)` with kind "modality", "fused",
// "summary" or "error"; `onClose(error|null)` is called once, when the event stream ends.
export class LiveSession {
  constructor({ onEvent, onClose, onQueue } = {}) {
    this.onEvent = onEvent || (() => {});
    this.onClose = onClose || (() => {});
    this.onQueue = onQueue || (() => {});
    this.handle = '';
    this.started = null;
    this.queue = [];
    this.sending = false;
    this.failed = null;
    this.closed = false;
    this.finishing = false;
    this.serverEnded = false;   // the stream ended with its summary or an error
    this.reader = new AbortController();
    this.sent = { audio: 0, frames: 0, batches: 0, framesDropped: 0 };
    this.maxQueuedFrames = 3;     // older frames are dropped while the server is slow
    this.maxBatch = 40;           // requests per POST
  }

  base() {
    return `/api/v1/sessions/${encodeURIComponent(this.handle)}`;
  }

  async open(sessionOpen) {
    const res = await request('POST', '/api/v1/sessions', sessionOpen);
    if (!res.handle) throw new ApiError(500, 'INTERNAL', 'The server did not return a session handle.');
    this.handle = res.handle;
    this.started = res.started || {};
    this.readEvents();
    return this.started;
  }

  async readEvents() {
    let error = null;
    let ended = false;
    const parser = new SseParser((kind, text) => {
      let data;
      try {
        data = JSON.parse(text);
      } catch {
        data = { raw: text };
      }
      if (kind === 'summary') {
        ended = true;
        this.serverEnded = true;
      }
      if (kind === 'error') {
        ended = true;
        this.serverEnded = true;
        error = new ApiError(0, data.code || 'UNKNOWN', data.message || 'The live session ended with an error.');
      }
      this.onEvent(kind, data);
    });
    try {
      const res = await fetch(`${this.base()}/events`, {
        headers: { Accept: 'text/event-stream', ...authHeaders() },
        signal: this.reader.signal,
        cache: 'no-store',
      });
      if (!res.ok) throw await errorFrom(res);
      if (!res.body) throw new ApiError(0, 'UNIMPLEMENTED', 'This browser cannot read a streaming answer.');
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
        if (ended) break;
      }
      parser.end();
      if (!ended && !this.closed) {
        error = new ApiError(0, 'UNAVAILABLE', 'The live session stream ended before its summary.');
      }
    } catch (e) {
      if (!this.closed) error = e && e.name === 'AbortError' ? null : (e instanceof ApiError ? e : networkError(e));
    }
    this.finishClose(error);
  }

  finishClose(error) {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.reader.abort();
    this.onClose(error);
  }

  // Queues one SessionRequest ({audio: ...} or {frame: ...}).
  send(req) {
    if (this.closed || this.failed || this.finishing) return;
    if (req.frame) {
      const frames = this.queue.filter((q) => q.frame);
      if (frames.length >= this.maxQueuedFrames) {
        this.queue.splice(this.queue.indexOf(frames[0]), 1);
        this.sent.framesDropped++;
      }
    }
    this.queue.push(req);
    this.onQueue(this.queue.length);
    this.pump();
  }

  async pump() {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length && !this.closed && !this.failed) {
        const batch = this.queue.splice(0, this.maxBatch);
        this.onQueue(this.queue.length);
        try {
          await request('POST', `${this.base()}/input`, { requests: batch });
          for (const r of batch) {
            if (r.audio) this.sent.audio++;
            else if (r.frame) this.sent.frames++;
          }
          this.sent.batches++;
        } catch (e) {
          // Once the stream has ended the server may refuse late inputs; that is not news.
          if (!this.closed) this.failed = e;
          this.queue = [];
          if (!this.closed && !this.finishing) this.onEvent('input-error', e);
        }
      }
    } finally {
      this.sending = false;
      if (this.drained && !this.queue.length) {
        const d = this.drained;
        this.drained = null;
        d();
      }
    }
  }

  // Resolves once every queued input has been posted.
  flush() {
    if (!this.sending && !this.queue.length) return Promise.resolve();
    return new Promise((resolve) => {
      this.drained = resolve;
      this.pump();
    });
  }

  // Half-closes: the summary then arrives as a "summary" event.
  async finish() {
    if (this.closed || this.finishing) return;
    this.finishing = true;
    await this.flush();
    if (this.closed) return;
    await request('POST', `${this.base()}/finish`, {});
  }

  // Ends the session at once (nothing more is read).
  async cancel({ keepalive = false } = {}) {
    if (!this.handle) return;
    this.finishClose(null);
    if (this.serverEnded) return;
    try {
      await request('DELETE', this.base(), undefined, { keepalive });
    } catch {
      // the session may already be over
    }
  }
}
