// The editors' list page: the persons with profile counts and criteria, one
// person's recent photos, adding a person and enrolling photos by upload.

import * as api from './api.js';
import { h, gate, statusLine, loadImage, revokeImages, formatDate, percent } from './ui.js';

const CRITERIA = [
  ['public_figure', 'A public figure'],
  ['recurring_in_news', 'Recurring in the news'],
  ['likely_searched', 'Likely to be searched for'],
];

gate({ roles: ['editor'], start });

let current = null;  // the person shown in the panel

function start() {
  document.getElementById('add-form').addEventListener('submit', addPerson);
  document.getElementById('enrol-form').addEventListener('submit', enrol);
  loadList();
}

async function loadList() {
  const status = statusLine(document.getElementById('list-status'));
  const tbody = document.querySelector('#persons tbody');
  status.info('Loading the list…');
  let persons;
  try {
    persons = api.listOf(await api.json('/api/v1/persons'), 'persons');
  } catch (e) {
    status.error(e);
    return;
  }
  persons.sort((a, b) => a.name.localeCompare(b.name));
  tbody.replaceChildren(...persons.map(row));
  if (persons.length === 0) {
    tbody.append(h('tr', {}, h('td', { colspan: 5 }, 'Nobody is listed yet. Add a person with the form.')));
  }
  status.info(`${persons.length} ${persons.length === 1 ? 'person' : 'persons'} listed.`);
}

function criteriaList(criteria = {}) {
  return h('ul', { class: 'criteria' }, ...CRITERIA.map(([k, label]) =>
    h('li', { class: criteria[k] ? 'yes' : 'no' }, label, criteria[k] ? '' : ' (not confirmed)')));
}

function row(p) {
  return h('tr', { dataset: { person: p.id } },
    h('th', { scope: 'row' },
      h('button', { type: 'button', class: 'link-button', onclick: () => showPerson(p.id) }, p.name)),
    h('td', {}, (p.aliases || []).join(', ')),
    h('td', { class: 'num profiles' }, String(profileCount(p))),
    h('td', {}, criteriaList(p.criteria)),
    h('td', {}, formatDate(p.created_at)));
}

function profileCount(p) {
  if (typeof p.profiles === 'number') return p.profiles;
  if (p.profiles && typeof p.profiles.count === 'number') return p.profiles.count;
  return 0;
}

async function addPerson(ev) {
  ev.preventDefault();
  const form = ev.target;
  const status = statusLine(document.getElementById('add-status'));
  const name = form.elements.name.value.trim();
  const justification = form.elements.justification.value.trim();
  if (!name) { status.error('Give the person’s name.'); form.elements.name.focus(); return; }
  if (!justification) { status.error('Say why this person is listed.'); form.elements.justification.focus(); return; }
  const criteria = Object.fromEntries(CRITERIA.map(([k]) => [k, form.elements[k].checked]));
  const missing = CRITERIA.filter(([k]) => !criteria[k]);
  if (missing.length) {
    status.error(`A person is listed only when all three criteria hold; not confirmed: ${missing.map(([, l]) => l.toLowerCase()).join(', ')}.`);
    form.elements[missing[0][0]].focus();
    return;
  }
  const aliases = form.elements.aliases.value.split(',').map((s) => s.trim()).filter(Boolean);
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  status.info(`Adding ${name}…`);
  try {
    const person = await api.json('/api/v1/persons', { method: 'POST', body: { name, aliases, justification, criteria } });
    form.reset();
    status.ok(`${person.name} is listed. Enrol photos of them below.`);
    await loadList();
    await showPerson(person.id, { focus: false });
  } catch (e) {
    status.error(e);
  } finally {
    button.disabled = false;
  }
}

async function showPerson(id, { focus = true } = {}) {
  const panel = document.getElementById('person-panel');
  const title = document.getElementById('person-title');
  const status = statusLine(document.getElementById('person-status'));
  const info = document.getElementById('person-info');
  const recent = document.getElementById('recent');
  const empty = document.getElementById('recent-empty');
  panel.hidden = false;
  status.info('Loading…');
  let person;
  try {
    person = await api.json(`/api/v1/persons/${encodeURIComponent(id)}`);
  } catch (e) {
    status.error(e);
    return;
  }
  current = person;
  title.textContent = person.name;
  const count = profileCount(person);
  info.replaceChildren(h('dl', { class: 'info' },
    h('dt', {}, 'Aliases'), h('dd', {}, (person.aliases || []).join(', ') || 'none'),
    h('dt', {}, 'Profiles'), h('dd', { id: 'person-profiles' }, String(count)),
    h('dt', {}, 'Justification'), h('dd', {}, person.justification || ''),
    h('dt', {}, 'Listing criteria'), h('dd', {}, criteriaList(person.criteria)),
    h('dt', {}, 'Identifier'), h('dd', { class: 'mono' }, person.uri || String(person.id))));
  status.info(count === 0 ? 'No profiles yet: enrol a photo so this person can be recognised.' : '');
  revokeImages(recent);
  const photos = person.recent_photos || [];
  empty.hidden = photos.length > 0;
  recent.replaceChildren(...photos.map((hit) => {
    const img = h('img', { alt: `Photo of ${person.name}${hit.date ? ', ' + formatDate(hit.date) : ''}` });
    loadImage(img, `/api/v1/photos/${encodeURIComponent(hit.photo_id)}/image`, { max: 200 })
      .catch(() => img.replaceWith(h('span', { class: 'no-image' }, `Photo ${hit.photo_id}: no image`)));
    return h('li', {}, img);
  }));
  if (focus) title.focus();
}

async function enrol(ev) {
  ev.preventDefault();
  const form = ev.target;
  const status = statusLine(document.getElementById('enrol-status'));
  const results = document.getElementById('enrol-results');
  if (!current) return;
  const files = [...form.elements.files.files];
  if (!files.length) { status.error('Choose one or more photo files first.'); form.elements.files.focus(); return; }
  const face = form.elements.face.value.trim();
  if (face && !(Number.isInteger(Number(face)) && Number(face) >= 1)) {
    status.error('The face number is a whole number from 1.');
    form.elements.face.focus();
    return;
  }
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  results.replaceChildren();
  const person = current;
  let enrolled = 0;
  for (const [i, file] of files.entries()) {
    status.info(`Enrolling ${file.name} (${i + 1} of ${files.length})…`);
    try {
      const r = await api.upload(`/api/v1/persons/${encodeURIComponent(person.id)}/profiles`, file,
        { params: { face: face || undefined } });
      enrolled++;
      const resemblance = typeof r.resemblance === 'number' ? `, resemblance to the other profiles ${percent(r.resemblance)}` : '';
      results.append(h('li', { class: 'ok' }, `${file.name}: enrolled${resemblance}.`, rematchText(r.rematch)));
    } catch (e) {
      results.append(h('li', { class: 'status error' }, `${file.name}: ${e.message}`));
    }
  }
  button.disabled = false;
  const failed = files.length - enrolled;
  if (failed === 0) status.ok(`${enrolled} ${enrolled === 1 ? 'photo' : 'photos'} enrolled for ${person.name}.`);
  else status.error(`${enrolled} enrolled, ${failed} refused for ${person.name}: see below.`);
  if (enrolled) {
    form.reset();
    await loadList();
    await showPerson(person.id, { focus: false });
  }
}

// The archive re-check after an enrolment, in words.
function rematchText(rematch) {
  if (!rematch || typeof rematch !== 'object') return '';
  if (typeof rematch.faces === 'number' && typeof rematch.changed === 'number') {
    return ` Archive re-checked: ${rematch.changed} of ${rematch.faces} faces changed.`;
  }
  const parts = Object.entries(rematch)
    .filter(([, v]) => typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string')
    .map(([k, v]) => `${k.replace(/_/g, ' ')}: ${v}`);
  return parts.length ? ` Archive re-checked (${parts.join(', ')}).` : '';
}
