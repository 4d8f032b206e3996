// planner: the month plan: theme, the approved pieces to air with their constraints (number
// of airings, date window, communes, pins to a day and programme), the fill, the month as a
// calendar of programme slots (fill level read back from the server, each slot's pieces,
// pinned ones marked, move or remove each airing), conflicts, what was not placed and why, and
// publishing. The month is kept in the address (#/planner/YYYY-MM), so a reload shows it again.
import * as api from './api.js';
import { h, clear, field, select, button, notice, table, fmtDate, fmtTime, fmtDateTime, fmtDuration,
  nextMonth, localDay, localIso, dateInput, monthInput, fmtMonth, TZ } from './ui.js';

const lastFill = new Map(); // month → the fill's answer, for the not-placed reasons

const enc = encodeURIComponent;

function communeChecks(communes, name, chosen) {
  return h('fieldset', { class: 'checks' }, h('legend', { text: 'Chỉ phát ở các xã (bỏ trống: mọi xã)' }),
    communes.map((c) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', name, value: c.name, checked: (chosen || []).includes(c.name) }),
      ' ' + c.name)));
}

function programLabel(p) {
  return p.title + ' (' + p.start + ')';
}

// Pins: the piece airs on that day, in that programme (or any programme of the day).
// .value() → [{day, program}] or null when a day is not dd/mm/yyyy.
function pinsEditor(programs, pins) {
  const rows = h('div');
  const add = (pin) => {
    const day = dateInput('pin_day', pin ? pin.day : '');
    day.setAttribute('aria-label', 'Ngày ghim (dd/mm/yyyy)');
    const prog = select('pin_program', [['', 'Chương trình bất kỳ trong ngày'],
      ...programs.map((p) => [p.id, programLabel(p)])], pin && pin.program ? pin.program : '');
    prog.setAttribute('aria-label', 'Chương trình của ngày ghim');
    const row = h('div', { class: 'inline pin' }, day, prog);
    row.append(button('Bỏ ngày ghim', () => row.remove(), 'small'));
    rows.append(row);
  };
  (pins || []).forEach(add);
  const el = h('fieldset', { class: 'checks pins' },
    h('legend', { text: 'Ghim vào ngày (mỗi ngày ghim là một lần phát)' }), rows,
    button('Thêm ngày ghim', () => add(null), 'small'));
  el.value = () => {
    const out = [];
    for (const row of rows.children) {
      const iso = row.querySelector('input').iso();
      if (iso === null) return null;
      if (iso) out.push({ day: iso, program: row.querySelector('select').value || null });
    }
    return out;
  };
  return el;
}

function pinsText(it, programs) {
  if (!it.pins || !it.pins.length) return '—';
  return it.pins.map((p) => {
    const g = programs.find((x) => x.id === p.program);
    return fmtDate(p.day) + (p.program ? ' (' + (g ? programLabel(g) : 'chương trình đã xoá') + ')' : '');
  }).join('; ');
}

// The constraints an item carries besides its count: date window, communes, pins.
function constraintFields(communes, programs, it, name) {
  const from = dateInput('window_from', it.window_from);
  const until = dateInput('window_until', it.window_until);
  const places = communeChecks(communes, name, it.communes);
  const pins = pinsEditor(programs, it.pins);
  return {
    nodes: [field('Phát từ ngày (dd/mm/yyyy)', from), field('Đến ngày (dd/mm/yyyy)', until), places, pins],
    value() {
      const p = pins.value();
      if (from.iso() === null || until.iso() === null || p === null) return null;
      return { window_from: from.iso() || null, window_until: until.iso() || null,
        communes: checked(places), pins: p };
    },
  };
}

function checked(fs) {
  return [...fs.querySelectorAll('input:checked')].map((i) => i.value);
}

function addItemForm(month, approved, communes, programs, msg, reload) {
  const piece = h('select', { name: 'piece' }, approved.map((p) =>
    h('option', { value: p.id, text: p.title + ' (' + fmtDuration(p.duration_ms) + ')' })));
  const count = h('input', { type: 'number', name: 'airings', min: 0, max: 1000, value: '3' });
  const c = constraintFields(communes, programs, {}, 'item-commune');
  const form = h('form', { class: 'grid', 'aria-label': 'Thêm tin bài vào kế hoạch' },
    field('Tin bài đã duyệt', piece), field('Số lần phát', count, '0: bằng số ngày ghim'), c.nodes,
    h('button', { type: 'submit', class: 'primary', text: 'Thêm vào kế hoạch' }));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!piece.value) return msg.show('Chưa có tin bài nào được duyệt.', 'error');
    const v = c.value();
    if (!v) return msg.show('Ngày phải có dạng dd/mm/yyyy.', 'error');
    try {
      await api.post('/api/v1/plans/' + month + '/items', { piece: piece.value, airings: Number(count.value), ...v });
      reload();
    } catch (err) {
      msg.error(err);
    }
  });
  return form;
}

function editItemForm(month, it, communes, programs, msg, reload) {
  const c = constraintFields(communes, programs, it, 'edit-commune');
  const note = notice();
  const form = h('form', { class: 'edit grid', 'aria-label': 'Ràng buộc của “' + it.title + '”' },
    c.nodes, h('button', { type: 'submit', class: 'primary', text: 'Lưu ràng buộc' }), note);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = c.value();
    if (!v) return note.show('Ngày phải có dạng dd/mm/yyyy.', 'error');
    try {
      await api.patch('/api/v1/plans/' + month + '/items/' + enc(it.piece), v);
      msg.show('Đã lưu ràng buộc của “' + it.title + '”. Hãy xếp lịch lại.');
      reload();
    } catch (err) {
      note.error(err);
    }
  });
  return form;
}

// The number of airings, changed in place.
function countCell(month, it, msg, reload) {
  const n = h('input', { type: 'number', min: 0, max: 1000, value: String(it.airings), class: 'count',
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

function itemsTable(month, plan, communes, programs, msg, reload) {
  const rows = [];
  for (const it of plan.items) {
    const tr = h('tr', { 'data-item': it.piece }, h('td', { text: it.title }), countCell(month, it, msg, reload),
      h('td', { text: it.window_from || it.window_until ?
        fmtDate(it.window_from) + ' – ' + fmtDate(it.window_until) : 'cả tháng' }),
      h('td', { text: it.communes.length ? it.communes.join(', ') : 'mọi xã' }),
      h('td', { text: pinsText(it, programs) }),
      h('td', { class: 'actions' }, button('Sửa ràng buộc', () => {
        const next = tr.nextElementSibling;
        if (next && next.classList.contains('editing')) return next.remove();
        tr.after(h('tr', { class: 'editing' }, h('td', { colspan: 6 },
          editItemForm(month, it, communes, programs, msg, reload))));
      }), button('Bỏ khỏi kế hoạch', async () => {
        try {
          await api.del('/api/v1/plans/' + month + '/items/' + enc(it.piece));
          reload();
        } catch (err) {
          msg.error(err);
        }
      })));
    rows.push(tr);
  }
  return table(['Tin bài', 'Số lần phát', 'Khoảng ngày', 'Xã', 'Ngày ghim', ''], rows, 'Tin bài trong kế hoạch');
}

function airingLine(month, a, pinned, msg, reload) {
  const li = h('li', { 'data-airing': a.id, 'data-pinned': pinned ? 'true' : null },
    pinned ? h('span', { class: 'badge pin', text: 'Ghim' }) : null, pinned ? ' ' : null,
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
        // The time typed is the station's wall clock: its zone's offset on that day.
        const r = await api.patch('/api/v1/plans/' + month + '/airings/' + enc(a.id),
          { start: localIso(day.iso(), +t[1], +t[2]) });
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

// An airing is shown as pinned when its item has a pin on its day (and programme, if named):
// the engine places pins first, so that is where they land.
function isPinned(a, pinsOf) {
  const day = localDay(new Date(a.start));
  return (pinsOf.get(a.piece) || []).some((p) => p.day === day && (!p.program || p.program === a.program));
}

function slotBox(month, s, list, pinsOf, msg, reload) {
  const pct = s.fill_percent;
  return h('div', { class: 'slot', 'data-program': s.program, 'data-start': s.start },
    h('div', { class: 'slot-head' }, h('span', { text: fmtTime(s.start) + ' ' + (s.program_title || '') }),
      ' ', h('meter', { min: 0, max: 100, value: Math.min(pct, 100),
        'aria-label': 'Độ đầy khung ' + fmtTime(s.start) + ' ' + fmtDate(s.date) }),
      h('small', { class: pct > 100 ? 'bad' : null, text: ' ' + pct + '%' })),
    list.length ? h('ul', {}, list.map((a) => airingLine(month, a, isPinned(a, pinsOf), msg, reload))) : null);
}

function calendar(month, airings, slots, pinsOf, msg, reload) {
  const [y, m] = month.split('-').map(Number);
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const first = (new Date(Date.UTC(y, m - 1, 1)).getUTCDay() + 6) % 7; // Monday first
  // Each airing goes in the slot of its programme it starts in; the rest (hand-placed) apart.
  const inSlot = new Map(slots.map((s) => [s, []]));
  const loose = new Map();
  for (const a of airings) {
    const t = Date.parse(a.start);
    const s = slots.find((x) => x.program === a.program && t >= Date.parse(x.start) &&
      t < Date.parse(x.start) + x.length_ms);
    if (s) inSlot.get(s).push(a);
    else {
      const d = localDay(new Date(a.start));
      if (!loose.has(d)) loose.set(d, []);
      loose.get(d).push(a);
    }
  }
  const cells = [];
  for (let i = 0; i < first; i++) cells.push(h('div', { class: 'day blank', 'aria-hidden': 'true' }));
  for (let d = 1; d <= days; d++) {
    const date = month + '-' + String(d).padStart(2, '0');
    const extra = (loose.get(date) || []).sort((a, b) => a.start.localeCompare(b.start));
    cells.push(h('div', { class: 'day', 'data-date': date },
      h('div', { class: 'dnum', text: fmtDate(date) }),
      slots.filter((s) => s.date === date).map((s) => slotBox(month, s, inSlot.get(s), pinsOf, msg, reload)),
      extra.length ? h('div', { class: 'loose' }, h('small', { text: 'Ngoài khung giờ:' }),
        h('ul', {}, extra.map((a) => airingLine(month, a, isPinned(a, pinsOf), msg, reload)))) : null));
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
  const inHash = location.hash.split('/')[2];
  const monthIn = monthInput('month', /^\d{4}-\d{2}$/.test(inHash || '') ? inHash : nextMonth());
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
    history.replaceState(null, '', '#/planner/' + month);
    const [{ pieces }, { communes }, { programs }, { airings }, { conflicts }, { slots }] =
      await Promise.all([api.get('/api/v1/pieces?status=approved&limit=500'),
        api.get('/api/v1/communes'), api.get('/api/v1/programs'),
        api.get('/api/v1/plans/' + month + '/airings'), api.get('/api/v1/plans/' + month + '/conflicts'),
        api.get('/api/v1/plans/' + month + '/slots')]);
    const pinsOf = new Map(plan.items.map((it) => [it.piece, it.pins || []]));
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
        themeForm, itemsTable(month, plan, communes, programs, msg, load),
        h('h3', { text: 'Thêm tin bài' }), addItemForm(month, pieces.filter((p) => p.genre !== 'jingle'),
          communes, programs, msg, load)),
      h('div', { class: 'buttons sticky' }, fill, publish), msg,
      notPlaced(lastFill.get(month)), conflictsList(conflicts),
      h('section', { class: 'card' }, h('h2', { text: 'Lịch tháng (giờ Việt Nam, ' + TZ + ')' }),
        slots.length ? null : h('p', { class: 'empty', text: 'Chưa có chương trình nào phát trong tháng này.' }),
        calendar(month, airings, slots, pinsOf, msg, load)));
  };
  monthIn.addEventListener('change', () => load().catch((err) => msg.error(err)));
  await load();
}
