// A person-name input with suggestions from GET /api/v1/persons/suggest,
// following the WAI-ARIA combobox pattern: type to get names, Up/Down to
// move, Enter to choose, Escape to close the list; a click chooses too.

import * as api from './api.js';
import { h } from './ui.js';

let counter = 0;

// Wires the suggestions to an existing <input> (which has its <label>).
// Returns { selected(): {id, name} | null, resolve(): Promise<{id,name}|null>,
// clear() }. `onChoose(person)` is called when a name is chosen.
export function personPicker(input, { onChoose } = {}) {
  const listId = `${input.id || 'person'}-suggestions-${++counter}`;
  const list = h('ul', { id: listId, role: 'listbox', class: 'suggestions', hidden: true,
    'aria-label': 'Suggested names' });
  input.after(list);
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('aria-controls', listId);
  input.setAttribute('autocomplete', 'off');
  input.parentElement.classList.add('combobox');

  let chosen = null;
  let items = [];
  let active = -1;
  let timer = 0;
  let inflight = null;

  function close() {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function render() {
    list.replaceChildren(...items.map((p, i) => h('li', {
      id: `${listId}-${i}`, role: 'option', 'aria-selected': i === active ? 'true' : 'false',
      class: i === active ? 'active' : '',
      // mousedown, not click: it comes before the input's blur.
      onmousedown: (ev) => { ev.preventDefault(); choose(p); },
    }, p.name)));
    list.hidden = items.length === 0;
    input.setAttribute('aria-expanded', items.length ? 'true' : 'false');
    if (active >= 0) input.setAttribute('aria-activedescendant', `${listId}-${active}`);
    else input.removeAttribute('aria-activedescendant');
  }

  function choose(p) {
    chosen = p;
    input.value = p.name;
    items = [];
    close();
    if (onChoose) onChoose(p);
  }

  async function fetchSuggestions(q) {
    if (inflight) inflight.abort();
    inflight = new AbortController();
    try {
      const body = await api.json('/api/v1/persons/suggest', { params: { q }, signal: inflight.signal });
      return api.listOf(body, 'persons', 'suggestions');
    } catch (e) {
      if (e.name === 'AbortError') return null;
      throw e;
    }
  }

  input.addEventListener('input', () => {
    chosen = null;
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) { items = []; close(); return; }
    timer = setTimeout(async () => {
      try {
        const found = await fetchSuggestions(q);
        if (found === null || input.value.trim() !== q) return;
        items = found;
        active = -1;
        render();
      } catch {
        items = [];
        close();  // suggestions are a help; the search reports real errors
      }
    }, 150);
  });

  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      if (!items.length) return;
      ev.preventDefault();
      const step = ev.key === 'ArrowDown' ? 1 : -1;
      active = (active + step + items.length) % items.length;
      render();
    } else if (ev.key === 'Enter' && !list.hidden && active >= 0) {
      ev.preventDefault();
      choose(items[active]);
    } else if (ev.key === 'Escape' && !list.hidden) {
      ev.preventDefault();
      ev.stopPropagation();  // do not close a dialog around the input
      close();
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 100));

  return {
    selected: () => chosen,
    // The chosen person, or the one the typed name means: a suggestion
    // whose name equals the text (case ignored), or the only suggestion.
    async resolve() {
      if (chosen) return chosen;
      const q = input.value.trim();
      if (!q) return null;
      const found = (await fetchSuggestions(q)) || [];
      const exact = found.filter((p) => p.name.toLowerCase() === q.toLowerCase());
      const pick = exact.length === 1 ? exact[0] : found.length === 1 ? found[0] : null;
      if (pick) { chosen = pick; input.value = pick.name; return pick; }
      const err = new Error(found.length
        ? `Several listed persons match “${q}”: choose one from the suggestions.`
        : `No listed person matches “${q}”.`);
      err.code = found.length ? 'ambiguous' : 'no_match';
      throw err;
    },
    clear() { chosen = null; input.value = ''; items = []; close(); },
  };
}
