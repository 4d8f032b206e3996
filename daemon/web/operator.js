// operator: the commune officer's page: what airs today and this week in their commune (with
// a player), their boxes, and what actually played yesterday.
import * as api from './api.js';
import { h, table, audio, fmtDate, fmtTime, fmtDuration, localDay, OUTCOMES } from './ui.js';
import { boxesTable } from './boxes.js';

function airingRows(airings, withPlays) {
  return airings.map((a) => h('tr', { 'data-airing': a.id },
    h('td', { text: fmtDate(a.start) }), h('td', { text: fmtTime(a.start) }),
    h('td', { text: a.piece.title }), h('td', { text: a.program || (a.priority === 'emergency' ? 'Khẩn cấp' : '—') }),
    h('td', { text: fmtDuration(a.duration_ms) }),
    withPlays ? h('td', { text: a.plays.length ? a.plays.map((p) => p.box + ': ' +
      (OUTCOMES[p.outcome] || p.outcome)).join('; ') : 'Chưa có báo cáo' }) :
      h('td', {}, audio('/media/' + a.media + '.opus'))));
}

export async function render(main, { user }) {
  const today = localDay(), week = localDay(null, 6), yesterday = localDay(null, -1);
  const c = user.commune ? '&commune=' + encodeURIComponent(user.commune) : '';
  const [now, past, { boxes }] = await Promise.all([
    api.get('/api/v1/airings?from=' + today + '&to=' + week + c),
    api.get('/api/v1/airings?from=' + yesterday + '&to=' + yesterday + '&plays=1' + c),
    api.get('/api/v1/boxes/status')]);
  const todays = now.airings.filter((a) => localDay(new Date(a.start)) === today);
  const cols = ['Ngày', 'Giờ', 'Tin bài', 'Chương trình', 'Thời lượng'];
  main.append(
    h('p', { class: 'meta', text: 'Xã ' + (user.commune || '—') }),
    h('section', { class: 'card' }, h('h2', { text: 'Hôm nay' }),
      table([...cols, 'Nghe'], airingRows(todays, false))),
    h('section', { class: 'card' }, h('h2', { text: 'Bảy ngày tới' }),
      table([...cols, 'Nghe'], airingRows(now.airings, false))),
    h('section', { class: 'card' }, h('h2', { text: 'Cụm loa của xã' }), boxesTable(boxes)),
    h('section', { class: 'card' }, h('h2', { text: 'Đã phát hôm qua' }),
      table([...cols, 'Cụm loa đã phát'], airingRows(past.airings, true))));
}
