// What every part of the web map shares: element building, the message line, JSON requests whose failures
// become sentences, and the busy flag tests wait on.
import { t } from './i18n.js';

export const $ = (id) => document.getElementById(id);

/** An element with attributes (`on…` are listeners; `class`; true/false for boolean attributes) and children. */
export const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
  return e;
};

/** Replaces an element's children, leaving out null, undefined and false (which the DOM would print). */
export function fill(box, ...children) {
  box.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return box;
}

/** Says something on the message line (`info`, `warn`, `error`); an empty text clears it. */
export function say(text, kind = 'info') {
  const m = $('message');
  m.textContent = text || '';
  m.className = text ? kind : '';
}

export class ApiError extends Error {}

/** A JSON request to the same server; failures become sentences (the server's own reason when it gives one).
 *  `withTag`: `{doc, etag}` (for edits with `If-Match`). */
export async function api(path, { method = 'GET', body, headers: extra = {}, withTag = false } = {}) {
  let r;
  try {
    const headers = { Accept: 'application/json', ...extra };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(t('server.down', { host: location.host, path }));
  }
  let doc = null;
  try {
    doc = await r.json();
  } catch {
    // said below
  }
  if (r.status === 401 && path !== '/me') {
    // A server with logins (`serve --db`) whose session ended: back to its login page.
    location.assign('/login');
  }
  if (!r.ok) {
    const e = new ApiError(doc && doc.reason ? doc.reason : `HTTP ${r.status}`);
    e.status = r.status;
    throw e;
  }
  if (doc === null) throw new ApiError(t('server.notJson', { path }));
  return withTag ? { doc, etag: r.headers.get('ETag') } : doc;
}

/** Marks the page busy (`<body data-busy>`) while an action's requests are under way. */
let busyCount = 0;
export function busy(fn) {
  return async (...args) => {
    busyCount += 1;
    document.body.dataset.busy = 'true';
    try {
      return await fn(...args);
    } finally {
      busyCount -= 1;
      if (busyCount === 0) delete document.body.dataset.busy;
    }
  };
}

/** Resolves when no action is under way (tests wait on it). */
export function notBusy() {
  return new Promise((resolve) => {
    const tick = () => (busyCount === 0 ? resolve() : setTimeout(tick, 20));
    tick();
  });
}
