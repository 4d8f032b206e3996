// review: the approver's queue: every submitted piece with a player, approve, or reject with
// a note (required by the server). Emergency pieces come first, marked urgent.
import * as api from './api.js';
import { h, clear, field, button, notice, audio, label, fmtDate, fmtDuration, GENRES } from './ui.js';

function card(p, reload) {
  const note = h('textarea', { name: 'note', rows: 2 });
  const msg = notice();
  const act = (verb) => async () => {
    const body = note.value.trim() ? { note: note.value.trim() } : {};
    try {
      await api.post('/api/v1/pieces/' + encodeURIComponent(p.id) + '/' + verb, body);
      reload();
    } catch (err) {
      msg.error(err);
    }
  };
  const m = p.media || {};
  return h('article', { class: 'card piece', 'data-piece': p.id },
    h('h2', { text: p.title }),
    p.priority === 'emergency' ? h('p', {}, h('span', { class: 'badge emergency',
      text: 'Tin khẩn cấp: cần duyệt gấp để phát ngay' })) : null,
    h('p', { class: 'meta', text: [label(GENRES, p.genre), fmtDuration(p.duration_ms),
      p.commune, p.theme ? 'Chủ đề: ' + p.theme : null, p.exemplar ? 'Điển hình: ' + p.exemplar : null,
      'Tạo ngày ' + fmtDate(p.created)].filter(Boolean).join(' · ') }),
    m.url ? audio(m.url) : null,
    field('Ghi chú (bắt buộc khi từ chối)', note),
    h('div', { class: 'buttons' }, button('Duyệt', act('approve'), 'primary'),
      button('Từ chối', act('reject'), 'danger')), msg);
}

export async function render(main) {
  const list = h('div', { class: 'queue' });
  const load = async () => {
    const { pieces } = await api.get('/api/v1/pieces?status=submitted&limit=500');
    // Emergency announcements wait for this approval before they can air: first in the queue.
    pieces.sort((a, b) => (b.priority === 'emergency') - (a.priority === 'emergency'));
    clear(list, pieces.length ? pieces.map((p) => card(p, load)) :
      h('p', { class: 'empty', text: 'Không có tin bài nào chờ duyệt.' }));
  };
  main.append(list);
  await load();
}
