// emergency: broadcast a piece now to chosen targets after two confirmations, stop it, and see
// which boxes have reported it. The server plays only approved pieces, emergencies included
// (Phòng Nội vụ approves every piece before it airs, and only an approver can approve): a piece
// uploaded here goes to the review queue at once, marked urgent, and becomes sendable here as
// soon as it is approved; the page says so rather than offering what would be refused.
import * as api from './api.js';
import { h, clear, button, notice, table, fmtDateTime, fmtDuration, label, OUTCOMES, STATUSES } from './ui.js';
import { communeOptions, uploadCard } from './upload.js';
import { targetsPicker, describeTargets } from './targets.js';

const enc = encodeURIComponent;

// A box reports a play when it ends; while it plays, its status names the airing: both show.
function rows(a, boxes) {
  const reported = new Set(a.plays.map((p) => p.box));
  const now = boxes.filter((b) => b.playing === a.id && !reported.has(b.name)).map((b) => h('tr', {},
    h('td', { text: b.name }), h('td', { text: b.commune }), h('td', { text: 'Đang phát' }),
    h('td', { text: '' })));
  return [...now, ...a.plays.map((p) => h('tr', {},
    h('td', { text: p.box }), h('td', { text: p.commune }),
    h('td', { text: OUTCOMES[p.outcome] || p.outcome }), h('td', { text: fmtDateTime(p.started) })))];
}

function live(list, boxes, msg, reload) {
  if (!list.length) return h('p', { class: 'empty', text: 'Không có phát khẩn cấp nào trong 6 giờ qua.' });
  return list.map((a) => h('section', { class: 'card warn', 'data-airing': a.id },
    h('h3', { text: a.piece.title + ' · ' + fmtDateTime(a.start) + (a.stopped ? ' · đã dừng' : '') }),
    table(['Cụm loa', 'Xã', 'Kết quả', 'Bắt đầu'], rows(a, a.stopped ? [] : boxes), 'Cụm loa đang và đã phát'),
    a.stopped ? null : button('Dừng phát', async () => {
      try {
        await api.post('/api/v1/emergency/' + enc(a.id) + '/stop');
        msg.show('Đã gửi lệnh dừng.');
        reload();
      } catch (err) {
        msg.error(err);
      }
    }, 'danger')));
}

// Urgent pieces not approved yet: waiting for Phòng Nội vụ, or refused with its note.
function waiting(list) {
  if (!list.length) return null;
  return h('section', { class: 'card warn', 'aria-label': 'Tin khẩn cấp chưa được duyệt' },
    h('h2', { text: 'Tin khẩn cấp chưa được duyệt' }),
    h('p', { class: 'note', text: 'Chưa phát được các tin này. Hãy báo Phòng Nội vụ duyệt gấp; trang tự cập nhật.' }),
    h('ul', {}, list.map((p) => {
      const note = (p.reviews || []).filter((r) => r.note).pop();
      return h('li', { 'data-piece': p.id }, h('strong', { text: p.title }), ' · ',
        h('span', { class: 'badge ' + p.status, text: label(STATUSES, p.status) }),
        note ? h('div', { class: 'note', text: 'Ghi chú duyệt: ' + note.note }) : null);
    })));
}

export async function render(main) {
  const [communeOpts, { communes }, { boxes }] = await Promise.all([communeOptions(),
    api.get('/api/v1/communes'), api.get('/api/v1/boxes')]);
  const piece = h('select', { name: 'piece', id: 'em-piece' });
  const titles = new Map();
  const targets = targetsPicker(communes, boxes, { kind: 'all' }, 'Phát tới');
  const msg = notice();
  const confirmBox = h('div');
  piece.addEventListener('change', () => clear(confirmBox)); // a new choice needs new confirmations
  const list = h('div');
  const pending = h('div');
  let awaited = null; // the piece uploaded here, selected once it is approved
  const loadPieces = async () => {
    const [{ pieces: approved }, { pieces: submitted }, { pieces: rejected }] = await Promise.all([
      api.get('/api/v1/pieces?status=approved&limit=500'), api.get('/api/v1/pieces?status=submitted&limit=500'),
      api.get('/api/v1/pieces?status=rejected&limit=500')]);
    const usable = approved.filter((p) => p.genre !== 'jingle')
      .sort((a, b) => (b.priority === 'emergency') - (a.priority === 'emergency'));
    const keep = piece.value;
    titles.clear();
    clear(piece, usable.length ? usable.map((p) => {
      titles.set(p.id, p.title);
      return h('option', { value: p.id, text: (p.priority === 'emergency' ? '[Khẩn cấp] ' : '') + p.title +
        ' (' + fmtDuration(p.duration_ms) + ')' });
    }) : h('option', { value: '', text: '— Chưa có tin bài nào được duyệt —' }));
    if (titles.has(keep)) piece.value = keep;
    if (awaited && titles.has(awaited)) {
      piece.value = awaited;
      msg.show('Tin “' + titles.get(awaited) + '” đã được duyệt và đã được chọn để phát.');
      awaited = null;
    }
    clear(pending, waiting([...submitted, ...rejected].filter((p) => p.priority === 'emergency')));
  };
  const loadLive = async () => {
    const [{ emergencies }, status] = await Promise.all([api.get('/api/v1/emergency'),
      api.get('/api/v1/boxes/status')]);
    clear(list, live(emergencies, status.boxes, msg, loadLive));
  };
  // Sends exactly what the two confirmations named: the list may refresh meanwhile.
  const send = async (chosen) => {
    clear(confirmBox);
    try {
      await api.post('/api/v1/emergency', chosen);
      msg.show('Đã phát khẩn cấp.');
      await loadLive();
    } catch (err) {
      msg.error(err);
    }
  };
  const start = button('Phát khẩn cấp…', () => {
    if (!piece.value) return msg.show('Chưa có tin bài nào được duyệt để phát.', 'error');
    const t = targets.value();
    if (!t) return msg.show('Hãy chọn ít nhất một xã hoặc một cụm loa.', 'error');
    const where = t.kind === 'all' ? 'TẤT CẢ các xã' : describeTargets(t);
    const chosen = { piece: piece.value, targets: t };
    clear(confirmBox, h('div', { class: 'notice warn', role: 'alert' },
      h('p', { text: 'Xác nhận lần 1: phát ngay “' + titles.get(piece.value) + '” tới ' + where +
        '? Mọi chương trình đang phát sẽ bị ngắt.' }),
      button('Tôi xác nhận', () => clear(confirmBox, h('div', { class: 'notice error', role: 'alert' },
        h('p', { text: 'Xác nhận lần 2: bấm để phát ngay.' }), button('Phát ngay', () => send(chosen), 'danger'),
        button('Huỷ', () => clear(confirmBox)))), 'danger'),
      button('Huỷ', () => clear(confirmBox))));
  }, 'danger');
  const upload = uploadCard(communeOpts, {
    heading: 'Hoặc tải lên tin khẩn cấp mới',
    intro: 'Mọi tin bài phải được Phòng Nội vụ duyệt trước khi phát, kể cả tin khẩn cấp. ' +
      'Tin tải lên ở đây được gửi duyệt ngay và đánh dấu khẩn cấp; khi được duyệt, tin tự xuất hiện ' +
      'trong danh sách trên để phát.',
    genre: 'news', priority: 'emergency', alwaysSubmit: true,
    onDone: async (p) => {
      awaited = p.status === 'approved' ? null : p.id;
      await loadPieces();
    },
  });
  main.append(h('section', { class: 'card grid', 'aria-label': 'Phát khẩn cấp' },
    h('div', { class: 'field' }, h('label', { for: 'em-piece', text: 'Tin bài đã duyệt' }), piece,
      h('small', { text: 'Chỉ tin bài đã được Phòng Nội vụ duyệt mới phát được.' })),
    targets, h('div', { class: 'buttons' }, start), confirmBox, msg),
  pending, upload, h('h2', { text: 'Đang và vừa phát' }), list);
  await Promise.all([loadPieces(), loadLive()]);
  // Boxes report as they start, and the approver may approve a waiting piece: refresh while
  // the page is open.
  const timer = setInterval(() => {
    if (!list.isConnected) return clearInterval(timer);
    Promise.all([loadPieces(), loadLive()]).catch((err) => msg.error(err));
  }, 5000);
}
