// Form pieces shared by the privacy sections: a labelled field, a status
// line under a form, and a small key/value list.

import { h, statusLine } from '../ui.js';

// A labelled input (every input has a label; help text is linked to it).
export function field(id, labelText, input, help) {
  input.id = id;
  if (help) input.setAttribute('aria-describedby', `${id}-help`);
  return h('div', { class: 'field' },
    h('label', { for: id }, labelText), input,
    help ? h('p', { id: `${id}-help`, class: 'help' }, help) : null);
}

export function input(name, attrs = {}) {
  return h('input', { name, type: 'text', autocomplete: 'off', ...attrs });
}

export function status(id) {
  const el = h('p', { class: 'status', role: 'status', 'aria-live': 'polite', id });
  return { el, line: statusLine(el) };
}

// Facts as a definition list: [['Due', '2026-02-28'], ...].
export function facts(pairs) {
  return h('dl', { class: 'facts' },
    ...pairs.filter(([, v]) => v !== undefined && v !== null && v !== '')
      .flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]));
}

// Offers a downloaded blob (fetched with the key) as a file link.
export function downloadLink(url, filename, text) {
  return h('a', { href: url, download: filename, class: 'button' }, text);
}
