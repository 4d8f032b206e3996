// pieces: the technician's pieces: upload by drag and drop (progress and ingest result), the
// list with filters, editing metadata, submitting for approval, retiring.
import * as api from './api.js';
import { h, clear, field, select, button, notice, table, audio, label, fmtDate, fmtDuration,
  monthInput, GENRES, STATUSES } from './ui.js';
import { communeOptions, metaFields, metaForm, uploadCard } from './upload.js';

function editRow(p, communes, reload) {
  const f = metaFields(p, communes);
  const msg = notice();
  const form = h('form', { class: 'edit grid', 'aria-label': 'Sửa tin bài ' + p.title },
    metaForm(f), h('button', { type: 'submit', class: 'primary', text: 'Lưu' }), msg);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { title: f.title.value.trim(), genre: f.genre.value };
    for (const k of ['theme', 'exemplar', 'commune']) body[k] = f[k].value.trim() || null;
    try {
      await api.patch('/api/v1/pieces/' + encodeURIComponent(p.id), body);
      reload();
    } catch (err) {
      msg.error(err);
    }
  });
  return h('tr', { class: 'editing' }, h('td', { colspan: 7 }, form));
}

function actions(p, msg, reload, toggleEdit) {
  const act = (verb, text) => button(text, async () => {
    try {
      await api.post('/api/v1/pieces/' + encodeURIComponent(p.id) + '/' + verb);
      reload();
    } catch (err) {
      msg.error(err);
    }
  });
  const editable = p.status === 'draft' || p.status === 'rejected';
  return [editable ? button('Sửa', toggleEdit) : null,
    editable ? act('submit', 'Gửi duyệt') : null,
    ['draft', 'submitted', 'approved'].includes(p.status) ? act('retire', 'Ngừng dùng') : null];
}

function lastNote(p) {
  const r = (p.reviews || []).filter((x) => x.note).pop();
  return r ? r.note : '';
}

export async function render(main) {
  const communes = await communeOptions();
  const msg = notice();
  const list = h('div');
  const filters = {
    status: select('status', [['', 'Tất cả'], ...STATUSES], ''),
    genre: select('genre', [['', 'Tất cả'], ...GENRES], ''),
    month: monthInput('month'),
    text: h('input', { type: 'search', name: 'text', placeholder: 'tiêu đề, chủ đề…' }),
  };
  const load = async () => {
    try {
      const q = api.query({ status: filters.status.value, genre: filters.genre.value,
        month: filters.month.ym() || '', text: filters.text.value.trim(), limit: 200 });
      const { pieces, total } = await api.get('/api/v1/pieces' + q);
      const rows = [];
      for (const p of pieces) {
        const tr = h('tr', { 'data-piece': p.id },
          h('td', {}, h('strong', { text: p.title }), lastNote(p) ?
            h('div', { class: 'note', text: 'Ghi chú duyệt: ' + lastNote(p) }) : null),
          h('td', { text: label(GENRES, p.genre) }),
          h('td', {}, h('span', { class: 'badge ' + p.status, text: label(STATUSES, p.status) })),
          h('td', { text: fmtDuration(p.duration_ms) }),
          h('td', { text: p.commune || '—' }),
          h('td', { text: fmtDate(p.created) }),
          h('td', { class: 'actions' }, p.media ? audio(p.media.url) : null,
            actions(p, msg, load, () => {
              const next = tr.nextElementSibling;
              if (next && next.classList.contains('editing')) next.remove();
              else tr.after(editRow(p, communes, load));
            })));
        rows.push(tr);
      }
      clear(list, table(['Tiêu đề', 'Thể loại', 'Trạng thái', 'Thời lượng', 'Xã', 'Ngày tạo', ''],
        rows, 'Tin bài (' + total + ')'));
    } catch (err) {
      msg.error(err);
    }
  };
  for (const el of Object.values(filters)) el.addEventListener('change', load);
  main.append(uploadCard(communes, { onDone: load }),
    h('section', { class: 'card' }, h('h2', { text: 'Danh sách tin bài' }),
      h('div', { class: 'filters grid' }, field('Trạng thái', filters.status),
        field('Thể loại', filters.genre), field('Tháng tạo (mm/yyyy)', filters.month),
        field('Tìm', filters.text)), msg, list));
  await load();
}
