// pieces: the technician's pieces: upload by drag and drop (progress and ingest result), the
// list with filters, editing metadata, submitting for approval, retiring.
import * as api from './api.js';
import { h, clear, field, select, button, notice, table, audio, label, fmtDate, fmtDuration,
  monthInput, GENRES, STATUSES } from './ui.js';

export async function communeOptions() {
  const { communes } = await api.get('/api/v1/communes');
  return [['', '— Không —'], ...communes.map((c) => [c.name, c.name])];
}

function metaFields(p, communes) {
  return {
    title: h('input', { name: 'title', required: true, maxlength: 200, value: p.title || '' }),
    genre: select('genre', GENRES, p.genre || 'news'),
    theme: h('input', { name: 'theme', value: p.theme || '' }),
    exemplar: h('input', { name: 'exemplar', value: p.exemplar || '' }),
    commune: select('commune', communes, p.commune || ''),
  };
}

function metaForm(f) {
  return [field('Tiêu đề', f.title), field('Thể loại', f.genre), field('Chủ đề', f.theme),
    field('Điển hình (gương người tốt, việc tốt)', f.exemplar), field('Xã liên quan', f.commune)];
}

function uploadCard(communes, onDone) {
  const f = metaFields({}, communes);
  const file = h('input', { type: 'file', name: 'file', accept: 'audio/*,.wav,.mp3,.ogg,.opus,.m4a' });
  const submit = h('input', { type: 'checkbox', name: 'submit' });
  const zone = h('div', { class: 'drop' },
    h('p', { text: 'Kéo thả tệp âm thanh vào đây, hoặc chọn tệp:' }), field('Tệp âm thanh', file));
  const bar = h('progress', { max: 1, value: 0, 'aria-label': 'Tiến độ tải lên', hidden: true });
  const msg = notice();
  const result = h('div', { class: 'result' });
  let dropped = null;
  file.addEventListener('change', () => { dropped = null; });
  for (const ev of ['dragenter', 'dragover'])
    zone.addEventListener(ev, (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    if (e.dataTransfer.files.length) {
      dropped = e.dataTransfer.files[0];
      msg.show('Đã chọn: ' + dropped.name);
    }
  });
  const form = h('form', { class: 'card', 'aria-label': 'Tải tin bài lên' },
    h('h2', { text: 'Tải tin bài lên' }), zone, h('div', { class: 'grid' }, metaForm(f)),
    h('label', { class: 'check' }, submit, ' Gửi duyệt ngay'),
    h('button', { type: 'submit', class: 'primary', text: 'Tải lên' }), bar, msg, result);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const audioFile = dropped || file.files[0];
    if (!audioFile) return msg.show('Hãy chọn một tệp âm thanh.', 'error');
    const fd = new FormData();
    for (const k of ['title', 'genre', 'theme', 'exemplar', 'commune'])
      if (f[k].value.trim()) fd.append(k, f[k].value.trim());
    if (submit.checked) fd.append('submit', '1');
    fd.append('file', audioFile, audioFile.name);
    bar.hidden = false;
    bar.value = 0;
    msg.show('Đang tải lên…');
    clear(result);
    try {
      const p = await api.upload('/api/v1/pieces', fd, (x) => {
        bar.value = x;
        if (x >= 1) msg.show('Đang xử lý âm thanh (đo và chuẩn hoá độ to)…');
      });
      bar.value = 1;
      msg.show(p.deduplicated ? 'Tệp này đã có trên máy chủ; đã dùng lại.' : 'Đã tải lên.');
      clear(result, ingestSummary(p));
      form.reset();
      dropped = null;
      onDone();
    } catch (err) {
      bar.hidden = true;
      msg.error(err);
    }
  });
  return form;
}

function ingestSummary(p) {
  const m = p.media || {};
  const lufs = (v) => (v === null || v === undefined ? '—' :
    v.toLocaleString('vi-VN', { maximumFractionDigits: 1 }) + ' LUFS');
  return h('dl', { class: 'facts', 'data-testid': 'ingest-result' },
    h('dt', { text: 'Tin bài' }), h('dd', { text: p.title }),
    h('dt', { text: 'Thời lượng' }), h('dd', { text: fmtDuration(p.duration_ms) }),
    h('dt', { text: 'Độ to ban đầu' }), h('dd', { text: lufs(m.loudness_in_lufs) }),
    h('dt', { text: 'Độ to sau chuẩn hoá' }), h('dd', { text: lufs(m.loudness_out_lufs) }),
    h('dt', { text: 'Trạng thái' }), h('dd', { text: label(STATUSES, p.status) }));
}

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
  main.append(uploadCard(communes, load),
    h('section', { class: 'card' }, h('h2', { text: 'Danh sách tin bài' }),
      h('div', { class: 'filters grid' }, field('Trạng thái', filters.status),
        field('Thể loại', filters.genre), field('Tháng tạo (mm/yyyy)', filters.month),
        field('Tìm', filters.text)), msg, list));
  await load();
}
