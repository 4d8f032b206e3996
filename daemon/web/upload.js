// upload: the piece upload form shared by the pieces page and the emergency page: a file
// dropped or picked, the metadata, a progress bar, then the ingest result (duration,
// loudness) or the server's Vietnamese refusal.
import * as api from './api.js';
import { h, clear, field, select, notice, label, fmtDuration, GENRES, STATUSES } from './ui.js';

export async function communeOptions() {
  const { communes } = await api.get('/api/v1/communes');
  return [['', '— Không —'], ...communes.map((c) => [c.name, c.name])];
}

export function metaFields(p, communes) {
  return {
    title: h('input', { name: 'title', required: true, maxlength: 200, value: p.title || '' }),
    genre: select('genre', GENRES, p.genre || 'news'),
    theme: h('input', { name: 'theme', value: p.theme || '' }),
    exemplar: h('input', { name: 'exemplar', value: p.exemplar || '' }),
    commune: select('commune', communes, p.commune || ''),
  };
}

export function metaForm(f) {
  return [field('Tiêu đề', f.title), field('Thể loại', f.genre), field('Chủ đề', f.theme),
    field('Điển hình (gương người tốt, việc tốt)', f.exemplar), field('Xã liên quan', f.commune)];
}

export function ingestSummary(p) {
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

// opts: heading, intro (a sentence under the heading), genre (default), priority (sent with
// every upload), alwaysSubmit (submit for approval without asking), onDone(piece).
export function uploadCard(communes, opts) {
  const o = { heading: 'Tải tin bài lên', ...opts };
  const f = metaFields({ genre: o.genre }, communes);
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
  const form = h('form', { class: 'card', 'aria-label': o.heading },
    h('h2', { text: o.heading }), o.intro ? h('p', { class: 'note', text: o.intro }) : null,
    zone, h('div', { class: 'grid' }, metaForm(f)),
    o.alwaysSubmit ? null : h('label', { class: 'check' }, submit, ' Gửi duyệt ngay'),
    h('button', { type: 'submit', class: 'primary', text: 'Tải lên' }), bar, msg, result);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const audioFile = dropped || file.files[0];
    if (!audioFile) return msg.show('Hãy chọn một tệp âm thanh.', 'error');
    const fd = new FormData();
    for (const k of ['title', 'genre', 'theme', 'exemplar', 'commune'])
      if (f[k].value.trim()) fd.append(k, f[k].value.trim());
    if (o.priority) fd.append('priority', o.priority);
    if (o.alwaysSubmit || submit.checked) fd.append('submit', '1');
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
      if (o.onDone) await o.onDone(p);
    } catch (err) {
      bar.hidden = true;
      msg.error(err);
    }
  });
  return form;
}
