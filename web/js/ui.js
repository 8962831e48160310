// Small helpers shared by the pages: element building, status messages,
// the sign-in gate, authenticated images and dates.

import * as api from './api.js';

// h('button', {type: 'button', onclick: f}, 'Save') → <button>.
// Attributes: `class`, `text`, `dataset`, on* handlers, booleans; children
// are nodes or strings (strings become text, never HTML).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// A status line: an element with aria-live (in the page's HTML) whose text
// the screen reader announces. Errors get the error style and stay until
// the next message.
export function statusLine(el) {
  return {
    info(text) { el.className = 'status'; el.textContent = text; },
    ok(text) { el.className = 'status ok'; el.textContent = text; },
    error(e) {
      el.className = 'status error';
      el.textContent = e instanceof Error ? e.message : String(e);
    },
    clear() { el.className = 'status'; el.textContent = ''; },
  };
}

// Shows the sign-in form until a valid key is given, then calls
// `start(who)` once. `roles` are the roles the page is for; a key with
// another role is told which page suits it instead of meeting 403s.
export function gate({ roles, start }) {
  const signin = document.getElementById('signin');
  const page = document.getElementById('page');
  const session = document.getElementById('session');
  const status = statusLine(document.getElementById('signin-status'));
  let started = false;

  function showSession(who) {
    session.replaceChildren(
      h('span', { class: 'who' }, 'Signed in: ', h('strong', { text: who.role }),
        who.key && who.key.label ? ` (${who.key.label})` : ''),
      h('button', {
        type: 'button', class: 'secondary', onclick: () => { api.signOut(); location.reload(); },
      }, 'Sign out'));
  }

  function showForm(message) {
    page.hidden = true;
    session.replaceChildren();
    const input = h('input', {
      id: 'api-key', name: 'api-key', type: 'password', autocomplete: 'off', required: true,
      spellcheck: 'false', 'aria-describedby': 'api-key-help',
    });
    const form = h('form', { class: 'signin-form' },
      h('h2', { text: 'Sign in' }),
      h('label', { for: 'api-key' }, 'API key'),
      input,
      h('p', { id: 'api-key-help', class: 'help' },
        'The key starts with ft_. Your administrator creates it; it is kept only in this browser tab.'),
      h('button', { type: 'submit' }, 'Sign in'));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      status.info('Checking the key…');
      try {
        const who = await api.signIn(input.value.trim());
        status.clear();
        enter(who);
      } catch (e) {
        status.error(e.status === 401 ? 'This key is not valid, or it was revoked.' : e);
        input.focus();
      }
    });
    signin.replaceChildren(form);
    signin.hidden = false;
    if (message) status.error(message);
    input.focus();
  }

  function enter(who) {
    showSession(who);
    if (roles && !roles.includes(who.role)) {
      page.hidden = true;
      signin.replaceChildren(
        h('p', { class: 'notice' },
          `This page is for the ${roles.join(' or ')} role; your key has the ${who.role} role. `,
          h('a', { href: pageFor(who.role) }, 'Go to your page'), '.'));
      signin.hidden = false;
      return;
    }
    signin.hidden = true;
    signin.replaceChildren();
    page.hidden = false;
    if (!started) {
      started = true;
      start(who);
    }
  }

  // A key kept from an earlier page of this tab: check it is still valid.
  if (api.apiKey()) {
    api.whoami().then(enter, (e) => {
      if (e.status === 401) api.signOut();
      showForm(e.status === 401 ? 'Your key is no longer valid; sign in again.' : e.message);
    });
  } else {
    showForm();
  }
}

export function pageFor(role) {
  switch (role) {
    case 'editor': return 'editor.html';
    case 'privacy': return 'privacy.html';
    default: return 'index.html';
  }
}

// Loads an API image into `img` through a blob: URL, revoking the one it had.
export async function loadImage(img, path, params) {
  const url = await api.imageUrl(path, params);
  const old = img.dataset.blob;
  await new Promise((resolve, reject) => {
    img.onload = resolve;
    img.onerror = () => reject(new Error('The image could not be shown.'));
    img.src = url;
  });
  img.dataset.blob = url;
  if (old) URL.revokeObjectURL(old);
}

export function revokeImages(root) {
  for (const img of root.querySelectorAll('img[data-blob]')) {
    URL.revokeObjectURL(img.dataset.blob);
    delete img.dataset.blob;
  }
}

// "2024-05-03T10:20:00Z" → "3 May 2024" (the viewer's locale); text that is
// not a date is shown as it is.
export function formatDate(s) {
  if (!s) return '';
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return s;
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(s) || /T00:00:00(\.0+)?Z?$/.test(s);
  return dateOnly
    ? d.toLocaleDateString(undefined, { dateStyle: 'medium', timeZone: 'UTC' })
    : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function percent(similarity) {
  return typeof similarity === 'number' ? `${Math.round(similarity * 100)} %` : '';
}

// A modal <dialog>: the browser traps focus inside and Escape closes it;
// focus goes back to the element that opened it.
export function openDialog(dialog, opener) {
  const back = opener || document.activeElement;
  dialog.addEventListener('close', () => { if (back && back.isConnected) back.focus(); }, { once: true });
  dialog.showModal();
}
