// emergency: broadcast an approved piece now to chosen targets after two confirmations, stop
// it, and see which boxes have reported it.
import * as api from './api.js';
import { h, clear, field, button, notice, table, fmtDateTime, OUTCOMES } from './ui.js';

function live(list, msg, reload) {
  if (!list.length) return h('p', { class: 'empty', text: 'Không có phát khẩn cấp nào trong 6 giờ qua.' });
  return list.map((a) => h('section', { class: 'card warn', 'data-airing': a.id },
    h('h3', { text: a.piece.title + ' · ' + fmtDateTime(a.start) }),
    table(['Cụm loa', 'Xã', 'Kết quả', 'Bắt đầu'], a.plays.map((p) => h('tr', {},
      h('td', { text: p.box }), h('td', { text: p.commune }),
      h('td', { text: OUTCOMES[p.outcome] || p.outcome }), h('td', { text: fmtDateTime(p.started) }))),
    'Cụm loa đã báo phát'),
    button('Dừng phát', async () => {
      try {
        await api.post('/api/v1/emergency/' + encodeURIComponent(a.id) + '/stop');
        msg.show('Đã gửi lệnh dừng.');
        reload();
      } catch (err) {
        msg.error(err);
      }
    }, 'danger')));
}

export async function render(main) {
  const [{ pieces }, { communes }] = await Promise.all([
    api.get('/api/v1/pieces?status=approved&limit=500'), api.get('/api/v1/communes')]);
  const piece = h('select', { name: 'piece' }, pieces.map((p) => h('option', { value: p.id, text: p.title })));
  const all = h('input', { type: 'checkbox', name: 'all', checked: true });
  const places = h('fieldset', { class: 'checks' }, h('legend', { text: 'Hoặc chọn xã' }),
    communes.map((c) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', name: 'em-commune', value: c.name }), ' ' + c.name)));
  const msg = notice();
  const confirmBox = h('div');
  const list = h('div');
  const load = async () => {
    const { emergencies } = await api.get('/api/v1/emergency');
    clear(list, live(emergencies, msg, load));
  };
  const targets = () => {
    const names = [...places.querySelectorAll('input:checked')].map((i) => i.value);
    return all.checked || !names.length ? { kind: 'all' } : { kind: 'communes', communes: names };
  };
  const send = async () => {
    clear(confirmBox);
    try {
      await api.post('/api/v1/emergency', { piece: piece.value, targets: targets() });
      msg.show('Đã phát khẩn cấp.');
      await load();
    } catch (err) {
      msg.error(err);
    }
  };
  const start = button('Phát khẩn cấp…', () => {
    if (!piece.value) return msg.show('Chưa có tin bài nào được duyệt.', 'error');
    const t = targets();
    const where = t.kind === 'all' ? 'TẤT CẢ các xã' : 'các xã: ' + t.communes.join(', ');
    clear(confirmBox, h('div', { class: 'notice warn', role: 'alert' },
      h('p', { text: 'Xác nhận lần 1: phát ngay “' + piece.selectedOptions[0].text + '” tới ' + where +
        '? Mọi chương trình đang phát sẽ bị ngắt.' }),
      button('Tôi xác nhận', () => clear(confirmBox, h('div', { class: 'notice error', role: 'alert' },
        h('p', { text: 'Xác nhận lần 2: bấm để phát ngay.' }), button('Phát ngay', send, 'danger'),
        button('Huỷ', () => clear(confirmBox)))), 'danger'),
      button('Huỷ', () => clear(confirmBox))));
  }, 'danger');
  main.append(h('section', { class: 'card grid' }, field('Tin bài đã duyệt', piece),
    h('label', { class: 'check' }, all, ' Tất cả các xã'), places, start, confirmBox, msg),
  h('h2', { text: 'Đang và vừa phát' }), list);
  await load();
  // Boxes report as they start: refresh while the page is open.
  const timer = setInterval(() => {
    if (!list.isConnected) return clearInterval(timer);
    load().catch((err) => msg.error(err));
  }, 5000);
}
