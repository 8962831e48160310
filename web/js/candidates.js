// The editors' queue of new faces: recurring unknown people (candidates)
// with their photos, face thumbnails cut from the photos on the fly, and the
// names the captions suggest with their evidence; approve, reject, hold,
// merge, split.

import * as api from './api.js';
import { h, gate, statusLine, loadImage, formatDate, revokeImages } from './ui.js';

gate({ roles: ['editor'], start });

const list = document.getElementById('list');
const status = statusLine(document.getElementById('status'));
const stateSelect = document.getElementById('state');

function start() {
  stateSelect.addEventListener('change', load);
  document.getElementById('discover').addEventListener('click', discover);
  load();
}

async function discover(ev) {
  const button = ev.currentTarget;
  button.disabled = true;
  status.info('Looking for new faces in the archive…');
  try {
    const run = await api.json('/api/v1/discover', { method: 'POST', body: {} });
    status.ok(`${run.new_faces} new faces looked at, ${run.new_clusters} new groups.`);
    await load();
  } catch (e) {
    status.error(e);
  } finally {
    button.disabled = false;
  }
}

async function load() {
  status.info('Loading…');
  revokeImages(list);
  list.replaceChildren();
  try {
    const body = await api.json('/api/v1/candidates', { params: { state: stateSelect.value, limit: 50 } });
    const candidates = api.listOf(body, 'candidates');
    list.append(...candidates.map(card));
    status.info(candidates.length ? `${candidates.length} shown.` : 'Nobody here.');
  } catch (e) {
    status.error(e);
  }
}

function thumbnail(faceId, alt) {
  const img = h('img', { alt, width: 96, height: 96 });
  loadImage(img, `/api/v1/faces/${encodeURIComponent(faceId)}/thumbnail`, { size: 160 })
    .catch(() => img.replaceWith(h('span', { class: 'no-image' }, 'No thumbnail (photo file not reachable)')));
  return img;
}

// The caption words that suggest a name, with the photos they come from.
function evidenceOf(name) {
  const photos = [...new Set(name.evidence.map((e) => e.photo))];
  return h('span', { class: 'help' },
    ` — ${name.cluster_photos} of its photos name “${name.name}”, ${name.archive_photos} in the archive (photos ${photos.join(', ')})`);
}

function card(c) {
  const id = c.id;
  const heading = `candidate-${id}`;
  const outcome = h('p', { class: 'outcome', role: 'status', tabindex: '-1' });
  const li = h('li', { class: 'candidate face-card', dataset: { candidate: id } });
  const faces = h('div', { class: 'thumbs' },
    ...(c.best_faces || []).map((f) => thumbnail(f, `Face ${f} of candidate ${id}`)));
  const names = h('ul', { class: 'names' },
    ...(c.names || []).map((n) => h('li', {}, h('strong', {}, n.name), ` (score ${n.score.toFixed(2)})`, evidenceOf(n))));
  const photos = h('details', {}, h('summary', {}, `${c.photo_count} photos`),
    h('ul', {}, ...c.photos.map((p) => h('li', {}, `${p.location || `photo ${p.photo}`} — ${formatDate(p.date)} — faces ${p.faces.join(', ')}`))));
  li.append(
    h('h2', { id: heading }, `Candidate ${id}`),
    h('p', {}, `${c.photo_count} photos on ${c.event_count} days or events; last ${formatDate(c.last_date)}.`),
    faces,
    c.names && c.names.length ? h('p', {}, 'Names in the captions:') : h('p', { class: 'help' }, 'No names in the captions.'),
    names, photos);
  if (c.state === 'open' || c.state === 'held') li.append(actions(c, li, outcome));
  li.append(outcome);
  return li;
}

function field(id, label, input) {
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), input);
}

function actions(c, li, outcome) {
  const id = c.id;
  const done = (text) => {
    outcome.className = 'outcome';
    outcome.textContent = text;
    li.classList.add('done');
    li.querySelector('.actions')?.remove();
    outcome.focus();
  };
  const fail = (e) => {
    outcome.className = 'outcome status error';
    outcome.textContent = e.message;
  };
  const call = async (path, body) => api.json(`/api/v1/candidates/${encodeURIComponent(id)}/${path}`, { method: 'POST', body });

  const name = h('input', { type: 'text', required: true, value: c.names && c.names[0] ? c.names[0].name : '' });
  const justification = h('input', { type: 'text', required: true, placeholder: 'Public role, why in the news' });
  const checks = [
    ['public_figure', 'is a public figure'],
    ['recurring_in_news', 'has been in the news more than once'],
    ['likely_searched', 'customers will likely search for them'],
  ].map(([key, text]) => ({ key, box: h('input', { type: 'checkbox', id: `c${id}-${key}` }), text }));
  const approve = h('form', { class: 'approve' },
    field(`c${id}-name`, 'Name', name),
    field(`c${id}-why`, 'Justification', justification),
    h('fieldset', {}, h('legend', {}, 'Listing criteria'),
      ...checks.map((c2) => h('div', {}, c2.box, h('label', { for: c2.box.id }, ` ${c2.text}`)))),
    h('button', { type: 'submit' }, 'Approve and list'));
  approve.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const criteria = Object.fromEntries(checks.map((c2) => [c2.key, c2.box.checked]));
    try {
      const r = await call('approve', { name: name.value.trim(), justification: justification.value.trim(), criteria });
      done(`Listed ${r.person.name}; ${r.rematch ? r.rematch.changed : 0} archived faces now tagged.`);
    } catch (e) { fail(e); }
  });

  const reason = h('input', { type: 'text', value: 'not a public person' });
  const reject = h('form', { class: 'reject' }, field(`c${id}-reason`, 'Reason', reason),
    h('button', { type: 'submit', class: 'danger' }, 'Reject: never propose again'));
  reject.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try { await call('reject', { reason: reason.value.trim() }); done('Rejected; this person will not be proposed again.'); } catch (e) { fail(e); }
  });

  const other = h('input', { type: 'number', min: 1 });
  const merge = h('form', { class: 'merge' }, field(`c${id}-merge`, 'Same person as candidate', other),
    h('button', { type: 'submit', class: 'secondary' }, 'Merge into this one'));
  merge.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try { await call('merge', { from: Number(other.value) }); await load(); } catch (e) { fail(e); }
  });

  const hold = h('button', { type: 'button', class: 'secondary' }, c.state === 'held' ? 'Back to the queue' : 'Hold for later');
  hold.addEventListener('click', async () => {
    try { await call(c.state === 'held' ? 'reopen' : 'hold'); done(c.state === 'held' ? 'Back in the queue.' : 'Held for later.'); } catch (e) { fail(e); }
  });
  const split = h('button', { type: 'button', class: 'secondary' }, 'Split: two people');
  split.addEventListener('click', async () => {
    try { const r = await call('split', {}); status.ok(`Split off candidate ${r.new_candidates.join(', ')}.`); await load(); } catch (e) { fail(e); }
  });
  return h('div', { class: 'actions' }, approve, reject, merge, h('div', { class: 'buttons' }, hold, split));
}
