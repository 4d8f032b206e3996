// admin: users, communes and boxes. A box's token is shown once, when it is registered.
import * as api from './api.js';
import { h, clear, field, select, button, notice, table, fmtDate, label, ROLES } from './ui.js';

function form(title, fields, onSubmit) {
  const msg = notice();
  const f = h('form', { class: 'grid', 'aria-label': title }, fields,
    h('button', { type: 'submit', class: 'primary', text: title }), msg);
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await onSubmit(msg);
    } catch (err) {
      msg.error(err);
    }
  });
  return f;
}

function users(list, communes, reload, msg) {
  const name = h('input', { name: 'name', required: true, autocomplete: 'off' });
  const role = select('role', ROLES, 'technician');
  const commune = select('commune', [['', '—'], ...communes.map((c) => [c.name, c.name])], '');
  const pass = h('input', { name: 'password', type: 'password', minlength: 8, required: true,
    autocomplete: 'new-password' });
  return h('section', { class: 'card' }, h('h2', { text: 'Người dùng' }),
    table(['Tên', 'Vai trò', 'Xã', 'Ngày tạo', ''], list.map((u) => h('tr', {},
      h('td', { text: u.name }), h('td', { text: label(ROLES, u.role) }),
      h('td', { text: u.commune || '—' }), h('td', { text: fmtDate(u.created) }),
      h('td', {}, u.disabled ? 'Đã khoá' : button('Khoá', async () => {
        if (!window.confirm('Khoá tài khoản “' + u.name + '”? Mọi phiên đăng nhập của họ kết thúc ngay.'))
          return;
        try {
          await api.patch('/api/v1/users/' + u.id, { disabled: true });
          reload();
        } catch (err) {
          msg.error(err);
        }
      }))))),
    form('Thêm người dùng', [field('Tên đăng nhập', name), field('Vai trò', role),
      field('Xã (chỉ cán bộ xã)', commune), field('Mật khẩu (ít nhất 8 ký tự)', pass)], async () => {
      await api.post('/api/v1/users', { name: name.value.trim(), role: role.value,
        commune: commune.value || null, password: pass.value });
      reload();
    }));
}

function communesCard(communes, reload) {
  const name = h('input', { name: 'commune', required: true });
  return h('section', { class: 'card' }, h('h2', { text: 'Xã' }),
    table(['Xã', 'Số cụm loa', 'Ngày tạo'], communes.map((c) => h('tr', {},
      h('td', { text: c.name }), h('td', { text: c.boxes }), h('td', { text: fmtDate(c.created) })))),
    form('Thêm xã', [field('Tên xã', name)], async () => {
      await api.post('/api/v1/communes', { name: name.value.trim() });
      reload();
    }));
}

// The token exists only in this answer: the server keeps its hash alone.
function showToken(box) {
  const code = h('code', { class: 'token', 'data-testid': 'box-token', text: box.token });
  const copied = h('span', { role: 'status' });
  const copy = button('Sao chép', async () => {
    try {
      await navigator.clipboard.writeText(box.token);
      copied.textContent = ' Đã sao chép.';
    } catch {
      getSelection().selectAllChildren(code); // no clipboard over plain HTTP: select it instead
      copied.textContent = ' Đã chọn mã: bấm Ctrl+C để sao chép.';
    }
  });
  const slot = document.getElementById('box-token-slot');
  slot.replaceChildren(h('div', { class: 'notice warn', role: 'alert' },
    h('p', { text: 'Mã truy cập của cụm loa “' + box.name + '” chỉ hiện MỘT lần. Hãy sao chép và ' +
      'cài vào cụm loa ngay; nếu mất, phải thu hồi và đăng ký lại.' }), code, copy, copied));
  slot.scrollIntoView({ block: 'start' });
}

function boxesCard(boxes, communes, reload, msg) {
  const name = h('input', { name: 'box', required: true });
  const commune = select('box-commune', communes.map((c) => [c.name, c.name]), '');
  return h('section', { class: 'card' }, h('h2', { text: 'Cụm loa' }),
    table(['Cụm loa', 'Xã', 'Ngày đăng ký', ''], boxes.map((b) => h('tr', {},
      h('td', { text: b.name }), h('td', { text: b.commune }), h('td', { text: fmtDate(b.created) }),
      h('td', {}, b.revoked ? 'Đã thu hồi ' + fmtDate(b.revoked_at) : button('Thu hồi', async () => {
        if (!window.confirm('Thu hồi mã truy cập của cụm loa “' + b.name + '”?')) return;
        try {
          await api.post('/api/v1/boxes/' + b.id + '/revoke');
          reload();
        } catch (err) {
          msg.error(err);
        }
      }, 'danger'))))),
    form('Đăng ký cụm loa', [field('Tên cụm loa', name), field('Xã', commune)], async () => {
      const r = await api.post('/api/v1/boxes', { name: name.value.trim(), commune: commune.value });
      await reload();
      showToken(r);
    }));
}

export async function render(main) {
  const body = h('div');
  const msg = notice();
  const slot = h('div', { id: 'box-token-slot' });
  const load = async () => {
    const [{ users: us }, { communes }, { boxes }] = await Promise.all([
      api.get('/api/v1/users'), api.get('/api/v1/communes'), api.get('/api/v1/boxes')]);
    clear(body, users(us, communes, load, msg), communesCard(communes, load),
      boxesCard(boxes, communes, load, msg));
  };
  main.append(msg, slot, body);
  await load();
}
