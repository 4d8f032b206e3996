// planner: the month plan: theme, the approved pieces to air with their constraints, the fill,
// the month as a calendar of slots (fill level, pieces, move or remove each airing), conflicts,
// what was not placed and why, and publishing.
import * as api from './api.js';
import { h, clear, field, button, notice, table, fmtDate, fmtTime, fmtDateTime, fmtDuration, nextMonth,
  localDay, dateInput, monthInput, fmtMonth, TZ } from './ui.js';

const lastFill = new Map(); // month → the fill's answer, for slots and not-placed reasons

const enc = encodeURIComponent;

function communeChecks(communes, name) {
  return h('fieldset', { class: 'checks' }, h('legend', { text: 'Chỉ phát ở các xã (bỏ trống: mọi xã)' }),
    communes.map((c) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', name, value: c.name }), ' ' + c.name)));
}

function checked(fs) {
  return [...fs.querySelectorAll('input:checked')].map((i) => i.value);
}

function addItemForm(month, approved, communes, msg, reload) {
  const piece = h('select', { name: 'piece' }, approved.map((p) =>
    h('option', { value: p.id, text: p.title + ' (' + fmtDuration(p.duration_ms) + ')' })));
  const count = h('input', { type: 'number', name: 'airings', min: 1, max: 200, value: '3' });
  const from = dateInput('window_from');
  const until = dateInput('window_until');
  const places = communeChecks(communes, 'item-commune');
  const form = h('form', { class: 'grid', 'aria-label': 'Thêm tin bài vào kế hoạch' },
    field('Tin bài đã duyệt', piece), field('Số lần phát', count), field('Phát từ ngày (dd/mm/yyyy)', from),
    field('Đến ngày (dd/mm/yyyy)', until), places,
    h('button', { type: 'submit', class: 'primary', text: 'Thêm vào kế hoạch' }));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!piece.value) return msg.show('Chưa có tin bài nào được duyệt.', 'error');
    if (from.iso() === null || until.iso() === null)
      return msg.show('Ngày phải có dạng dd/mm/yyyy.', 'error');
    try {
      await api.post('/api/v1/plans/' + month + '/items', {
        piece: piece.value, airings: Number(count.value), window_from: from.iso() || null,
        window_until: until.iso() || null, communes: checked(places) });
      reload();
    } catch (err) {
      msg.error(err);
    }
  });
  return form;
}

// The number of airings, changed in place.
function countCell(month, it, msg, reload) {
  const n = h('input', { type: 'number', min: 1, max: 200, value: String(it.airings), class: 'count',
    'aria-label': 'Số lần phát của “' + it.title + '”' });
  n.addEventListener('change', async () => {
    try {
      await api.patch('/api/v1/plans/' + month + '/items/' + enc(it.piece), { airings: Number(n.value) });
      msg.show('Đã đổi số lần phát của “' + it.title + '”. Hãy xếp lịch lại.');
    } catch (err) {
      msg.error(err);
      reload();
    }
  });
  return h('td', {}, n);
}

function itemsTable(month, plan, msg, reload) {
  return table(['Tin bài', 'Số lần phát', 'Khoảng ngày', 'Xã', ''], plan.items.map((it) =>
    h('tr', {}, h('td', { text: it.title }), countCell(month, it, msg, reload),
      h('td', { text: it.window_from || it.window_until ?
        fmtDate(it.window_from) + ' – ' + fmtDate(it.window_until) : 'cả tháng' }),
      h('td', { text: it.communes.length ? it.communes.join(', ') : 'mọi xã' }),
      h('td', {}, button('Bỏ khỏi kế hoạch', async () => {
        try {
          await api.del('/api/v1/plans/' + month + '/items/' + enc(it.piece));
          reload();
        } catch (err) {
          msg.error(err);
        }
      })))), 'Tin bài trong kế hoạch');
}

function airingLine(month, a, msg, reload) {
  const li = h('li', { 'data-airing': a.id },
    h('span', { text: fmtTime(a.start) + ' ' + a.title + ' (' + fmtDuration(a.duration_ms) + ')' }));
  const move = button('Dời', () => {
    const day = dateInput('day', localDay(new Date(a.start)));
    day.setAttribute('aria-label', 'Ngày phát mới (dd/mm/yyyy)');
    const at = h('input', { name: 'time', value: fmtTime(a.start), inputmode: 'numeric',
      pattern: '\\d{1,2}:\\d{2}', size: 5, 'aria-label': 'Giờ phát mới (HH:MM)' });
    const ok = button('Lưu', async () => {
      const t = at.value.trim().match(/^(\d{1,2}):(\d{2})$/);
      if (!day.iso() || !t || +t[1] > 23 || +t[2] > 59)
        return msg.show('Ngày giờ phải có dạng dd/mm/yyyy và HH:MM.', 'error');
      try {
        // The station's zone has no daylight saving time: always UTC+7.
        const r = await api.patch('/api/v1/plans/' + month + '/airings/' + enc(a.id),
          { start: day.iso() + 'T' + t[1].padStart(2, '0') + ':' + t[2] + ':00+07:00' });
        if (r.warnings && r.warnings.length) msg.show(r.warnings.map((w) => w.message).join(' '), 'warn');
        reload();
      } catch (err) {
        msg.error(err);
      }
    });
    li.append(h('span', { class: 'inline' }, day, at, ok));
  }, 'small');
  const remove = button('Bỏ', async () => {
    try {
      await api.del('/api/v1/plans/' + month + '/airings/' + enc(a.id));
      reload();
    } catch (err) {
      msg.error(err);
    }
  }, 'small');
  li.append(' ', move, remove);
  return li;
}

function calendar(month, airings, fill, msg, reload) {
  const [y, m] = month.split('-').map(Number);
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const first = (new Date(Date.UTC(y, m - 1, 1)).getUTCDay() + 6) % 7; // Monday first
  const byDay = new Map();
  for (const a of airings) {
    const d = localDay(new Date(a.start));
    if (!byDay.has(d)) byDay.set(d, []);
    byDay.get(d).push(a);
  }
  const slots = new Map();
  for (const s of fill ? fill.slots : []) {
    if (!slots.has(s.date)) slots.set(s.date, []);
    slots.get(s.date).push(s);
  }
  const cells = [];
  for (let i = 0; i < first; i++) cells.push(h('div', { class: 'day blank', 'aria-hidden': 'true' }));
  for (let d = 1; d <= days; d++) {
    const date = month + '-' + String(d).padStart(2, '0');
    const list = (byDay.get(date) || []).sort((a, b) => a.start.localeCompare(b.start));
    cells.push(h('div', { class: 'day', 'data-date': date },
      h('div', { class: 'dnum', text: fmtDate(date) }),
      (slots.get(date) || []).map((s) => h('div', { class: 'slot' },
        h('span', { text: fmtTime(s.start) + ' ' + (s.program_title || '') }),
        h('meter', { min: 0, max: 100, value: s.fill_percent, 'aria-label': 'Độ đầy khung giờ',
          title: s.fill_percent + '%' }), h('small', { text: ' ' + s.fill_percent + '%' }))),
      h('ul', {}, list.map((a) => airingLine(month, a, msg, reload)))));
  }
  const heads = ['T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'CN'].map((t) =>
    h('div', { class: 'dow', text: t }));
  return h('div', { class: 'calendar', role: 'region', 'aria-label': 'Lịch tháng' }, heads, cells);
}

function notPlaced(fill) {
  if (!fill || !fill.not_placed.length) return null;
  return h('section', { class: 'card warn' }, h('h3', { text: 'Chưa xếp được' }),
    h('ul', {}, fill.not_placed.map((n) => h('li', { text: n.title + ': thiếu ' + n.missing +
      ' lần phát — ' + (n.message || n.reason) }))));
}

function conflictsList(conflicts) {
  if (!conflicts.length) return null;
  return h('section', { class: 'card warn' }, h('h3', { text: 'Trùng giờ trên cùng cụm loa' }),
    h('ul', {}, conflicts.map((c) => h('li', { text: c.box + ': “' + c.a_title + '” và “' + c.b_title +
      '” trùng ' + fmtDuration(c.overlap_ms) + ' từ ' + fmtTime(c.from) + ' ' + fmtDate(c.from) }))));
}

export async function render(main) {
  const monthIn = monthInput('month', nextMonth());
  const body = h('div');
  const msg = notice(); // kept across reloads: it reports what the last action did
  main.append(h('div', { class: 'card grid' }, field('Tháng (mm/yyyy)', monthIn)), body);
  const load = async () => {
    const month = monthIn.ym();
    if (!month) return msg.show('Tháng phải có dạng mm/yyyy.', 'error');
    let plan;
    try {
      plan = await api.get('/api/v1/plans/' + month);
    } catch (err) {
      if (err.status !== 404) throw err;
      plan = { month, theme: '', items: [], airings: 0, published: null };
    }
    const [{ pieces }, { communes }, { airings }, { conflicts }] = await Promise.all([
      api.get('/api/v1/pieces?status=approved&limit=500'), api.get('/api/v1/communes'),
      api.get('/api/v1/plans/' + month + '/airings').catch(() => ({ airings: [] })),
      api.get('/api/v1/plans/' + month + '/conflicts').catch(() => ({ conflicts: [] }))]);
    const theme = h('input', { name: 'theme', value: plan.theme || '' });
    const themeForm = h('form', { class: 'grid', 'aria-label': 'Đặt chủ đề tháng' },
      field('Chủ đề tháng', theme), h('button', { type: 'submit', text: 'Lưu chủ đề' }));
    themeForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await api.put('/api/v1/plans/' + month, { theme: theme.value.trim() });
        msg.show('Đã lưu chủ đề.');
      } catch (err) {
        msg.error(err);
      }
    });
    const fill = button('Xếp lịch tự động', async () => {
      msg.hide();
      try {
        const r = await api.post('/api/v1/plans/' + month + '/fill');
        lastFill.set(month, r);
        await load();
      } catch (err) {
        msg.error(err);
      }
    }, 'primary');
    const publish = button('Công bố lịch', async () => {
      if (!window.confirm('Công bố lịch tháng ' + fmtMonth(month) + ' cho các cụm loa?')) return;
      try {
        const r = await api.post('/api/v1/plans/' + month + '/publish');
        await load();
        msg.show('Đã công bố phiên bản ' + r.version + ': ' + r.new + ' lần phát mới, ' + r.kept +
          ' giữ nguyên, ' + r.withdrawn + ' rút lại.');
      } catch (err) {
        msg.error(err);
      }
    }, 'primary');
    const status = plan.published ? 'Đã công bố phiên bản ' + plan.published.version + ' lúc ' +
      fmtDateTime(new Date(plan.published.published_ms)) : 'Chưa công bố';
    clear(body,
      h('section', { class: 'card' }, h('h2', { text: 'Kế hoạch ' + fmtMonth(month) }),
        h('p', { class: 'meta', text: status + ' · ' + airings.length + ' lần phát trong lịch đang soạn' }),
        themeForm, itemsTable(month, plan, msg, load),
        h('h3', { text: 'Thêm tin bài' }), addItemForm(month, pieces, communes, msg, load)),
      h('div', { class: 'buttons sticky' }, fill, publish), msg,
      notPlaced(lastFill.get(month)), conflictsList(conflicts),
      h('section', { class: 'card' }, h('h2', { text: 'Lịch tháng (giờ Việt Nam, ' + TZ + ')' }),
        calendar(month, airings, lastFill.get(month), msg, load)));
  };
  monthIn.addEventListener('change', () => load().catch((err) => msg.error(err)));
  await load();
}
