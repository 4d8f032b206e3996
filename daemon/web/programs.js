// programs: the periodic programmes (chương trình định kỳ): the list with their slots (days,
// time, length, validity, targets, jingles), create, edit, delete. An overlap with another
// programme on a shared commune or box is refused by the server, naming the other one.
import * as api from './api.js';
import { h, clear, field, select, button, notice, table, fmtDate, dateInput } from './ui.js';
import { targetsPicker, describeTargets } from './targets.js';

const DAYS = [['mon', 'T2', 'Thứ Hai'], ['tue', 'T3', 'Thứ Ba'], ['wed', 'T4', 'Thứ Tư'],
  ['thu', 'T5', 'Thứ Năm'], ['fri', 'T6', 'Thứ Sáu'], ['sat', 'T7', 'Thứ Bảy'], ['sun', 'CN', 'Chủ nhật']];

const enc = encodeURIComponent;

const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);

function daysText(days) {
  if (days.length === 7) return 'Mọi ngày';
  return DAYS.filter(([k]) => days.includes(k)).map(([, s]) => s).join(', ');
}

function validity(p) {
  if (!p.valid_from && !p.valid_until) return 'Luôn áp dụng';
  return (p.valid_from ? 'từ ' + fmtDate(p.valid_from) : '') +
    (p.valid_until ? (p.valid_from ? ' ' : '') + 'đến ' + fmtDate(p.valid_until) : '');
}

function jingleName(jingles, id) {
  const j = jingles.find((x) => x.id === id);
  return j ? j.title : id ? 'nhạc hiệu không còn dùng được' : null;
}

// The form for a new programme (p empty) or for editing p; onSaved after a 200/201.
function programForm(p, ctx, onSaved, onCancel) {
  const editing = !!p.id;
  const jingleOpts = [['', '— Không —'], ...ctx.jingles.map((j) => [j.id, j.title])];
  const f = {
    title: h('input', { name: 'title', required: true, maxlength: 200, value: p.title || '' }),
    start: h('input', { name: 'start', inputmode: 'numeric', placeholder: 'HH:MM', autocomplete: 'off',
      value: p.start || '' }),
    length: h('input', { type: 'number', name: 'length', min: 1, max: 1440, value: String(p.length || 30) }),
    from: dateInput('valid_from', p.valid_from),
    until: dateInput('valid_until', p.valid_until),
    intro: select('intro', jingleOpts, p.intro || ''),
    outro: select('outro', jingleOpts, p.outro || ''),
  };
  const days = h('fieldset', { class: 'checks' }, h('legend', { text: 'Các ngày phát trong tuần' }),
    DAYS.map(([k, , long]) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', value: k, checked: (p.weekdays || DAYS.map(([d]) => d)).includes(k) }),
      ' ' + long)));
  const targets = targetsPicker(ctx.communes, ctx.boxes, p.targets, 'Phát tới');
  const msg = notice();
  const name = editing ? 'Sửa chương trình ' + p.title : 'Thêm chương trình';
  const form = h('form', { class: editing ? 'edit grid' : 'card grid', 'aria-label': name },
    editing ? null : h('h2', { text: 'Thêm chương trình' }),
    field('Tên chương trình', f.title), field('Giờ bắt đầu (HH:MM)', f.start),
    field('Thời lượng (phút)', f.length), field('Áp dụng từ ngày (dd/mm/yyyy)', f.from, 'bỏ trống: từ nay'),
    field('Đến ngày (dd/mm/yyyy)', f.until, 'bỏ trống: không hạn'), days, targets,
    field('Nhạc hiệu mở đầu', f.intro), field('Nhạc hiệu kết thúc', f.outro),
    h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary',
      text: editing ? 'Lưu chương trình' : 'Thêm chương trình' }),
    onCancel ? button('Huỷ', onCancel) : null), msg);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const t = targets.value();
    if (!t) return msg.show('Hãy chọn ít nhất một xã hoặc một cụm loa.', 'error');
    if (f.from.iso() === null || f.until.iso() === null)
      return msg.show('Ngày phải có dạng dd/mm/yyyy.', 'error');
    const body = { title: f.title.value.trim(),
      weekdays: [...days.querySelectorAll('input:checked')].map((i) => i.value),
      start: f.start.value.trim(), length: Number(f.length.value),
      valid_from: f.from.iso() || null, valid_until: f.until.iso() || null, targets: t,
      intro: f.intro.value || null, outro: f.outro.value || null };
    try {
      const saved = editing ? await api.patch('/api/v1/programs/' + enc(p.id), body)
        : await api.post('/api/v1/programs', body);
      await onSaved(saved);
    } catch (err) {
      msg.error(err);
    }
  });
  return form;
}

function conflictsCard(conflicts) {
  if (!conflicts.length) return null;
  return h('section', { class: 'card warn' }, h('h2', { text: 'Chương trình trùng giờ' }),
    h('ul', {}, conflicts.map((c) => h('li', { text: c.message }))));
}

export async function render(main) {
  const [{ communes }, { boxes }, { pieces }] = await Promise.all([api.get('/api/v1/communes'),
    api.get('/api/v1/boxes'), api.get('/api/v1/pieces?status=approved&genre=jingle&limit=500')]);
  const ctx = { communes, boxes, jingles: pieces };
  const msg = notice();
  const list = h('div');
  const load = async () => {
    const { programs, conflicts } = await api.get('/api/v1/programs');
    const rows = [];
    for (const p of programs) {
      const tr = h('tr', { 'data-program': p.id },
        h('td', {}, h('strong', { text: p.title })),
        h('td', { text: daysText(p.weekdays) }),
        h('td', { text: p.start }),
        h('td', { text: p.length + ' phút' }),
        h('td', { text: validity(p) }),
        h('td', { text: cap(describeTargets(p.targets)) }),
        h('td', { text: [jingleName(ctx.jingles, p.intro), jingleName(ctx.jingles, p.outro)]
          .filter(Boolean).join(' / ') || '—' }),
        h('td', { class: 'actions' },
          button('Sửa', () => {
            const next = tr.nextElementSibling;
            if (next && next.classList.contains('editing')) return next.remove();
            const row = h('tr', { class: 'editing' });
            row.append(h('td', { colspan: 8 }, programForm(p, ctx, async (saved) => {
              await load(); // the message comes with the table that shows the change
              msg.show('Đã lưu chương trình “' + saved.title + '”.');
            }, () => row.remove())));
            tr.after(row);
          }),
          button('Xoá', async () => {
            if (!window.confirm('Xoá chương trình “' + p.title + '”?')) return;
            try {
              await api.del('/api/v1/programs/' + enc(p.id));
              await load();
              msg.show('Đã xoá chương trình “' + p.title + '”.');
            } catch (err) {
              msg.error(err);
            }
          }, 'danger')));
      rows.push(tr);
    }
    clear(list, conflictsCard(conflicts), table(['Chương trình', 'Ngày', 'Giờ', 'Thời lượng',
      'Hiệu lực', 'Phát tới', 'Nhạc hiệu', ''], rows, 'Chương trình định kỳ (' + programs.length + ')'));
  };
  const adder = h('div');
  const fresh = () => clear(adder, programForm({}, ctx, async (saved) => {
    fresh();
    await load();
    msg.show('Đã thêm chương trình “' + saved.title + '”.');
  }));
  fresh();
  main.append(adder, msg, h('section', { class: 'card' }, list));
  await load();
}
