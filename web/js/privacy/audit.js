// The audit log section: every recorded action (who, what, to what, when),
// filtered by actor, action and subject, a page at a time.

import * as api from '../api.js';
import { h, statusLine, formatDate } from '../ui.js';

const LIMITS = [25, 50, 100];

export default {
  id: 'audit',
  title: 'Audit log',
  mount,
};

function field(id, labelText, input, help) {
  return h('div', { class: 'field' },
    h('label', { for: id }, labelText), input,
    help ? h('p', { id: `${id}-help`, class: 'help' }, help) : null);
}

function mount(root) {
  const actor = h('input', { id: 'audit-actor', name: 'actor', type: 'text', autocomplete: 'off',
    'aria-describedby': 'audit-actor-help' });
  const action = h('input', { id: 'audit-action', name: 'action', type: 'text', autocomplete: 'off',
    'aria-describedby': 'audit-action-help' });
  const subject = h('input', { id: 'audit-subject', name: 'subject', type: 'text', autocomplete: 'off',
    'aria-describedby': 'audit-subject-help' });
  const limit = h('select', { id: 'audit-limit', name: 'limit' },
    ...LIMITS.map((n) => h('option', { value: n, selected: n === 50 }, String(n))));
  const form = h('form', { class: 'filters', 'aria-label': 'Filter the audit log' },
    field('audit-actor', 'Actor', actor, 'Exact, as in the Actor column.'),
    field('audit-action', 'Action', action, 'Exact, e.g. tag.confirm or person.remove.'),
    field('audit-subject', 'Subject', subject, 'Exact, e.g. face:12 or person:3.'),
    field('audit-limit', 'Entries per page', limit),
    h('div', { class: 'actions' },
      h('button', { type: 'submit' }, 'Show'),
      h('button', { type: 'reset', class: 'secondary' }, 'Clear filters')));
  const statusEl = h('p', { class: 'status', role: 'status', 'aria-live': 'polite', id: 'audit-status' });
  const tbody = h('tbody');
  const table = h('table', { id: 'audit-table' },
    h('caption', { class: 'help' }, 'Newest first; the filters combine.'),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col', class: 'num' }, 'No.'),
      h('th', { scope: 'col' }, 'When'),
      h('th', { scope: 'col' }, 'Actor'),
      h('th', { scope: 'col' }, 'Action'),
      h('th', { scope: 'col' }, 'Subject'),
      h('th', { scope: 'col' }, 'Details'))),
    tbody);
  const prev = h('button', { type: 'button', class: 'secondary', disabled: true }, 'Previous page');
  const next = h('button', { type: 'button', class: 'secondary', disabled: true }, 'Next page');
  const pageLabel = h('span');
  root.append(form, statusEl, table, h('nav', { class: 'pager', 'aria-label': 'Audit log pages' }, prev, pageLabel, next));
  const status = statusLine(statusEl);

  // cursors[i] is the cursor that gives page i (0: from the start).
  let cursors = [0];
  let page = 0;
  let nextCursor = null;

  async function load() {
    status.info('Loading the audit log…');
    let body;
    try {
      body = await api.json('/api/v1/audit', {
        params: {
          actor: actor.value.trim(), action: action.value.trim(), subject: subject.value.trim(),
          cursor: cursors[page] || undefined, limit: limit.value,
        },
      });
    } catch (e) {
      status.error(e);
      return;
    }
    const entries = api.listOf(body, 'entries', 'audit', 'items').map(flatten);
    tbody.replaceChildren(...entries.map(row));
    if (!entries.length) {
      tbody.append(h('tr', {}, h('td', { colspan: 6 }, page === 0 ? 'No entries match.' : 'No more entries.')));
    }
    const wanted = Number(limit.value);
    // The server's own cursor for the next page when it gives one, else the
    // last entry's id (entries come in id order).
    const serverNext = body && !Array.isArray(body) ? body.next_cursor ?? body.cursor_next : undefined;
    nextCursor = serverNext !== undefined ? serverNext
      : entries.length === wanted ? entries[entries.length - 1].id : null;
    prev.disabled = page === 0;
    next.disabled = nextCursor === null || nextCursor === undefined || entries.length === 0;
    pageLabel.textContent = `Page ${page + 1}`;
    status.info(entries.length ? `${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} on page ${page + 1}.` : '');
  }

  form.addEventListener('submit', (ev) => { ev.preventDefault(); cursors = [0]; page = 0; load(); });
  form.addEventListener('reset', () => { setTimeout(() => { cursors = [0]; page = 0; load(); }, 0); });
  next.addEventListener('click', () => { cursors[page + 1] = nextCursor; page++; load(); });
  prev.addEventListener('click', () => { page = Math.max(0, page - 1); load(); });
  load();
}

// Entries may carry their fields flat or in a nested "record".
function flatten(e) {
  const r = e.record || {};
  return {
    id: e.id,
    at: e.at ?? e.time ?? e.created_at,
    actor: e.actor ?? r.actor,
    action: e.action ?? r.action,
    subject: e.subject ?? r.subject,
    details: e.details ?? r.details,
  };
}

// Details (any JSON value) as "key: value" lines, nested values inline.
function detailsText(d) {
  if (d === undefined || d === null || d === '') return '';
  let v = d;
  if (typeof d === 'string') {
    try { v = JSON.parse(d); } catch { return d; }
  }
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    return Object.entries(v).map(([k, x]) => `${k.replace(/_/g, ' ')}: ${inline(x)}`).join('\n');
  }
  return inline(v);
}

function inline(v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(3);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.length ? v.map(inline).join(', ') : 'none';
  return `(${Object.entries(v).map(([k, x]) => `${k.replace(/_/g, ' ')}: ${inline(x)}`).join(', ')})`;
}

function row(e) {
  return h('tr', { dataset: { id: e.id } },
    h('td', { class: 'num' }, String(e.id)),
    h('td', {}, h('time', { datetime: e.at }, formatDate(e.at))),
    h('td', {}, e.actor || ''),
    h('td', {}, h('code', {}, e.action || '')),
    h('td', {}, e.subject || ''),
    h('td', {}, h('pre', { class: 'details-json' }, detailsText(e.details))));
}
