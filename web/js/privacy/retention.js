// Retention periods, the purge (dry run first), and the verification of the
// audit log's hash chain.

import * as api from '../api.js';
import { h } from '../ui.js';
import { field, input, status, facts } from './form.js';

export default { id: 'retention', title: 'Retention, purge and audit integrity', mount };

const KINDS = [
  ['captions', 'Captions'], ['tags', 'Automatic tags'], ['unknown_faces', 'Unknown faces'],
  ['idle_profiles', 'Profiles of persons not in the news'], ['audit', 'Audit entries'],
  ['requests', 'Decided requests'],
];

function mount(root) {
  const inputs = Object.fromEntries(KINDS.map(([k]) => [k, input(k, { inputmode: 'numeric' })]));
  const st = status('retention-status');
  const form = h('form', { class: 'filters', 'aria-label': 'Retention periods' },
    ...KINDS.map(([k, label]) => field(`retention-${k}`, `${label} (days)`, inputs[k], 'Empty: no limit.')),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save periods')));
  const report = h('div', { id: 'purge-report' });
  const verifyOut = h('div', { id: 'audit-verify' });
  root.append(form, st.el,
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => purge(true) }, 'Purge: dry run'),
      h('button', { type: 'button', class: 'danger', onclick: () => purge(false) }, 'Purge now'),
      h('button', { type: 'button', class: 'secondary', onclick: verify }, 'Verify the audit log')),
    report, verifyOut);

  async function load() {
    try {
      const { retention } = await api.json('/api/v1/privacy/retention');
      for (const [k] of KINDS) inputs[k].value = retention[k] ?? '';
    } catch (e) { st.line.error(e); }
  }
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {};
    for (const [k] of KINDS) {
      const v = inputs[k].value.trim();
      body[k] = v === '' ? null : Number(v);
    }
    try { await api.json('/api/v1/privacy/retention', { method: 'PUT', body }); st.line.ok('Saved.'); }
    catch (e) { st.line.error(e); }
  });
  async function purge(dry) {
    if (!dry && !window.confirm('Delete everything past its retention period now?')) return;
    st.line.info(dry ? 'Counting…' : 'Purging…');
    try {
      const r = await api.json('/api/v1/privacy/purge', { method: 'POST', body: { dry_run: dry } });
      const c = r.counts;
      report.replaceChildren(h('h3', {}, dry ? 'Would purge' : 'Purged'), facts([
        ['Captions', c.captions], ['Mentions', c.mentions], ['Tags', c.tags],
        ['Unknown faces', c.unknown_faces], ['Profiles', c.profiles],
        ['Audit entries', c.audit_entries], ['Requests', c.requests],
        ['Database before (bytes)', dry ? '' : r.file_bytes_before],
        ['Database after (bytes)', dry ? '' : r.file_bytes_after],
        ['Wiped from the file', dry ? '' : (r.wiped ? 'yes' : `not yet: ${r.wipe_error}`)]]));
      st.line.clear();
    } catch (e) { st.line.error(e); }
  }
  async function verify() {
    try {
      const v = await api.json('/api/v1/audit/verify');
      verifyOut.replaceChildren(h('p', { class: v.intact ? 'status ok' : 'status error' },
        v.intact ? `Intact: ${v.entries} entries. Head hash ${v.head_hash} — write it down elsewhere.`
          : `Tampered: ${v.problem}`));
    } catch (e) { st.line.error(e); }
  }
  load();
}
