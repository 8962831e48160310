// The customers' search page: person (with suggestions), words and dates;
// results as photo cards; a card opens the photo with its face boxes.

import * as api from './api.js';
import { h, gate, statusLine, loadImage, revokeImages, formatDate, openDialog } from './ui.js';
import { personPicker } from './person_picker.js';
import { drawFaces, personName } from './faces.js';

const PAGE_SIZE = 24;

gate({ roles: ['customer', 'editor'], start });

function start() {
  const form = document.getElementById('search-form');
  const status = statusLine(document.getElementById('search-status'));
  const results = document.getElementById('results');
  const section = document.getElementById('results-section');
  const prev = document.getElementById('prev');
  const next = document.getElementById('next');
  const pageLabel = document.getElementById('page-label');
  const picker = personPicker(document.getElementById('person'));

  let criteria = null;  // the last search, for paging
  let offset = 0;

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const text = form.elements.text.value.trim();
    const from = form.elements.from.value;
    const to = form.elements.to.value;
    if (from && to && from > to) {
      status.error('The “from” date is after the “to” date.');
      form.elements.from.focus();
      return;
    }
    let person = null;
    try {
      person = await picker.resolve();
    } catch (e) {
      status.error(e);
      form.elements.person.focus();
      return;
    }
    if (!person && !text) {
      status.error('Give a person’s name or words to search for.');
      form.elements.person.focus();
      return;
    }
    criteria = {
      person: person ? person.id : undefined,
      text, from, to,
      mentioned: person && form.elements.mentioned.checked ? 1 : undefined,
      label: [person && person.name, text && `“${text}”`].filter(Boolean).join(' and '),
    };
    offset = 0;
    await run();
  });

  prev.addEventListener('click', () => { offset = Math.max(0, offset - PAGE_SIZE); run(prev); });
  next.addEventListener('click', () => { offset += PAGE_SIZE; run(next); });

  async function run(focusAfter) {
    status.info('Searching…');
    const { label, ...params } = criteria;
    let body;
    try {
      body = await api.json('/api/v1/search', { params: { ...params, limit: PAGE_SIZE, offset } });
    } catch (e) {
      status.error(e);
      return;
    }
    const hits = api.listOf(body, 'hits');
    revokeImages(results);
    results.replaceChildren(...hits.map(card));
    section.hidden = false;
    const pageNo = Math.floor(offset / PAGE_SIZE) + 1;
    pageLabel.textContent = `Page ${pageNo}`;
    prev.disabled = offset === 0;
    next.disabled = hits.length < PAGE_SIZE;
    if (hits.length === 0) {
      status.info(offset === 0 ? `No photos of ${label}.` : 'No more photos.');
    } else {
      const n = offset + hits.length;
      status.ok(n === 1 ? `1 photo of ${label}.` : `Photos ${offset + 1}–${n} of ${label}.`);
    }
    if (focusAfter && focusAfter.disabled) results.querySelector('button')?.focus();
  }
}

function card(hit) {
  const names = hit.persons || [];
  const img = h('img', { alt: names.length ? `Photo of ${names.join(', ')}` : 'Photo', loading: 'lazy' });
  const button = h('button', { type: 'button', class: 'card', dataset: { photo: hit.photo_id } },
    h('span', { class: 'thumb' }, img),
    h('span', { class: 'card-names' }, names.length ? names.join(', ') : 'No names'),
    h('span', { class: 'card-date' }, formatDate(hit.date)),
    hit.kind === 'mentioned'
      ? h('span', { class: 'badge' }, 'mentioned in the caption, not pictured') : null,
    hit.confirmed ? h('span', { class: 'badge ok' }, 'confirmed by an editor') : null);
  button.addEventListener('click', () => openPhoto(hit.photo_id, button));
  loadImage(img, `/api/v1/photos/${encodeURIComponent(hit.photo_id)}/image`, { max: 400 })
    .catch(() => { img.replaceWith(h('span', { class: 'no-image' }, 'Image not available')); });
  return h('li', {}, button);
}

// The detail view: the larger image with every face's box and name.
async function openPhoto(id, opener) {
  const dialog = document.getElementById('detail');
  const status = statusLine(document.getElementById('detail-status'));
  const img = document.getElementById('detail-image');
  const boxes = document.getElementById('detail-boxes');
  const meta = document.getElementById('detail-meta');
  const title = document.getElementById('detail-title');
  document.getElementById('detail-close').onclick = () => dialog.close();
  // A click on the backdrop (outside the dialog box) closes it too.
  dialog.onclick = (ev) => { if (ev.target === dialog) dialog.close(); };
  dialog.onclose = () => { revokeImages(dialog); img.removeAttribute('src'); };

  title.textContent = 'Photo';
  boxes.replaceChildren();
  meta.replaceChildren();
  img.alt = '';
  status.info('Loading the photo…');
  openDialog(dialog, opener);

  try {
    const photoPath = `/api/v1/photos/${encodeURIComponent(id)}`;
    const [photo] = await Promise.all([
      api.json(photoPath),
      loadImage(img, `${photoPath}/image`, { max: 1600 }),
    ]);
    const faces = photo.faces || [];
    const named = [...new Set(faces.map(personName).filter(Boolean))];
    title.textContent = photo.headline || (named.length ? named.join(', ') : `Photo ${id}`);
    img.alt = named.length ? `Photo of ${named.join(', ')}` : 'Photo';
    drawFaces(boxes, faces, photo.width, photo.height);
    meta.replaceChildren(...photoMeta(photo, faces));
    status.clear();
  } catch (e) {
    status.error(e);
  }
}

function photoMeta(photo, faces) {
  const rows = [];
  const add = (term, value) => { if (value) rows.push(h('dt', {}, term), h('dd', {}, value)); };
  add('Date', formatDate(photo.date || photo.date_created || photo.ingested_at));
  add('Caption', photo.caption);
  add('Keywords', (photo.keywords || []).join(', '));
  const mentioned = (photo.mentions || [])
    .map((m) => (typeof m === 'string' ? m : (m.person && m.person.name) || m.name || m.text))
    .filter(Boolean);
  add('Mentioned in the caption', [...new Set(mentioned)].join(', '));
  add('Size', photo.width && photo.height ? `${photo.width} × ${photo.height} px` : '');
  const list = h('ol', { class: 'face-list' }, ...faces.map((f, i) =>
    h('li', {}, `Face ${i + 1}: `, personName(f) || 'unknown person',
      f.status === 'confirmed' ? ' (confirmed)' : '')));
  return [h('dl', {}, ...rows), faces.length ? h('h3', {}, 'Faces') : null, faces.length ? list : null];
}
