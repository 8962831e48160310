// Face boxes drawn over a shown photo.
//
// The API gives boxes in pixels of the upright photo (`width` × `height` in
// the photo's metadata); the shown image is a rendition of any size, so the
// boxes are placed in percent of the photo's size and follow the image when
// it is scaled (window size, zoom).

import { h } from './ui.js';

// The name a face is tagged with, or '' for an unknown face. The API gives
// the person as {id, name}; a bare name is taken too.
export function personName(face) {
  const p = face.person;
  if (p && typeof p === 'object') return p.name || '';
  if (typeof p === 'string') return p;
  return face.name || '';
}

export function drawFaces(container, faces, width, height) {
  container.replaceChildren();
  if (!(width > 0 && height > 0)) return;
  faces.forEach((face, i) => {
    const b = face.box;
    if (!b) return;
    const name = personName(face);
    const pct = (v, of) => `${(100 * v / of).toFixed(3)}%`;
    container.append(h('div', {
      class: `face-box ${name ? 'named' : 'unknown'}${face.status === 'confirmed' ? ' confirmed' : ''}`,
      dataset: { face: face.id ?? face.face_id ?? i + 1, name },
      style: { left: pct(b.x, width), top: pct(b.y, height), width: pct(b.width, width), height: pct(b.height, height) },
    }, h('span', { class: 'face-name' }, name || `Face ${i + 1}: unknown`)));
  });
}
