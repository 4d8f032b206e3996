// acceptance: the printable A4 acceptance record (biên bản nghiệm thu) of a report: the
// figures per contract line and the signature blocks of both parties.
import { h, fmtDate, fmtMinutes, fmtPermille, label, localDay, GENRES } from './ui.js';

const ROMAN = ['I', 'II', 'III', 'IV'];

export function periodLabel(p) {
  let m = p.match(/^(\d{4})-(\d{2})$/);
  if (m) return 'tháng ' + m[2] + '/' + m[1];
  m = p.match(/^(\d{4})-Q([1-4])$/);
  if (m) return 'quý ' + ROMAN[m[2] - 1] + '/' + m[1];
  return 'năm ' + p;
}

// First and last day of a period, as strings that compare like dates.
function bounds(p) {
  let m = p.match(/^(\d{4})-(\d{2})$/);
  if (m) return [p + '-01', p + '-31'];
  m = p.match(/^(\d{4})-Q([1-4])$/);
  if (m) {
    const two = (n) => String(n).padStart(2, '0');
    return [m[1] + '-' + two(m[2] * 3 - 2) + '-01', m[1] + '-' + two(m[2] * 3) + '-31'];
  }
  return [p + '-01-01', p + '-12-31'];
}

function party(side, who) {
  return h('div', { class: 'sign' }, h('strong', { text: 'ĐẠI DIỆN ' + side }), h('div', { text: who }),
    h('em', { text: '(Ký, ghi rõ họ tên, đóng dấu)' }));
}

export function record(period, r, contracts) {
  const today = localDay().split('-');
  const t = r.totals;
  const [from, until] = bounds(period);
  contracts = contracts.filter((c) => c.from <= until && c.until >= from);
  return h('article', { class: 'acceptance', 'aria-label': 'Biên bản nghiệm thu' },
    h('div', { class: 'motto' }, h('strong', { text: 'CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM' }),
      h('div', { text: 'Độc lập – Tự do – Hạnh phúc' })),
    h('h2', { text: 'BIÊN BẢN NGHIỆM THU' }),
    h('p', { class: 'center', text: 'Thời lượng phát sóng trên hệ thống truyền thanh cơ sở ' +
      periodLabel(period) }),
    h('p', { text: 'Căn cứ ' + (contracts.length ? contracts.map((c) => 'hợp đồng “' + c.title +
      '” (' + fmtDate(c.from) + ' – ' + fmtDate(c.until) + ')').join('; ') : 'hợp đồng đặt hàng') + '.' }),
    h('p', { text: 'Hôm nay, ngày ' + today[2] + ' tháng ' + today[1] + ' năm ' + today[0] +
      ', chúng tôi gồm:' }),
    h('p', { text: 'Bên A (bên đặt hàng): Phòng Nội vụ.' }),
    h('p', { text: 'Bên B (bên thực hiện): Trung tâm Văn hoá, Thể thao và Truyền thông.' }),
    h('p', { text: 'Cùng nghiệm thu khối lượng phát sóng theo số liệu phát thực tế do các cụm loa báo về:' }),
    h('table', {}, h('thead', {}, h('tr', {}, ['Thể loại', 'Tin bài (HĐ / đã phát)',
      'Lần phát (HĐ / đạt)', 'Phút theo lịch', 'Phút đã phát', 'Tỷ lệ'].map((x) =>
      h('th', { scope: 'col', text: x })))),
    h('tbody', {}, r.lines.map((l) => h('tr', {}, h('td', { text: l.label || label(GENRES, l.genre) }),
      h('td', { text: l.pieces_contracted + ' / ' + l.pieces_aired }),
      h('td', { text: l.airings_contracted + ' / ' + l.airings_reached }),
      h('td', { text: fmtMinutes(l.ms_scheduled) }), h('td', { text: fmtMinutes(l.ms_delivered) }),
      h('td', { text: fmtPermille(l.delivered_permille) }))),
    h('tr', { class: 'total' }, h('th', { scope: 'row', text: 'Tổng cộng' }),
      h('td', { text: t.pieces_contracted + ' / ' + t.pieces_aired }),
      h('td', { text: t.airings_contracted + ' / ' + t.airings_reached }),
      h('td', { text: fmtMinutes(t.ms_scheduled) }), h('td', { text: fmtMinutes(t.ms_delivered) }),
      h('td', { text: fmtPermille(t.delivered_permille) })))),
    r.exemplar_year && r.exemplar_year.missing.length ? h('p', { text: 'Xã chưa có tin bài điển hình ' +
      'trong năm ' + r.exemplar_year.year + ': ' + r.exemplar_year.missing.join(', ') + '.' }) : null,
    h('p', { text: 'Kết luận: ' + '.'.repeat(120) }),
    h('p', { text: 'Biên bản lập thành 02 bản có giá trị như nhau, mỗi bên giữ 01 bản.' }),
    h('div', { class: 'signs' }, party('BÊN A', 'Phòng Nội vụ'),
      party('BÊN B', 'Trung tâm Văn hoá, Thể thao và Truyền thông')));
}
