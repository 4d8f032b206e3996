// app: log-in, the role-aware shell and the hash router (#/page). Each page module exports
// render(main, ctx) with ctx.user the logged-in person.
import * as api from './api.js';
import { h, clear, field, notice, label, setZone, ROLES } from './ui.js';
import * as pieces from './pieces.js';
import * as review from './review.js';
import * as planner from './planner.js';
import * as programs from './programs.js';
import * as boxes from './boxes.js';
import * as operator from './operator.js';
import * as report from './report.js';
import * as contracts from './contracts.js';
import * as admin from './admin.js';
import * as emergency from './emergency.js';

const PAGES = [
  { path: 'pieces', title: 'Tin bài', roles: ['technician', 'admin'], mod: pieces },
  { path: 'review', title: 'Duyệt tin bài', roles: ['approver'], mod: review },
  { path: 'programs', title: 'Chương trình', roles: ['technician', 'admin'], mod: programs },
  { path: 'planner', title: 'Kế hoạch tháng', roles: ['technician', 'admin'], mod: planner },
  { path: 'commune', title: 'Xã của tôi', roles: ['operator'], mod: operator },
  { path: 'boxes', title: 'Cụm loa', roles: ['technician', 'admin', 'approver'], mod: boxes },
  { path: 'contracts', title: 'Hợp đồng', roles: ['approver', 'technician', 'admin'], mod: contracts },
  { path: 'report', title: 'Báo cáo', roles: ['approver', 'technician', 'admin'], mod: report },
  { path: 'admin', title: 'Quản trị', roles: ['admin'], mod: admin },
  { path: 'emergency', title: 'Khẩn cấp', roles: ['technician', 'admin'], mod: emergency },
];

const main = document.getElementById('main');
let user = null;

function pagesFor(u) {
  return PAGES.filter((p) => p.roles.includes(u.role));
}

function showLogin() {
  user = null;
  clear(document.getElementById('nav'));
  clear(document.getElementById('who'));
  const name = h('input', { name: 'user', autocomplete: 'username', required: true });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password',
    required: true });
  const msg = notice();
  const form = h('form', { class: 'card login', 'aria-label': 'Đăng nhập' },
    h('h1', { text: 'Đăng nhập' }), field('Tên đăng nhập', name), field('Mật khẩu', pass), msg,
    h('button', { type: 'submit', class: 'primary', text: 'Đăng nhập' }));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const s = await api.post('/api/v1/session', { user: name.value.trim(), password: pass.value });
      start(s);
    } catch (err) {
      msg.error(err);
    }
  });
  clear(main, form);
  name.focus();
}

async function logout() {
  try {
    await api.del('/api/v1/session');
  } catch {
    /* the session may already be gone */
  }
  location.hash = '';
  showLogin();
}

function start(session) {
  setZone(session.time_zone); // the daemon's [server] time_zone; Vietnam time when absent
  user = session.user;
  api.setCsrf(session.csrf_token);
  const nav = document.getElementById('nav');
  clear(nav, pagesFor(user).map((p) => h('a', { href: '#/' + p.path, 'data-page': p.path,
    text: p.title })));
  clear(document.getElementById('who'),
    h('span', { text: user.name + ' · ' + label(ROLES, user.role) +
      (user.commune ? ' · ' + user.commune : '') }),
    h('button', { type: 'button', class: 'link', on: { click: logout } }, 'Đăng xuất'));
  route();
}

async function route() {
  if (!user) return;
  const pages = pagesFor(user);
  const want = location.hash.replace(/^#\/?/, '').split('/')[0];
  const page = pages.find((p) => p.path === want) || pages[0];
  for (const a of document.querySelectorAll('#nav a'))
    a.setAttribute('aria-current', a.dataset.page === page.path ? 'page' : 'false');
  document.title = page.title + ' — Loa truyền thanh';
  clear(main, h('h1', { text: page.title }));
  try {
    await page.mod.render(main, { user });
  } catch (err) {
    if (err.status === 401) return showLogin();
    const msg = notice();
    msg.error(err);
    main.append(msg);
  }
  main.focus({ preventScroll: true });
}

window.addEventListener('hashchange', route);

(async () => {
  try {
    start(await api.get('/api/v1/session'));
  } catch {
    showLogin();
  }
})();
