// boxes: every box's state: online or offline since when, last play, missing media, clock.
import * as api from './api.js';
import { h, table, fmtDateTime } from './ui.js';

function state(b) {
  const [cls, text] = b.revoked ? ['retired', 'Đã thu hồi'] : b.online ? ['approved', 'Trực tuyến']
    : b.last_contact ? ['rejected', 'Mất liên lạc'] : ['draft', 'Chưa kết nối lần nào'];
  return h('span', { class: 'badge ' + cls, text });
}

export function boxesTable(boxes) {
  return table(['Cụm loa', 'Xã', 'Trạng thái', 'Lần phát gần nhất', 'Thiếu tệp', 'Đồng hồ'],
    boxes.map((b) => h('tr', { 'data-box': b.id },
      h('td', { text: b.name }), h('td', { text: b.commune }),
      h('td', {}, state(b), b.since ? ' từ ' + fmtDateTime(b.since) : null),
      h('td', { text: b.last_play ? b.last_play.title + ' · ' + fmtDateTime(b.last_play.started) : '—' }),
      h('td', { class: b.missing_media ? 'bad' : null, text: b.missing_media ?? '—' }),
      h('td', { class: b.clock_warning ? 'bad' : null, text: b.clock_offset_ms === null ? '—' :
        (b.clock_warning ? 'Lệch ' : '') + (b.clock_offset_ms / 1000).toLocaleString('vi-VN') + ' giây' }))),
    'Cụm loa');
}

export async function render(main) {
  const card = h('section', { class: 'card' });
  const load = async () => {
    const { boxes } = await api.get('/api/v1/boxes/status');
    card.replaceChildren(boxesTable(boxes));
  };
  main.append(card);
  await load();
  const timer = setInterval(() => {
    if (!card.isConnected) return clearInterval(timer);
    load().catch(() => {}); // a missed refresh is retried on the next tick
  }, 30000);
}
