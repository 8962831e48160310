// The facetag HTTP API as the pages use it (docs/http-api.md).
//
// The API key comes from the sign-in form and is kept in sessionStorage: it
// lives as long as the browser tab and is shared by the pages of one tab,
// never written to disk by us and never put into a URL.

const KEY_STORAGE = 'facetag.apiKey';
const ROLE_STORAGE = 'facetag.role';

export function apiKey() {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function storedRole() {
  return sessionStorage.getItem(ROLE_STORAGE);
}

export function signOut() {
  sessionStorage.removeItem(KEY_STORAGE);
  sessionStorage.removeItem(ROLE_STORAGE);
}

// An API answer that is not 2xx, or a request that did not reach the server.
// `message` is meant for the user: the API's own message when it sent one.
export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;  // HTTP status; 0 when the server was not reached
    this.code = code;      // the API's error code, e.g. "forbidden"
    this.retryAfter = retryAfter;
  }
}

const STATUS_TEXT = {
  401: 'The API key is not valid (or was revoked). Sign in again.',
  403: 'Your key’s role may not do this.',
  404: 'Not found.',
  413: 'The file is too large.',
  415: 'This file type is not supported.',
  429: 'The server is busy.',
  503: 'The server is shutting down or unavailable.',
};

async function errorFrom(response) {
  let code = 'http_' + response.status;
  let message = '';
  try {
    const body = await response.json();
    if (body && body.error) {
      code = body.error.code || code;
      message = body.error.message || '';
    }
  } catch {
    // Not JSON (a proxy's page, say): fall back to the status.
  }
  const retryAfter = response.headers.get('Retry-After');
  if (!message) message = STATUS_TEXT[response.status] || `The server answered ${response.status}.`;
  if (response.status === 429 && retryAfter) message += ` Try again in ${retryAfter} s.`;
  return new ApiError(response.status, code, message, retryAfter);
}

// fetch() with the key, turning every failure into an ApiError.
async function send(path, { method = 'GET', body, contentType, key = apiKey(), signal } = {}) {
  const headers = {};
  if (key) headers.Authorization = `Bearer ${key}`;
  if (contentType) headers['Content-Type'] = contentType;
  let response;
  try {
    response = await fetch(path, { method, headers, body, signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'The server could not be reached. Check the connection and try again.');
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

// GET/POST/... a JSON endpoint; resolves to the parsed body (null for 204).
export async function json(path, { method = 'GET', params, body, signal } = {}) {
  const response = await send(path + query(params), {
    method,
    signal,
    body: body === undefined ? undefined : JSON.stringify(body),
    contentType: body === undefined ? undefined : 'application/json',
  });
  if (response.status === 204) return null;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

// Sends a file as the raw request body with its own content type.
export async function upload(path, file, { params } = {}) {
  const response = await send(path + query(params), {
    method: 'POST',
    body: file,
    contentType: file.type || 'application/octet-stream',
  });
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

// An <img> cannot send the key, so images are fetched and shown through a
// blob: URL. The caller revokes it (URL.revokeObjectURL) when done.
export async function imageUrl(path, params, signal) {
  const response = await send(path + query(params), { signal });
  return URL.createObjectURL(await response.blob());
}

// Checks a key with /whoami and keeps it for this tab when it is valid.
export async function signIn(key) {
  const response = await send('/api/v1/whoami', { key });
  const who = await response.json();
  sessionStorage.setItem(KEY_STORAGE, key);
  sessionStorage.setItem(ROLE_STORAGE, who.role || '');
  return who;
}

export async function whoami() {
  return json('/api/v1/whoami');
}

// Lists may come bare or wrapped ({"persons": [...]}); the pages want the array.
export function listOf(body, ...keys) {
  if (Array.isArray(body)) return body;
  for (const k of keys) if (body && Array.isArray(body[k])) return body[k];
  return [];
}
