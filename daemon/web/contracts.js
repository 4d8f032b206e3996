// contracts: the district's broadcast contracts and their lines per genre (approvers edit).
import * as api from './api.js';
import { h, clear, field, select, notice, table, fmtDate, label, GENRES } from './ui.js';

function contractCard(c) {
  return h('section', { class: 'card', 'data-contract': c.id },
    h('h2', { text: c.title }),
    h('p', { class: 'meta', text: 'Từ ' + fmtDate(c.from) + ' đến ' + fmtDate(c.until) +
      ' · ngưỡng đạt ' + c.reach_permille / 10 + '% số cụm loa' }),
    table(['Thể loại', 'Tin bài mỗi tháng', 'Tin bài cả kỳ', 'Lần phát mỗi tin', 'Thời lượng'],
      c.lines.map((l) => h('tr', {}, h('td', { text: label(GENRES, l.genre) }),
        h('td', { text: l.pieces_per_month }), h('td', { text: l.pieces_per_period }),
        h('td', { text: l.airings_per_piece }),
        h('td', { text: Math.round(l.min_ms / 60000) + '–' + Math.round(l.max_ms / 60000) + ' phút' }))),
      'Các dòng hợp đồng'));
}

function addForm(reload) {
  const f = {
    title: h('input', { name: 'title', required: true }),
    from: h('input', { type: 'date', name: 'from', required: true }),
    until: h('input', { type: 'date', name: 'until', required: true }),
    reach: h('input', { type: 'number', name: 'reach', min: 1, max: 100, value: '80' }),
    genre: select('genre', GENRES, 'news'),
    perMonth: h('input', { type: 'number', name: 'pieces_per_month', min: 0, value: '4' }),
    airings: h('input', { type: 'number', name: 'airings_per_piece', min: 1, value: '3' }),
    minM: h('input', { type: 'number', name: 'min_minutes', min: 0, step: '0.5', value: '1' }),
    maxM: h('input', { type: 'number', name: 'max_minutes', min: 0, step: '0.5', value: '10' }),
  };
  const msg = notice();
  const form = h('form', { class: 'card grid', 'aria-label': 'Thêm hợp đồng' },
    h('h2', { text: 'Thêm hợp đồng' }), field('Tên hợp đồng', f.title), field('Từ ngày', f.from),
    field('Đến ngày', f.until), field('Ngưỡng đạt (% cụm loa)', f.reach), field('Thể loại', f.genre),
    field('Tin bài mỗi tháng', f.perMonth), field('Lần phát mỗi tin', f.airings),
    field('Tối thiểu (phút)', f.minM), field('Tối đa (phút)', f.maxM),
    h('button', { type: 'submit', class: 'primary', text: 'Thêm' }), msg);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api.post('/api/v1/contracts', { title: f.title.value.trim(), from: f.from.value,
        until: f.until.value, reach_permille: Number(f.reach.value) * 10,
        lines: [{ genre: f.genre.value, pieces_per_month: Number(f.perMonth.value),
          pieces_per_period: 0, airings_per_piece: Number(f.airings.value),
          min_ms: Math.round(Number(f.minM.value) * 60000),
          max_ms: Math.round(Number(f.maxM.value) * 60000) }] });
      reload();
    } catch (err) {
      msg.error(err);
    }
  });
  return form;
}

export async function render(main, { user }) {
  const list = h('div');
  const load = async () => {
    const { contracts } = await api.get('/api/v1/contracts');
    clear(list, contracts.length ? contracts.map(contractCard) :
      h('p', { class: 'empty', text: 'Chưa có hợp đồng.' }));
  };
  main.append(list);
  if (user.role === 'approver' || user.role === 'admin') main.append(addForm(load));
  await load();
}
