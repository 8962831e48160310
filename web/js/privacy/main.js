// The privacy officer's page: one module per section.
//
// Each section module (in this folder) exports as default
//   { id: 'audit', title: 'Audit log', mount(container, who) }
// where `mount` fills the <section> it is given (the heading is made here)
// and talks to the API through ../api.js. A new privacy feature is a new
// module added to SECTIONS, in the order the page shows them.

import { h, gate } from '../ui.js';
import audit from './audit.js';
import requests from './requests.js';
import lookup from './lookup.js';
import retention from './retention.js';
import exports from './exports.js';

const SECTIONS = [requests, lookup, exports, retention, audit];

gate({ roles: ['privacy'], start });

function start(who) {
  const root = document.getElementById('sections');
  const nav = document.getElementById('section-nav');
  for (const s of SECTIONS) {
    const body = h('div', { class: 'section-body' });
    root.append(h('section', { id: s.id, 'aria-labelledby': `${s.id}-title` },
      h('h2', { id: `${s.id}-title`, tabindex: '-1' }, s.title), body));
    s.mount(body, who);
  }
  // A table of contents only once there is more than one section.
  if (SECTIONS.length > 1) {
    nav.replaceChildren(h('ul', { class: 'toc' },
      ...SECTIONS.map((s) => h('li', {}, h('a', { href: `#${s.id}` }, s.title)))));
    nav.hidden = false;
  }
}
