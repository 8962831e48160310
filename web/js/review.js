// The editors' review page: recent automatic tags to confirm or reject, and
// unknown faces to name.

import * as api from './api.js';
import { h, gate, statusLine, loadImage, formatDate, percent } from './ui.js';
import { personName } from './faces.js';
import { personPicker } from './person_picker.js';

const PAGE_SIZE = 24;

gate({ roles: ['editor'], start });

function start() {
  faceList({
    decision: 'recognized',
    list: document.getElementById('auto-list'),
    status: statusLine(document.getElementById('auto-status')),
    more: document.getElementById('auto-more'),
    heading: document.getElementById('auto-title'),
    card: taggedCard,
    empty: 'No automatic tags wait for review.',
  });
  faceList({
    decision: 'unknown',
    list: document.getElementById('unknown-list'),
    status: statusLine(document.getElementById('unknown-status')),
    more: document.getElementById('unknown-more'),
    heading: document.getElementById('unknown-title'),
    card: unknownCard,
    empty: 'No unknown faces.',
  });
}

// One paged list of faces; "Show older" asks for faces before the last one.
function faceList(opts) {
  let before;
  async function load() {
    const fromMore = document.activeElement === opts.more;
    opts.status.info('Loading…');
    opts.more.disabled = true;
    let faces;
    try {
      const body = await api.json('/api/v1/faces', {
        params: { status: 'automatic', decision: opts.decision, limit: PAGE_SIZE, before },
      });
      faces = api.listOf(body, 'faces');
    } catch (e) {
      opts.status.error(e);
      opts.more.disabled = false;
      return;
    }
    const nodes = faces.map((f) => opts.card(f, opts));
    opts.list.append(...nodes);
    const total = opts.list.children.length;
    opts.status.info(total === 0 ? opts.empty : `${total} shown.`);
    opts.more.hidden = faces.length < PAGE_SIZE;
    opts.more.disabled = false;
    if (faces.length) before = cursorOf(faces[faces.length - 1]);
    if (nodes.length && fromMore) nodes[0].querySelector('button')?.focus();
  }
  opts.more.addEventListener('click', load);
  load();
}

// The value GET /api/v1/faces takes as `before` to continue after a face.
function cursorOf(face) {
  return face.face_id ?? face.id;
}

function faceIdOf(face) {
  return face.face_id ?? face.id;
}

function thumbnail(face, alt) {
  const img = h('img', { alt, width: 120, height: 120 });
  loadImage(img, `/api/v1/faces/${encodeURIComponent(faceIdOf(face))}/thumbnail`, { size: 160 })
    .catch(() => img.replaceWith(h('span', { class: 'no-image' }, 'No thumbnail (photo file not reachable)')));
  return img;
}

function when(face) {
  return face.updated_at ? h('span', { class: 'help' }, formatDate(face.updated_at)) : null;
}

function taggedCard(face, opts) {
  const id = faceIdOf(face);
  const name = personName(face) || 'a listed person';
  const personId = face.person && typeof face.person === 'object' ? face.person.id : face.person_id;
  const label = `face-${id}-label`;
  const outcome = h('p', { class: 'outcome', role: 'status', tabindex: '-1' });
  const confirm = h('button', { type: 'button', 'aria-label': `Confirm ${name} (face ${id})`, 'aria-describedby': label }, 'Confirm');
  const reject = h('button', { type: 'button', class: 'danger', 'aria-label': `Reject ${name} (face ${id})`, 'aria-describedby': label }, 'Reject');
  const li = h('li', { class: 'face-card', dataset: { face: id } },
    thumbnail(face, `Face ${id} in photo ${face.photo_id}`),
    h('p', { id: label, class: 'face-label' }, h('strong', {}, name),
      face.similarity !== undefined ? ` — similarity ${percent(face.similarity)}` : '',
      ` (photo ${face.photo_id})`),
    when(face),
    h('div', { class: 'buttons' }, confirm, reject),
    outcome);
  const decide = (action) => async () => {
    confirm.disabled = reject.disabled = true;
    try {
      await api.json(`/api/v1/faces/${encodeURIComponent(id)}/${action}`, { method: 'POST', body: { person: personId } });
      li.classList.add('done');
      outcome.textContent = action === 'confirm' ? `Confirmed: ${name}.` : `Rejected: this face is not ${name}.`;
      li.querySelector('.buttons').remove();
      focusNext(li, opts.heading, outcome);
    } catch (e) {
      confirm.disabled = reject.disabled = false;
      outcome.className = 'outcome status error';
      outcome.textContent = e.message;
    }
  };
  confirm.addEventListener('click', decide('confirm'));
  reject.addEventListener('click', decide('reject'));
  return li;
}

function unknownCard(face, opts) {
  const id = faceIdOf(face);
  const inputId = `name-face-${id}`;
  const input = h('input', { id: inputId, type: 'text', placeholder: 'Start typing a name' });
  const outcome = h('p', { class: 'outcome', role: 'status', tabindex: '-1' });
  const form = h('form', { class: 'name-face' },
    h('label', { for: inputId }, `Name face ${id} as`),
    h('div', {}, input),
    h('div', { class: 'buttons' }, h('button', { type: 'submit' }, 'Confirm name')));
  const li = h('li', { class: 'face-card', dataset: { face: id } },
    thumbnail(face, `Unknown face ${id} in photo ${face.photo_id}`),
    h('p', {}, `Unknown face (photo ${face.photo_id})`),
    when(face), form, outcome);
  const picker = personPicker(input);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      const person = await picker.resolve();
      if (!person) throw new Error('Type a listed person’s name first.');
      await api.json(`/api/v1/faces/${encodeURIComponent(id)}/confirm`, { method: 'POST', body: { person: person.id } });
      li.classList.add('done');
      outcome.className = 'outcome';
      outcome.textContent = `Named: ${person.name}.`;
      form.remove();
      focusNext(li, opts.heading, outcome);
    } catch (e) {
      button.disabled = false;
      outcome.className = 'outcome status error';
      outcome.textContent = e.message;
    }
  });
  return li;
}

// After a decision, keyboard users continue with the next face to review.
function focusNext(li, heading, outcome) {
  let next = li.nextElementSibling;
  while (next && next.classList.contains('done')) next = next.nextElementSibling;
  const target = next && next.querySelector('button, input');
  if (target) target.focus();
  else outcome.focus();
}
