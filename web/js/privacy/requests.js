// Data-subject requests: register one, see the register and the overdue
// report, grant or refuse (a refusal needs its reason).

import * as api from '../api.js';
import { h } from '../ui.js';
import { field, input, status, facts } from './form.js';

export default { id: 'requests', title: 'Requests', mount };

const KINDS = [['access', 'Access (am I on the list?)'], ['removal', 'Removal'],
  ['optout', 'Opt-out'], ['objection', 'Objection']];

function mount(root) {
  const kind = h('select', { name: 'kind' }, ...KINDS.map(([v, t]) => h('option', { value: v }, t)));
  const received = input('received_on', { type: 'date', required: true });
  received.value = new Date().toISOString().slice(0, 10);
  const requester = input('requester', { required: true });
  const contact = input('contact', { required: true });
  const subject = input('subject');
  const details = h('textarea', { name: 'details', rows: 2 });
  const addStatus = status('request-add-status');
  const form = h('form', { class: 'filters', 'aria-label': 'Register a request' },
    field('request-kind', 'Kind', kind),
    field('request-received', 'Received on', received, 'Due one calendar month later.'),
    field('request-requester', 'Requester', requester),
    field('request-contact', 'Contact', contact, 'Where the answer goes.'),
    field('request-subject', 'About (person)', subject),
    field('request-details', 'Details', details),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Register')));

  const filter = h('select', { name: 'status' },
    h('option', { value: '' }, 'All'), h('option', { value: 'open' }, 'Open'),
    h('option', { value: 'overdue' }, 'Overdue'),
    h('option', { value: 'granted' }, 'Granted'), h('option', { value: 'refused' }, 'Refused'));
  const listStatus = status('requests-status');
  const list = h('div', { id: 'requests-list' });
  root.append(form, addStatus.el,
    h('h3', {}, 'The register'),
    h('form', { class: 'filters', 'aria-label': 'Filter requests',
      onsubmit: (ev) => { ev.preventDefault(); load(); } },
    field('requests-filter', 'Show', filter),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Show requests'))),
    listStatus.el, list);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const body = await api.json('/api/v1/privacy/requests', { method: 'POST', body: {
        kind: kind.value, received_on: received.value, requester: requester.value.trim(),
        contact: contact.value.trim(), subject: subject.value.trim(), details: details.value.trim(),
      } });
      addStatus.line.ok(`Registered request ${body.request.id}, due ${body.request.due_on}.`);
      requester.value = contact.value = subject.value = details.value = '';
      load();
    } catch (e) { addStatus.line.error(e); }
  });

  async function load() {
    listStatus.line.info('Loading…');
    try {
      const overdue = filter.value === 'overdue';
      const body = await api.json(overdue ? '/api/v1/privacy/requests/overdue' : '/api/v1/privacy/requests',
        { params: overdue ? {} : { status: filter.value } });
      const requests = api.listOf(body, 'requests');
      list.replaceChildren(...requests.map((r) => card(r, load)));
      listStatus.line.info(requests.length ? `${requests.length} request(s).` : 'No requests.');
    } catch (e) { listStatus.line.error(e); }
  }
  load();
}

function card(r, reload) {
  const today = new Date().toISOString().slice(0, 10);
  const late = r.status === 'open' && r.due_on < today;
  const el = h('article', { class: 'card', dataset: { id: r.id } },
    h('h4', {}, `#${r.id} ${r.kind} — ${r.requester}`, late ? h('strong', { class: 'late' }, ' overdue') : null),
    facts([['Received', r.received_on], ['Due', r.due_on], ['Contact', r.contact],
      ['About', r.subject], ['Details', r.details], ['Status', r.status],
      ['Decision', r.decision], ['Reason for refusal', r.refusal_reason],
      ['Decided by', r.decided_by], ['Decided at', r.decided_at]]));
  if (r.status !== 'open') return el;
  const id = `decide-${r.id}`;
  const verdict = h('select', { name: 'status' },
    h('option', { value: 'granted' }, 'Grant'), h('option', { value: 'refused' }, 'Refuse'));
  const decision = input('decision', { required: true });
  const reason = h('textarea', { name: 'refusal_reason', rows: 2 });
  const st = status(`${id}-status`);
  const form = h('form', { class: 'filters', 'aria-label': `Decide request ${r.id}` },
    field(`${id}-verdict`, 'Verdict', verdict),
    field(`${id}-decision`, 'Decision', decision, 'What was decided and done.'),
    field(`${id}-reason`, 'Reason for a refusal', reason, 'Required to refuse (e.g. the journalistic interest).'),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Decide')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await api.json(`/api/v1/privacy/requests/${r.id}/decision`, { method: 'POST', body: {
        status: verdict.value, decision: decision.value.trim(),
        refusal_reason: verdict.value === 'refused' ? reason.value.trim() : '',
      } });
      reload();
    } catch (e) { st.line.error(e); }
  });
  el.append(form, st.el);
  return el;
}
