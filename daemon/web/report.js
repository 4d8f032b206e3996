// report: airtime delivered against the contracts for a month, quarter or year: per line with
// percentages, bar charts by month and by commune, coverage (exemplar each year), pieces out
// of their duration bounds, CSV downloads, and every airing's evidence (each box's record).
import * as api from './api.js';
import { record } from './acceptance.js';
import { h, clear, field, table, notice, button, fmtDateTime, fmtMinutes, fmtPermille, fmtDuration,
  label, localDay, GENRES, OUTCOMES } from './ui.js';

const SVG = 'http://www.w3.org/2000/svg';

function s(tag, attrs, ...kids) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const k of kids) el.append(k);
  return el;
}

// Horizontal bars: rows of [label, value, reference]; the reference is drawn behind.
function bars(title, rows, unit) {
  const max = Math.max(1, ...rows.flatMap(([, v, r]) => [v, r || 0]));
  const rowH = 26, lw = 120, w = 480;
  const svg = s('svg', { viewBox: '0 0 ' + (lw + w + 90) + ' ' + (rows.length * rowH + 8),
    role: 'img', 'aria-label': title, class: 'chart' });
  svg.append(s('title', {}, title));
  rows.forEach(([name, v, ref], i) => {
    const y = 4 + i * rowH;
    svg.append(s('text', { x: 0, y: y + 16, class: 'lbl' }, name));
    if (ref) svg.append(s('rect', { x: lw, y, width: (ref / max) * w, height: 20, class: 'ref' }));
    svg.append(s('rect', { x: lw, y: y + 4, width: (v / max) * w, height: 12, class: 'val' }));
    svg.append(s('text', { x: lw + w + 6, y: y + 16, class: 'num' }, unit(v)));
  });
  return h('figure', {}, h('figcaption', { text: title }), svg);
}

// The period's headline figures (docs/architecture.md §6) and the rules they follow.
function summary(r) {
  const item = (term, id, value) => [h('dt', { text: term }), h('dd', { 'data-testid': id, text: value })];
  return [h('dl', { class: 'summary' },
    item('Lần phát theo lịch / đạt', 'airings', r.airings_scheduled + ' / ' + r.airings_reached),
    item('Thời lượng chương trình đã phát', 'programme-airtime', fmtMinutes(r.programme_airtime_ms)),
    item('Tổng thời lượng phát của các cụm loa', 'box-airtime', fmtMinutes(r.box_airtime_ms))),
  h('p', { text: 'Một lần phát đạt khi ít nhất ' + fmtPermille(r.reach_permille) +
    ' số cụm loa được giao phát đủ: phát trọn, hoặc phát một phần từ ' + fmtPermille(r.partial_permille) +
    ' thời lượng trở lên. Thời lượng chương trình là tổng thời lượng các lần phát đạt; thời lượng ' +
    'của các cụm loa là tổng thời gian từng cụm loa đã phát.' })];
}

function linesTable(r) {
  const rows = r.lines.map((l) => h('tr', {},
    h('td', { text: l.label || label(GENRES, l.genre) }),
    h('td', { text: l.pieces_contracted + ' / ' + l.pieces_approved + ' / ' + l.pieces_aired }),
    h('td', { text: l.airings_contracted + ' / ' + l.airings_scheduled + ' / ' + l.airings_reached }),
    h('td', { text: fmtMinutes(l.ms_scheduled) }), h('td', { text: fmtMinutes(l.ms_delivered) }),
    h('td', { text: fmtPermille(l.delivered_permille) }),
    h('td', { text: fmtPermille(l.reached_permille) })));
  const t = r.totals;
  rows.push(h('tr', { class: 'total' }, h('th', { scope: 'row', text: 'Tổng' }),
    h('td', { text: t.pieces_contracted + ' / ' + t.pieces_approved + ' / ' + t.pieces_aired }),
    h('td', { text: t.airings_contracted + ' / ' + t.airings_scheduled + ' / ' + t.airings_reached }),
    h('td', { text: fmtMinutes(t.ms_scheduled) }), h('td', { text: fmtMinutes(t.ms_delivered) }),
    h('td', { text: fmtPermille(t.delivered_permille) }), h('td', { text: fmtPermille(t.reached_permille) })));
  return table(['Dòng hợp đồng', 'Tin bài: HĐ / duyệt / đã phát', 'Lần phát: HĐ / lịch / đạt',
    'Phút theo lịch', 'Phút đã phát', 'Tỷ lệ phát', 'Tỷ lệ đạt'], rows, 'Thực hiện theo hợp đồng');
}

function coverage(r) {
  return table(['Xã', 'Cụm loa', 'Lần phát theo lịch', 'Lần phát đạt', 'Thời lượng phát',
    'Điển hình đã nghe', 'Có điển hình của xã trong kỳ'], r.communes.map((c) => h('tr', {},
    h('td', { text: c.name }), h('td', { text: c.boxes }), h('td', { text: c.airings_scheduled }),
    h('td', { text: c.airings_reached }), h('td', { text: fmtMinutes(c.box_airtime_ms) }),
    h('td', { text: c.exemplars_heard }),
    h('td', { class: c.has_own_exemplar ? null : 'bad', text: c.has_own_exemplar ? 'Có' : 'Chưa' }))),
  'Độ phủ theo xã');
}

// "Mỗi xã có ít nhất 01 điển hình" is a yearly rule: judged on the calendar year up to the
// period's end, not on the period alone (the coverage table's last column).
function exemplarYear(r) {
  const y = r.exemplar_year;
  if (!y) return null;
  return y.missing.length ?
    h('p', { class: 'bad', 'data-testid': 'exemplar-year', text: 'Xã chưa có điển hình của xã trong năm ' +
      y.year + ': ' + y.missing.join(', ') + '.' }) :
    h('p', { 'data-testid': 'exemplar-year', text: 'Năm ' + y.year +
      ': xã nào cũng đã có ít nhất một điển hình của xã được phát.' });
}

function outOfBounds(r) {
  const all = r.lines.flatMap((l) => (l.out_of_bounds || []).map((o) => [l, o]));
  if (!all.length) return h('p', { text: 'Không có tin bài nào ngoài giới hạn thời lượng.' });
  return table(['Dòng', 'Tin bài', 'Thời lượng'], all.map(([l, o]) => h('tr', {},
    h('td', { text: l.label || l.genre }), h('td', { text: o.title || o.piece || JSON.stringify(o) }),
    h('td', { text: fmtDuration(o.duration_ms) }))), 'Tin bài ngoài giới hạn thời lượng');
}

function evidence(r) {
  return h('div', { class: 'evidence' }, (r.evidence || []).map((e) => h('details', { 'data-airing': e.airing },
    h('summary', { text: fmtDateTime(e.start) + ' · ' + e.title + ' · ' + e.reached_boxes + '/' +
      e.target_boxes + ' cụm loa' + (e.reached ? ' · đạt' : ' · chưa đạt') }),
    table(['Cụm loa', 'Xã', 'Kết quả', 'Cụm loa báo', 'Bắt đầu', 'Đã phát'], e.boxes.map((b) => h('tr', {},
      h('td', { text: b.name }), h('td', { text: b.commune }),
      h('td', { text: b.status_label || b.status }),
      h('td', { text: b.outcome ? OUTCOMES[b.outcome] || b.outcome : '—' }),
      h('td', { text: fmtDateTime(b.started) }), h('td', { text: fmtDuration(b.played_ms) }))),
    'Báo cáo của từng cụm loa'))));
}

export async function render(main) {
  // This month of the station's calendar, not the browser's.
  const period = h('input', { name: 'period', value: localDay().slice(0, 7),
    pattern: '\\d{4}(-\\d{2}|-Q[1-4])?', required: true });
  const out = h('div', { id: 'report-out' });
  const msg = notice();
  const form = h('form', { class: 'card grid', 'aria-label': 'Chọn kỳ báo cáo' },
    field('Kỳ báo cáo', period, 'Tháng 2026-12, quý 2026-Q4 hoặc năm 2026'),
    h('button', { type: 'submit', class: 'primary', text: 'Xem báo cáo' }));
  // A report takes a while to build: only the latest request may show its answer (the first
  // page load's report must not replace the period asked for since).
  let latest = 0;
  const load = async () => {
    const mine = ++latest;
    out.setAttribute('aria-busy', 'true'); // assistive tech, and tests, wait for the answer
    msg.hide();
    const p = encodeURIComponent(period.value.trim());
    try {
      const [r, { contracts }] = await Promise.all([api.get('/api/v1/reports/' + p + '?evidence=1'),
        api.get('/api/v1/contracts')]);
      if (mine !== latest) return;
      const acceptance = record(period.value.trim(), r, contracts);
      const print = button('In biên bản nghiệm thu (A4)', () => {
        document.body.classList.add('print-record');
        window.addEventListener('afterprint', () => document.body.classList.remove('print-record'),
          { once: true });
        window.print();
      });
      clear(out,
        h('p', { class: 'buttons' },
          h('a', { class: 'button', href: '/api/v1/reports/' + p + '?format=csv', download: '',
            text: 'Tải CSV' }),
          h('a', { class: 'button', href: '/api/v1/reports/' + p + '?format=evidence-csv', download: '',
            text: 'Tải CSV bằng chứng' }), print),
        h('section', { class: 'card' }, summary(r), linesTable(r)),
        h('section', { class: 'card charts' },
          bars('Phút đã phát theo tháng (nền: theo lịch)', r.by_month.map((m) =>
            [m.month.split('-').reverse().join('/'), m.ms_delivered, m.ms_scheduled]), fmtMinutes),
          bars('Thời lượng phát theo xã', r.communes.map((c) => [c.name, c.box_airtime_ms, 0]),
            fmtMinutes)),
        h('section', { class: 'card' }, coverage(r), exemplarYear(r)),
        h('section', { class: 'card' }, outOfBounds(r)),
        h('section', { class: 'card' }, h('h2', { text: 'Bằng chứng từng lần phát' }), evidence(r)),
        h('section', { class: 'card record' }, acceptance));
    } catch (err) {
      if (mine !== latest) return;
      clear(out);
      msg.error(err);
    }
    out.setAttribute('aria-busy', 'false');
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  main.append(form, msg, out);
  await load();
}
