// targets: who hears something: every commune, chosen communes or chosen boxes, as the API's
// targets object ({"kind":"all"} | {"kind":"communes","communes":[…]} | {"kind":"boxes",…}).
// Shared by the programmes page and the emergency page.
import { h } from './ui.js';

let uid = 0;

export function describeTargets(t) {
  if (!t || t.kind === 'all') return 'tất cả các xã';
  if (t.kind === 'communes') return 'các xã: ' + t.communes.join(', ');
  return 'các cụm loa: ' + t.boxes.join(', ');
}

// communes, boxes: the API's lists (objects with a name); value: the current targets.
// .value() → the targets object, or null when a list kind has nothing ticked.
export function targetsPicker(communes, boxes, value, legend) {
  const v = value || { kind: 'all' };
  const name = 'targets' + ++uid;
  const radio = (kind, text) => h('label', { class: 'check' },
    h('input', { type: 'radio', name, value: kind, checked: v.kind === kind }), ' ' + text);
  const list = (kind, title, names) => h('fieldset', { class: 'checks', 'data-kind': kind },
    h('legend', { text: title }), names.length ? names.map((n) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', value: n, checked: v.kind === kind && (v[kind] || []).includes(n) }),
      ' ' + n)) : h('span', { class: 'empty', text: 'Chưa có.' }));
  const cs = list('communes', 'Các xã được chọn', communes.map((c) => c.name));
  const bs = list('boxes', 'Các cụm loa được chọn', boxes.filter((b) => !b.revoked).map((b) => b.name));
  const kinds = h('fieldset', { class: 'checks' }, h('legend', { text: legend || 'Phát tới' }),
    radio('all', 'Tất cả các xã'), radio('communes', 'Chọn xã'), radio('boxes', 'Chọn cụm loa'));
  const el = h('div', { class: 'targets' }, kinds, cs, bs);
  const kind = () => kinds.querySelector('input:checked').value;
  const sync = () => {
    cs.hidden = kind() !== 'communes';
    bs.hidden = kind() !== 'boxes';
  };
  kinds.addEventListener('change', sync);
  sync();
  el.value = () => {
    const k = kind();
    if (k === 'all') return { kind: 'all' };
    const names = [...(k === 'communes' ? cs : bs).querySelectorAll('input:checked')].map((i) => i.value);
    return names.length ? { kind: k, [k]: names } : null;
  };
  return el;
}
