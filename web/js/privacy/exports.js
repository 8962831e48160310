// Photo exports: a zip of archived photos with their names, built in the
// background; the link is handed out at once and works once it is ready.

import * as api from '../api.js';
import { h } from '../ui.js';
import { field, input, status, facts } from './form.js';

export default { id: 'exports', title: 'Photo exports', mount };

function mount(root) {
  const person = input('person');
  const text = input('text');
  const ids = input('photos', { inputmode: 'numeric' });
  const email = input('email', { type: 'email' });
  const webhook = input('webhook', { type: 'url' });
  const hours = input('expires_hours', { inputmode: 'numeric', value: '72' });
  const st = status('export-status');
  const out = h('div', { id: 'export-job' });
  const form = h('form', { class: 'filters', 'aria-label': 'Export photos' },
    field('export-person', 'Person pictured', person),
    field('export-text', 'Words', text),
    field('export-ids', 'Photo ids', ids, 'Comma-separated; combined with the search.'),
    field('export-email', 'Notify e-mail', email),
    field('export-webhook', 'Notify webhook (http://)', webhook),
    field('export-hours', 'Link valid (hours)', hours),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create the zip')));
  root.append(form, st.el, out);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { expires_hours: Number(hours.value || 72) };
    if (person.value.trim()) body.person = person.value.trim();
    if (text.value.trim()) body.text = text.value.trim();
    if (ids.value.trim()) body.photos = ids.value.split(',').map((s) => Number(s.trim())).filter(Boolean);
    if (email.value.trim()) body.email = email.value.trim();
    if (webhook.value.trim()) body.webhook = webhook.value.trim();
    try {
      const r = await api.json('/api/v1/privacy/exports', { method: 'POST', body });
      st.line.ok(`Your zip file is being created (job ${r.job}).`);
      out.replaceChildren(h('p', {}, 'Download link: ', h('a', { href: r.download }, r.download)));
      poll(r.job);
    } catch (e) { st.line.error(e); }
  });

  async function poll(id) {
    const progress = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
    out.append(progress);
    for (;;) {
      let job;
      try { job = (await api.json(`/api/v1/privacy/exports/${id}`)).job; }
      catch (e) { progress.textContent = e.message; return; }
      progress.textContent = `${job.status}: ${job.done} of ${job.total} photo(s)`;
      if (job.status === 'done' || job.status === 'failed') {
        const r = job.result || {};
        out.append(facts([['Photos in the zip', r.photos], ['Skipped', (r.skipped || []).length],
          ['Link expires', r.expires_at], ['E-mail', r.email], ['Webhook', r.webhook]]));
        return;
      }
      await new Promise((done) => setTimeout(done, 1000));
    }
  }
}
