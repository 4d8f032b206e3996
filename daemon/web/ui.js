// ui: DOM building (text only through textContent: data never becomes markup), Vietnamese
// labels, and dates and times in the station's zone as dd/mm/yyyy and HH:mm.

// The station's zone: the daemon's [server] time_zone, taken from the session answer
// (setZone, called by app.js on log-in and on page load). Until that answer arrives, or if it
// names no zone this browser knows, Vietnam time.
export const DEFAULT_TZ = 'Asia/Ho_Chi_Minh';
export let TZ = DEFAULT_TZ;

export function setZone(zone) {
  if (typeof zone !== 'string' || !zone) return TZ;
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    TZ = zone;
  } catch {
    /* an unknown zone name: keep the one we have */
  }
  return TZ;
}

export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') el.textContent = v;
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === 'value' || k === 'checked' || k === 'disabled') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  add(el, kids);
  return el;
}

function add(el, kids) {
  for (const k of kids) {
    if (k === null || k === undefined || k === false) continue;
    if (Array.isArray(k)) add(el, k);
    else el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
}

export function clear(el, ...kids) {
  el.replaceChildren();
  add(el, kids);
  return el;
}

// A labelled form field; the label is tied to the control for screen readers.
let uid = 0;
export function field(label, control, hint) {
  const id = control.id || 'f' + ++uid;
  control.id = id;
  return h('div', { class: 'field' }, h('label', { for: id, text: label }), control,
    hint ? h('small', { text: hint }) : null);
}

export function select(name, options, value) {
  return h('select', { name }, options.map(([v, t]) =>
    h('option', { value: v, selected: v === value ? true : null, text: t })));
}

export function button(text, onClick, cls) {
  return h('button', { type: 'button', class: cls || null, on: { click: onClick } }, text);
}

// A message area for one part of a page; errors are the server's Vietnamese text.
export function notice() {
  const el = h('div', { class: 'notice', role: 'status', 'aria-live': 'polite' });
  el.show = (msg, kind) => {
    el.className = 'notice ' + (kind || 'ok');
    el.textContent = msg;
  };
  el.error = (e) => el.show(e && e.message ? e.message : String(e), 'error');
  el.hide = () => { el.className = 'notice'; el.textContent = ''; };
  return el;
}

function parts(iso, opts) {
  const d = iso instanceof Date ? iso : new Date(iso);
  const o = {};
  for (const p of new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hourCycle: 'h23', ...opts })
    .formatToParts(d)) o[p.type] = p.value;
  return o;
}

export function fmtDate(iso) {
  if (!iso) return '—';
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) {
    const [y, m, d] = iso.split('-');
    return d + '/' + m + '/' + y;
  }
  const p = parts(iso, { day: '2-digit', month: '2-digit', year: 'numeric' });
  return p.day + '/' + p.month + '/' + p.year;
}

export function fmtTime(iso) {
  if (!iso) return '—';
  const p = parts(iso, { hour: '2-digit', minute: '2-digit' });
  return p.hour + ':' + p.minute;
}

export function fmtDateTime(iso) {
  return iso ? fmtTime(iso) + ' ' + fmtDate(iso) : '—';
}

// The zone's offset from UTC at an instant, in minutes (east positive).
function offsetMinutes(ms) {
  const p = parts(new Date(ms), { year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  return Math.round((wall - Math.floor(ms / 1000) * 1000) / 60000);
}

// A wall-clock time of the station ("YYYY-MM-DD", hours, minutes) as RFC 3339 with the zone's
// offset at that moment, e.g. "2026-12-05T06:00:00+07:00".
export function localIso(day, hour, minute) {
  const [y, m, d] = day.split('-').map(Number);
  const wall = Date.UTC(y, m - 1, d, hour, minute);
  let off = offsetMinutes(wall);
  off = offsetMinutes(wall - off * 60000);
  const two = (n) => String(n).padStart(2, '0');
  const a = Math.abs(off);
  return day + 'T' + two(hour) + ':' + two(minute) + ':00' + (off < 0 ? '-' : '+') +
    two(Math.floor(a / 60)) + ':' + two(a % 60);
}

// "YYYY-MM-DD" of a moment in the local zone; days may be added.
export function localDay(date, addDays) {
  const d = new Date((date || new Date()).getTime() + (addDays || 0) * 86400000);
  const p = parts(d, { day: '2-digit', month: '2-digit', year: 'numeric' });
  return p.year + '-' + p.month + '-' + p.day;
}

export function nextMonth() {
  const [y, m] = localDay().split('-').map(Number);
  return m === 12 ? y + 1 + '-01' : y + '-' + String(m + 1).padStart(2, '0');
}

export function fmtDuration(ms) {
  if (ms === null || ms === undefined) return '—';
  const s = Math.round(ms / 1000);
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  const two = (n) => String(n).padStart(2, '0');
  return hh ? hh + ':' + two(mm) + ':' + two(ss) : mm + ':' + two(ss);
}

export function fmtMinutes(ms) {
  return (ms / 60000).toLocaleString('vi-VN', { maximumFractionDigits: 1 }) + ' phút';
}

// -1 is the API's "no base" (nothing contracted or scheduled): no percentage to show.
export function fmtPermille(p) {
  if (p === null || p === undefined || p < 0) return '—';
  return (p / 10).toLocaleString('vi-VN', { maximumFractionDigits: 1 }) + '%';
}

export const GENRES = [['news', 'Tin'], ['article', 'Bài viết'], ['report', 'Phóng sự'],
  ['interview', 'Phỏng vấn'], ['jingle', 'Nhạc hiệu']];
export const STATUSES = [['draft', 'Bản nháp'], ['submitted', 'Chờ duyệt'],
  ['approved', 'Đã duyệt'], ['rejected', 'Bị từ chối'], ['retired', 'Ngừng sử dụng']];
export const ROLES = [['admin', 'Quản trị'], ['technician', 'Kỹ thuật viên'],
  ['approver', 'Phòng Nội vụ (duyệt)'], ['operator', 'Cán bộ xã']];
// The outcomes a box reports (docs/architecture.md §5).
export const OUTCOMES = { completed: 'Phát trọn', partial: 'Phát một phần', failed: 'Lỗi',
  missed: 'Bỏ lỡ' };

export function label(list, v) {
  const f = list.find(([k]) => k === v);
  return f ? f[1] : v || '—';
}

// On a phone each row becomes a card; data-label carries the column's name to every cell.
export function table(headers, rows, caption) {
  for (const tr of rows)
    [...tr.children].forEach((td, i) => {
      if (headers[i] && !td.hasAttribute('colspan')) td.dataset.label = headers[i];
    });
  return h('div', { class: 'scroll' }, h('table', { class: 'cards' },
    caption ? h('caption', { text: caption }) : null,
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col', text: t })))),
    h('tbody', {}, rows.length ? rows : h('tr', {},
      h('td', { colspan: headers.length, class: 'empty', text: 'Không có dữ liệu.' })))));
}

export function audio(url) {
  return h('audio', { controls: true, preload: 'none', src: url, 'aria-label': 'Nghe thử' });
}

// Dates typed as dd/mm/yyyy whatever the browser's language (a native date input follows the
// browser's locale, often mm/dd/yyyy). .iso() → "YYYY-MM-DD", "" when empty, null when invalid.
export function dateInput(name, iso) {
  const el = h('input', { name, inputmode: 'numeric', placeholder: 'dd/mm/yyyy', autocomplete: 'off',
    pattern: '\\d{1,2}/\\d{1,2}/\\d{4}', value: iso ? fmtDate(iso) : '' });
  el.iso = () => {
    const v = el.value.trim();
    if (!v) return '';
    const m = v.match(/^(\d{1,2})\/(\d{1,2})\/(\d{4})$/);
    if (!m) return null;
    const d = new Date(Date.UTC(+m[3], +m[2] - 1, +m[1]));
    if (d.getUTCDate() !== +m[1] || d.getUTCMonth() !== +m[2] - 1) return null;
    return d.toISOString().slice(0, 10);
  };
  return el;
}

// A month typed as mm/yyyy. .ym() → "YYYY-MM", "" when empty, null when invalid.
export function monthInput(name, ym) {
  const el = h('input', { name, inputmode: 'numeric', placeholder: 'mm/yyyy', autocomplete: 'off',
    pattern: '\\d{1,2}/\\d{4}', value: ym ? ym.split('-').reverse().join('/') : '' });
  el.ym = () => {
    const v = el.value.trim();
    if (!v) return '';
    const m = v.match(/^(\d{1,2})\/(\d{4})$/);
    return m && +m[1] >= 1 && +m[1] <= 12 ? m[2] + '-' + m[1].padStart(2, '0') : null;
  };
  return el;
}

export function fmtMonth(ym) {
  return ym.split('-').reverse().join('/');
}
