// "Am I on the list?" by name or by a photo (analysed in memory, never
// stored); the access answer for a listed person; opt-out and the opt-out
// records.

import * as api from '../api.js';
import { h } from '../ui.js';
import { field, input, status, downloadLink } from './form.js';

export default { id: 'lookup', title: 'Lookup, access and opt-out', mount };

function mount(root) {
  const name = input('name');
  const photo = h('input', { name: 'photo', type: 'file', accept: 'image/*' });
  const st = status('lookup-status');
  const answer = h('div', { id: 'lookup-answer' });
  const byName = h('form', { class: 'filters', 'aria-label': 'Look up a name' },
    field('lookup-name', 'Name or alias', name),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Look up name')));
  const byPhoto = h('form', { class: 'filters', 'aria-label': 'Look up a photo' },
    field('lookup-photo', 'Photo of the requester', photo, 'Analysed in memory and discarded.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Look up photo')));
  root.append(byName, byPhoto, st.el, answer);

  function show(body) {
    const persons = api.listOf(body, 'persons');
    answer.replaceChildren(h('p', { class: 'answer' }, body.answer),
      ...persons.map((p) => h('p', {}, h('button', {
        type: 'button', class: 'secondary',
        onclick: () => exportPerson(p, answer, st.line),
      }, `Access export for ${p.name}`), ' ', h('button', {
        type: 'button', class: 'danger',
        onclick: () => optOut(p.name, st.line),
      }, `Opt ${p.name} out`))));
    st.line.clear();
  }
  byName.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try { show(await api.json('/api/v1/privacy/lookup', { params: { name: name.value.trim() } })); }
    catch (e) { st.line.error(e); }
  });
  byPhoto.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!photo.files.length) { st.line.error('Choose a photo first.'); return; }
    st.line.info('Analysing the photo…');
    try { show(await api.upload('/api/v1/privacy/lookup/photo', photo.files[0])); }
    catch (e) { st.line.error(e); }
  });

  // Opt-out of someone not on the list (name only), and the records.
  const other = input('optout_name');
  const optForm = h('form', { class: 'filters', 'aria-label': 'Opt out by name' },
    field('optout-name', 'Opt out (name)', other, 'Listed or not: the name is never listed again.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'danger' }, 'Opt out')));
  optForm.addEventListener('submit', (ev) => { ev.preventDefault(); optOut(other.value.trim(), st.line); });
  const records = h('ul', { id: 'suppressions' });
  root.append(h('h3', {}, 'Opt-out'), optForm, h('h3', {}, 'Opt-out records'), records);

  async function optOut(person, line) {
    if (!person) { line.error('Give a name.'); return; }
    if (!window.confirm(`Opt ${person} out? Their profiles and archived faces are deleted.`)) return;
    try {
      const r = await api.json('/api/v1/privacy/optout', { method: 'POST', body: { name: person } });
      line.ok(r.listed
        ? `${person} opted out: ${r.profiles_deleted} profile(s) and ${r.faces_deleted} face(s) deleted; ${r.photos_to_rewrite} photo file(s) are being rewritten (job ${r.job}).`
        : `${person} was not listed; an opt-out record keeps the name off the list.`);
      loadRecords();
    } catch (e) { line.error(e); }
  }
  async function loadRecords() {
    try {
      const list = api.listOf(await api.json('/api/v1/privacy/suppressions'), 'suppressions');
      records.replaceChildren(...list.map((s) => h('li', {},
        `Record ${s.id} of ${s.created_at}: ${s.names} name hash(es), ${s.models.length} encrypted template(s) `,
        h('button', { type: 'button', class: 'secondary', onclick: async () => {
          if (!window.confirm(`Withdraw opt-out record ${s.id}? The person could be listed again.`)) return;
          try { await api.json(`/api/v1/privacy/suppressions/${s.id}`, { method: 'DELETE' }); loadRecords(); }
          catch (e) { st.line.error(e); }
        } }, 'Withdraw'))));
      if (!list.length) records.append(h('li', {}, 'None.'));
    } catch (e) { st.line.error(e); }
  }
  loadRecords();
}

async function exportPerson(person, where, line) {
  line.info(`Preparing the access export for ${person.name}…`);
  try {
    const url = await api.imageUrl(`/api/v1/privacy/persons/${person.id}/export`);
    where.append(h('p', {}, downloadLink(url, `access-person-${person.id}.zip`,
      `Download the access export of ${person.name} (zip)`)));
    line.ok('The access export is ready: it holds the record, criteria, profile sources, photos and audit entries, never the face profiles.');
  } catch (e) { line.error(e); }
}
