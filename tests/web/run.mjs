// Browser journeys of the web UI against a real loalangd and real loalang-players, in Debian's
// chromium (headless) driven by playwright-core. Usage: node tests/web/run.mjs
// --loalangd BUILD/loalangd --loalang-player BUILD/loalang-player [--chromium PATH]
// Starts its own daemon on a free port in a temp data dir; screenshots of every main page go
// to tests/web/artifacts/. Exits 0 when every journey passed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { ARTIFACTS, PASSWORD, options, launchBrowser, dataDir, terminate, startPlayer, stopPlayer, vnDay,
  nextMonth, rfc3339, apiLogin, pageErrors, shot, login, runMain, showReport } from './lib.mjs';

const { loalangd: LOALANGD, player: PLAYER, chromium: CHROMIUM } = options('run.mjs',
  ['loalangd', 'player']);
const { dir, cli, startDaemon } = dataDir(LOALANGD, 'loalang-web-');

function rawStatus(base, path) {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', reject);
    req.end();
  });
}

async function staticFiles(base) {
  let r = await fetch(base + '/');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.match(r.headers.get('content-security-policy'), /script-src 'self'/);
  r = await fetch(base + '/static/app.js');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/javascript/);
  const etag = r.headers.get('etag');
  r = await fetch(base + '/static/app.js', { headers: { 'If-None-Match': etag } });
  assert.equal(r.status, 304);
  // Raw request paths: fetch would normalise dot segments away before sending them.
  for (const bad of ['/static/..%2Fapi_web.c', '/static/.hidden.js', '/static/APP.JS',
    '/static/api_web.c', '/static/a.b.js', '/static/%2e%2e', '/static/..%2F..%2FCMakeLists.txt',
    '/static/../api/api_web.c', '/../daemon/api/api_web.c'])
    assert.equal(await rawStatus(base, bad), 404, bad);
}

// Technician: uploads a WAV by dropping it on the page, sees the ingest result, submits it.
async function technicianUpload(browser, base, wav) {
  const page = await login(browser, base, 'ktv.lan');
  await page.getByRole('heading', { name: 'Tin bài', exact: true }).waitFor();
  await page.getByLabel('Tiêu đề').first().fill('Gương sáng Nà Pài');
  await page.getByLabel('Thể loại').first().selectOption('report');
  await page.getByLabel('Xã liên quan').first().selectOption('Bằng Khánh');
  // A real drop event carrying the file, as a person dragging it from the desktop.
  const b64 = readFileSync(wav).toString('base64');
  const transfer = await page.evaluateHandle((s) => {
    const bytes = Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], 'guong-sang.wav', { type: 'audio/wav' }));
    return dt;
  }, b64);
  await page.dispatchEvent('.drop', 'drop', { dataTransfer: transfer });
  await page.getByText('Đã chọn: guong-sang.wav').waitFor();
  await page.getByRole('button', { name: 'Tải lên' }).click();
  const result = page.getByTestId('ingest-result');
  await result.waitFor({ timeout: 60000 });
  const text = await result.textContent();
  assert.match(text, /Thời lượng0:12/);
  assert.match(text, /Độ to sau chuẩn hoá-16 LUFS/);
  await shot(page, 'technician-upload');
  // Something that is not audio gets the server's Vietnamese refusal on the page.
  await page.getByLabel('Tiêu đề').first().fill('Không phải âm thanh');
  await page.getByLabel('Tệp âm thanh').setInputFiles({ name: 'ghi-chu.txt', mimeType: 'text/plain',
    buffer: Buffer.from('đây không phải âm thanh '.repeat(200)) });
  await page.getByRole('button', { name: 'Tải lên' }).click();
  await page.locator('.notice.error').first().waitFor();
  assert.match(await page.locator('.notice.error').first().textContent(), /[âàáảãạăêôơưđ]/);
  const row = page.locator('tr[data-piece]', { hasText: 'Gương sáng Nà Pài' });
  // Edit the metadata: theme and exemplar.
  await row.getByRole('button', { name: 'Sửa' }).click();
  const edit = page.getByRole('form', { name: 'Sửa tin bài Gương sáng Nà Pài' });
  await edit.getByLabel('Chủ đề').fill('Chuyển đổi số');
  await edit.getByLabel('Điển hình (gương người tốt, việc tốt)').fill('Ông Hoàng Văn Pài');
  await edit.getByRole('button', { name: 'Lưu' }).click();
  await edit.waitFor({ state: 'detached' });
  const id = await row.getAttribute('data-piece');
  const saved = await page.evaluate(async (i) => (await fetch('/api/v1/pieces/' + i)).json(), id);
  assert.equal(saved.theme, 'Chuyển đổi số');
  assert.equal(saved.exemplar, 'Ông Hoàng Văn Pài');
  await row.getByRole('button', { name: 'Gửi duyệt' }).click();
  await page.locator('tr', { hasText: 'Gương sáng Nà Pài' }).getByText('Chờ duyệt').waitFor();
  await shot(page, 'technician-pieces');
  await page.context().close();
}

// Approver: the review queue plays the piece (media with the session cookie) and approves it.
async function approverReview(browser, base) {
  const page = await login(browser, base, 'noivu.hoa');
  await page.getByRole('heading', { name: 'Gương sáng Nà Pài' }).waitFor();
  const src = await page.locator('article.piece audio').first().getAttribute('src');
  const media = await page.evaluate(async (u) => (await fetch(u)).status, src);
  assert.equal(media, 200);
  await shot(page, 'approver-review');
  await page.getByRole('button', { name: 'Duyệt', exact: true }).click();
  await page.getByText('Không có tin bài nào chờ duyệt.').waitFor();
  await page.context().close();
}

// Technician: the month planner: theme, item, fill, move one airing, publish.
async function technicianPlan(browser, base, month) {
  const page = await login(browser, base, 'ktv.lan');
  await page.goto(base + '/#/planner');
  await page.getByLabel('Chủ đề tháng', { exact: true }).fill('Chuyển đổi số ở thôn bản');
  await page.getByRole('button', { name: 'Lưu chủ đề' }).click();
  await page.getByText('Đã lưu chủ đề.').waitFor();
  await page.getByLabel('Tin bài đã duyệt').selectOption({ label: 'Gương sáng Nà Pài (0:12)' });
  await page.getByLabel('Số lần phát').fill('3');
  await page.getByRole('button', { name: 'Thêm vào kế hoạch' }).click();
  await page.locator('tr', { hasText: 'Gương sáng Nà Pài' }).getByText('cả tháng').waitFor();
  // Change the count in place (4), then back to 3 before the fill.
  const count = page.getByLabel('Số lần phát của “Gương sáng Nà Pài”');
  await count.fill('4');
  await count.dispatchEvent('change');
  await page.getByText('Đã đổi số lần phát của “Gương sáng Nà Pài”. Hãy xếp lịch lại.').waitFor();
  const items = await page.evaluate(async (m) => (await (await fetch('/api/v1/plans/' + m)).json()).items, month);
  assert.equal(items[0].airings, 4);
  await count.fill('3');
  await count.dispatchEvent('change');
  await page.waitForFunction(async (m) =>
    (await (await fetch('/api/v1/plans/' + m)).json()).items[0].airings === 3, month);
  await page.getByRole('button', { name: 'Xếp lịch tự động' }).click();
  await page.locator('.day li[data-airing]').nth(2).waitFor();
  assert.equal(await page.locator('.day li[data-airing]').count(), 3);
  assert.ok(await page.locator('.slot meter').count() > 0, 'slots with their fill level');
  await shot(page, 'planner-filled');
  // Move the first airing to 06:15 on the 2nd of the month.
  const first = page.locator('.day li[data-airing]').first();
  const id = await first.getAttribute('data-airing');
  await first.getByRole('button', { name: 'Dời' }).click();
  await first.getByLabel('Ngày phát mới (dd/mm/yyyy)').fill(`02/${month.slice(5)}/${month.slice(0, 4)}`);
  await first.getByLabel('Giờ phát mới (HH:MM)').fill('06:15');
  await first.getByRole('button', { name: 'Lưu' }).click();
  await page.locator(`.day[data-date="${month}-02"] li[data-airing="${id}"]`).waitFor();
  await page.getByRole('button', { name: 'Công bố lịch' }).click();
  await page.getByText(/Đã công bố phiên bản 1: 3 lần phát mới/).waitFor();
  await shot(page, 'planner-published');
  await page.context().close();
}

// Technician: an emergency to every commune, confirmed twice, then stopped.
async function technicianEmergency(browser, base) {
  const page = await login(browser, base, 'ktv.lan');
  await page.goto(base + '/#/emergency');
  await page.getByText('Không có phát khẩn cấp nào trong 6 giờ qua.').waitFor();
  await page.getByRole('button', { name: 'Phát khẩn cấp…' }).click();
  await page.getByText(/Xác nhận lần 1: phát ngay “Gương sáng Nà Pài” tới TẤT CẢ các xã/).waitFor();
  await page.getByRole('button', { name: 'Tôi xác nhận' }).click();
  await page.getByRole('button', { name: 'Phát ngay' }).click();
  await page.getByText('Đã phát khẩn cấp.').waitFor();
  const live = page.locator('section[data-airing]');
  await live.first().waitFor();
  assert.equal(await live.count(), 1);
  await shot(page, 'emergency');
  await live.getByRole('button', { name: 'Dừng phát' }).click();
  await page.getByText('Đã gửi lệnh dừng.').waitFor();
  await page.context().close();
}

// Operator of Bằng Khánh: sees the airing for their commune, not the one for Xuân Lạc, and the
// API refuses them the other commune's data.
async function operatorView(browser, base) {
  // A commune officer works on a phone.
  const page = await login(browser, base, 'canbo.bangkhanh', { width: 390, height: 844 });
  await page.getByRole('heading', { name: 'Bảy ngày tới' }).waitFor();
  await page.locator('tr', { hasText: 'Gương sáng Nà Pài' }).first().waitFor();
  const body = await page.locator('main').textContent();
  assert.ok(!body.includes('Bản Chang'), 'another commune\'s box on the operator page');
  assert.equal(await page.locator('tr[data-airing]', { hasText: '23:30' }).count(), 0,
    'Xuân Lạc\'s airing shown to Bằng Khánh');
  await shot(page, 'operator-phone');
  const status = await page.evaluate(async () => {
    const today = new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10);
    const get = async (u) => {
      const r = await fetch(u);
      return { s: r.status, j: await r.json().catch(() => null) };
    };
    return {
      other: (await get('/api/v1/airings?from=' + today + '&commune=' + encodeURIComponent('Xuân Lạc'))).s,
      boxes: (await get('/api/v1/boxes')).j.boxes.map((b) => b.commune),
      plans: (await get('/api/v1/plans/' + today.slice(0, 7))).s,
      report: (await get('/api/v1/reports/' + today.slice(0, 7))).s,
    };
  });
  assert.equal(status.other, 403);
  assert.deepEqual([...new Set(status.boxes)], ['Bằng Khánh']);
  assert.equal(status.plans, 403);
  assert.equal(status.report, 403);
  await page.context().close();
}

// Real loudspeaker boxes: a loalang-player for Nà Pài (writing WAV files) and one for Bản Chang
// (fakesink: real timing, no sound) pull their schedule from the daemon; an airing for every
// commune is published by the CLI a few seconds ahead; both play it and report. Nà Mèo is
// registered but runs no player. Returns the airing and its month.
async function playersPlay(tech, base, tokens, players) {
  const napaiWav = join(dir, 'na-pai', 'out.wav');
  players.push(startPlayer(PLAYER, { base, token: tokens.napai, dir, name: 'na-pai',
    output: 'file:' + napaiWav }));
  players.push(startPlayer(PLAYER, { base, token: tokens.banchang, dir, name: 'ban-chang',
    output: 'fake' }));
  const piece = (await tech('GET', '/api/v1/pieces?status=approved')).body.pieces[0];
  // Time for the players to start, fetch the manifest and the media and preroll (3 s ahead).
  const at = Math.ceil((Date.now() + 20000) / 1000) * 1000;
  const airing = cli(['airing', 'add', '--piece', piece.id, '--at', rfc3339(at)]);
  const day = vnDay(at);
  let plays = [];
  const deadline = at + piece.duration_ms + 60000;
  while (Date.now() < deadline) {
    const { airings } = (await tech('GET', `/api/v1/airings?from=${day}&to=${day}&plays=1`)).body;
    plays = (airings.find((a) => a.id === airing) || { plays: [] }).plays;
    if (plays.length >= 2) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.deepEqual(plays.map((p) => [p.box, p.outcome]).sort(),
    [['Bản Chang', 'completed'], ['Nà Pài', 'completed']], 'the players\' reports');
  for (const p of plays) {
    assert.ok(Math.abs(Date.parse(p.started) - at) < 1000, `${p.box} started on time: ${p.started}`);
    assert.ok(p.played_ms >= piece.duration_ms - 500 && p.played_ms <= piece.duration_ms, `${p.box} played_ms`);
  }
  // What Nà Pài sent to its "amplifier": a WAV of the whole piece (16-bit mono 48 kHz: 96 bytes a ms).
  const wav = napaiWav.replace(/\.wav$/, `-${airing}.wav`);
  assert.ok(existsSync(wav), 'Nà Pài wrote ' + wav);
  assert.ok(statSync(wav).size > piece.duration_ms * 48, 'the WAV holds the piece');
  return { airing, month: day.slice(0, 7) };
}

async function approverReport(browser, base, month, played) {
  const page = await login(browser, base, 'noivu.hoa');
  // Nà Pài and Bản Chang run players: online; Nà Mèo never connected.
  await page.goto(base + '/#/boxes');
  // (a row holds the title of its last play, "Gương sáng Nà Pài": match the name's own cell)
  const box = (name) => page.locator('tr[data-box]')
    .filter({ has: page.getByRole('cell', { name, exact: true }) });
  await box('Nà Pài').getByText('Trực tuyến').waitFor();
  await box('Bản Chang').getByText('Trực tuyến').waitFor();
  await box('Nà Mèo').getByText('Chưa kết nối lần nào').waitFor();
  await shot(page, 'boxes');
  await page.goto(base + '/#/report');
  // The evidence behind the figures: the airing the players reported, box by box.
  await showReport(page, played.month);
  const ev = page.locator(`details[data-airing="${played.airing}"]`);
  await ev.locator('summary').click();
  assert.match(await ev.locator('summary').textContent(), /2\/3 cụm loa · chưa đạt/);
  for (const box of ['Nà Pài', 'Bản Chang']) {
    const row = ev.locator('tr', { hasText: box });
    await row.waitFor();
    assert.match(await row.textContent(), /Đã phát.*Phát trọn.*0:12$/, box);
  }
  assert.match(await ev.locator('tr', { hasText: 'Nà Mèo' }).textContent(), /Không có báo cáo/);
  await shot(page, 'approver-evidence');
  await showReport(page, month);
  const csv = await page.evaluate(async (u) => {
    const r = await fetch(u);
    return { s: r.status, bom: new Uint8Array(await r.arrayBuffer()).slice(0, 3).join(',') };
  }, await page.getByRole('link', { name: 'Tải CSV', exact: true }).getAttribute('href'));
  assert.equal(csv.s, 200);
  assert.equal(csv.bom, '239,187,191');
  await shot(page, 'approver-report');
  // The A4 acceptance record: the print button, then the page as printed on A4.
  await page.evaluate(() => { window.print = () => { window.printed = true; }; });
  await page.getByRole('button', { name: 'In biên bản nghiệm thu (A4)' }).click();
  assert.equal(await page.evaluate(() => window.printed), true);
  await page.getByRole('heading', { name: 'BIÊN BẢN NGHIỆM THU' }).waitFor();
  assert.match(await page.locator('.acceptance').textContent(), /Hợp đồng đặt hàng 2026.*ĐẠI DIỆN BÊN A.*ĐẠI DIỆN BÊN B/s);
  await page.emulateMedia({ media: 'print' });
  await page.screenshot({ path: join(ARTIFACTS, 'acceptance-record.png'), fullPage: true });
  await page.pdf({ path: join(ARTIFACTS, 'acceptance-record.pdf'), format: 'A4' });
  await page.emulateMedia({ media: 'screen' });
  await page.goto(base + '/#/contracts');
  await page.getByRole('heading', { name: 'Hợp đồng đặt hàng 2026' }).waitFor();
  await shot(page, 'approver-contracts');
  await page.context().close();
}

async function adminBoxes(browser, base) {
  const page = await login(browser, base, 'admin');
  await page.goto(base + '/#/admin');
  await page.getByRole('heading', { name: 'Người dùng' }).waitFor();
  await page.getByLabel('Tên cụm loa', { exact: true }).fill('Cụm loa thôn Khuổi Ma');
  await page.getByLabel('Xã', { exact: true }).last().selectOption('Xuân Lạc');
  await page.getByRole('button', { name: 'Đăng ký cụm loa' }).click();
  const token = await page.getByTestId('box-token').textContent();
  assert.ok(token.length >= 20, 'box token shown once');
  await shot(page, 'admin');
  await page.context().close();
}

// Technician: the programmes page: add one (weekdays, time, length, communes), an overlap
// refused with the other programme named in Vietnamese, edit (time, targets to a box), delete;
// the admin sees the page too, on a phone.
async function technicianPrograms(browser, base) {
  const page = await login(browser, base, 'ktv.lan');
  await page.goto(base + '/#/programs');
  await page.locator('tr[data-program]', { hasText: 'Bản tin sáng' }).waitFor();
  const add = page.getByRole('form', { name: 'Thêm chương trình' });
  await add.getByLabel('Tên chương trình').fill('Thời sự chiều');
  await add.getByLabel('Giờ bắt đầu (HH:MM)').fill('17:00');
  await add.getByLabel('Thời lượng (phút)').fill('20');
  await add.getByLabel('Thứ Bảy').uncheck();
  await add.getByLabel('Chủ nhật').uncheck();
  await add.getByLabel('Chọn xã').check();
  await add.getByLabel('Xuân Lạc').check();
  await add.getByRole('button', { name: 'Thêm chương trình' }).click();
  await page.getByText('Đã thêm chương trình “Thời sự chiều”.').waitFor();
  const row = page.locator('tr[data-program]', { hasText: 'Thời sự chiều' });
  assert.match(await row.textContent(), /T2, T3, T4, T5, T6.*17:00.*20 phút.*Các xã: Xuân Lạc/);
  const stored = async () => (await page.evaluate(async () =>
    (await (await fetch('/api/v1/programs')).json()).programs)).find((p) => p.title === 'Thời sự chiều');
  let p = await stored();
  assert.deepEqual(p.weekdays, ['mon', 'tue', 'wed', 'thu', 'fri']);
  assert.deepEqual(p.targets, { kind: 'communes', communes: ['Xuân Lạc'] });
  assert.equal(p.length, 20);
  // 06:10 every day everywhere overlaps "Bản tin sáng": refused, naming it, nothing stored.
  const fresh = page.getByRole('form', { name: 'Thêm chương trình' });
  await fresh.getByLabel('Tên chương trình').fill('Tin trùng giờ');
  await fresh.getByLabel('Giờ bắt đầu (HH:MM)').fill('06:10');
  await fresh.getByRole('button', { name: 'Thêm chương trình' }).click();
  const refused = fresh.locator('.notice.error');
  await refused.waitFor();
  assert.match(await refused.textContent(), /trùng giờ với chương trình “Bản tin sáng”/);
  assert.equal(await page.locator('tr[data-program]').count(), 2);
  // Edit: later, and only for one box.
  await row.getByRole('button', { name: 'Sửa' }).click();
  const edit = page.getByRole('form', { name: 'Sửa chương trình Thời sự chiều' });
  await edit.getByLabel('Giờ bắt đầu (HH:MM)').fill('17:30');
  await edit.getByLabel('Chọn cụm loa').check();
  await edit.getByLabel('Bản Chang').check();
  await edit.getByRole('button', { name: 'Lưu chương trình' }).click();
  await page.getByText('Đã lưu chương trình “Thời sự chiều”.').waitFor();
  assert.match(await row.textContent(), /17:30.*Các cụm loa: Bản Chang/);
  p = await stored();
  assert.equal(p.start, '17:30');
  assert.deepEqual(p.targets, { kind: 'boxes', boxes: ['Bản Chang'] });
  assert.equal(p.length, 20);
  await shot(page, 'programs');
  await row.getByRole('button', { name: 'Xoá' }).click(); // the confirm dialog is accepted
  await page.getByText('Đã xoá chương trình “Thời sự chiều”.').waitFor();
  await row.waitFor({ state: 'detached' });
  assert.equal(await stored(), undefined);
  await page.context().close();
  // The admin sees the page too, here on a phone: nothing wider than the screen.
  const admin = await login(browser, base, 'admin', { width: 390, height: 844 });
  await admin.goto(base + '/#/programs');
  await admin.locator('tr[data-program]', { hasText: 'Bản tin sáng' }).waitFor();
  assert.ok(await admin.evaluate(() => document.documentElement.scrollWidth <= 390), 'page wider than a phone');
  await shot(admin, 'programs-phone');
  await admin.context().close();
}

function monthAfter(month) {
  const [y, m] = month.split('-').map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

// Technician: constraints of a plan item in another month: date window, commune, pins (one
// to a day and programme, one to a day; a pin outside the window refused), the fill places
// the pinned airings on their days, and the slots' fill levels survive a reload.
async function technicianPins(browser, base, month) {
  const [yyyy, mm] = month.split('-');
  const dm = (d) => `${d}/${mm}/${yyyy}`;
  const days = new Date(Date.UTC(+yyyy, +mm, 0)).getUTCDate();
  const page = await login(browser, base, 'ktv.lan');
  await page.goto(base + '/#/planner/' + month);
  await page.getByRole('heading', { name: `Kế hoạch ${mm}/${yyyy}` }).waitFor();
  // No plan yet: the calendar already shows the month's slots of "Bản tin sáng", empty.
  const meters = () => page.locator('.slot meter').evaluateAll((els) => els.map((e) => e.value));
  assert.deepEqual(await meters(), new Array(days).fill(0));
  const add = page.getByRole('form', { name: 'Thêm tin bài vào kế hoạch' });
  await add.getByLabel('Tin bài đã duyệt').selectOption({ label: 'Gương sáng Nà Pài (0:12)' });
  await add.getByLabel('Số lần phát').fill('3');
  await add.getByLabel('Phát từ ngày (dd/mm/yyyy)').fill(dm('05'));
  await add.getByLabel('Đến ngày (dd/mm/yyyy)').fill(dm('20'));
  await add.getByLabel('Bằng Khánh').check();
  await add.getByRole('button', { name: 'Thêm ngày ghim' }).click();
  await add.getByLabel('Ngày ghim (dd/mm/yyyy)').fill(dm('10'));
  await add.getByLabel('Chương trình của ngày ghim').selectOption({ label: 'Bản tin sáng (06:00)' });
  await add.getByRole('button', { name: 'Thêm vào kế hoạch' }).click();
  const row = page.locator('tr[data-item]', { hasText: 'Gương sáng Nà Pài' });
  await row.waitFor();
  assert.match(await row.textContent(),
    new RegExp(`${dm('05')} – ${dm('20')}Bằng Khánh${dm('10')} \\(Bản tin sáng \\(06:00\\)\\)`));
  const item = async () => page.evaluate(async (m) =>
    (await (await fetch('/api/v1/plans/' + m)).json()).items[0], month);
  const prog = (await item()).pins[0].program;
  assert.ok(prog, 'the pin names the programme');
  // A second pin outside the date window: the server's refusal, nothing changed.
  await row.getByRole('button', { name: 'Sửa ràng buộc' }).click();
  const edit = page.getByRole('form', { name: 'Ràng buộc của “Gương sáng Nà Pài”' });
  await edit.getByRole('button', { name: 'Thêm ngày ghim' }).click();
  await edit.getByLabel('Ngày ghim (dd/mm/yyyy)').last().fill(dm('25'));
  await edit.getByRole('button', { name: 'Lưu ràng buộc' }).click();
  const refused = edit.locator('.notice.error');
  await refused.waitFor();
  assert.match(await refused.textContent(), /[ạảấầẩậắằẳặẹẻếềểệịọỏốồổộớờởợụủứừửựỳỷỹđ]/);
  assert.equal((await item()).pins.length, 1);
  await edit.getByLabel('Ngày ghim (dd/mm/yyyy)').last().fill(dm('15'));
  await edit.getByRole('button', { name: 'Lưu ràng buộc' }).click();
  await page.getByText('Đã lưu ràng buộc của “Gương sáng Nà Pài”. Hãy xếp lịch lại.').waitFor();
  const it = await item();
  assert.deepEqual(it.pins, [{ day: `${month}-10`, program: prog }, { day: `${month}-15`, program: null }]);
  assert.deepEqual(it.communes, ['Bằng Khánh']);
  // The fill: the pinned airings on their days, the third inside the window.
  await page.getByRole('button', { name: 'Xếp lịch tự động' }).click();
  const aired = page.locator('.day li[data-airing]');
  await aired.nth(2).waitFor();
  assert.equal(await aired.count(), 3);
  await page.locator(`.day[data-date="${month}-10"] .slot li[data-pinned]`).waitFor();
  await page.locator(`.day[data-date="${month}-15"] .slot li[data-pinned]`).waitFor();
  assert.equal(await page.locator('li[data-pinned]').count(), 2);
  const on = await aired.evaluateAll((els) => els.map((e) => e.closest('.day').dataset.date.slice(8)));
  for (const d of on) assert.ok(d >= '05' && d <= '20', 'airing outside the window on ' + d);
  const before = await meters();
  assert.equal(before.filter((v) => v > 0).length, 3, 'three slots hold an airing');
  assert.ok(before[9] > 0, 'the pinned slot of the 10th is filled');
  await shot(page, 'planner-pins');
  // A reload shows the same month, airings and fill levels (read back from the server).
  await page.reload();
  await page.getByRole('heading', { name: `Kế hoạch ${mm}/${yyyy}` }).waitFor();
  await aired.nth(2).waitFor();
  assert.deepEqual(await meters(), before);
  assert.equal(await page.locator('li[data-pinned]').count(), 2);
  await page.context().close();
}

// Technician: an emergency piece uploaded on the emergency page cannot air before Phòng Nội
// vụ approves it (the API refuses it, the page says so); once approved in the review queue
// it is selected, sent to one commune after two confirmations, a box's report shows, stopped.
async function technicianEmergencyUpload(browser, base) {
  const wav = join(dir, 'canh-bao.wav');
  assert.equal(spawnSync('sox', ['-n', '-r', '16000', '-c', '1', wav, 'synth', '25', 'sine', '500-700',
    'vol', '0.4']).status, 0, 'sox');
  const page = await login(browser, base, 'ktv.lan');
  await page.goto(base + '/#/emergency');
  const up = page.getByRole('form', { name: 'Hoặc tải lên tin khẩn cấp mới' });
  await up.getByText(/phải được Phòng Nội vụ duyệt trước khi phát, kể cả tin khẩn cấp/).waitFor();
  await up.getByLabel('Tiêu đề').fill('Cảnh báo lũ quét');
  await up.getByLabel('Tệp âm thanh').setInputFiles(wav);
  await up.getByRole('button', { name: 'Tải lên' }).click();
  await up.getByTestId('ingest-result').waitFor({ timeout: 60000 });
  const waiting = page.getByRole('region', { name: 'Tin khẩn cấp chưa được duyệt' });
  await waiting.locator('li', { hasText: 'Cảnh báo lũ quét' }).getByText('Chờ duyệt').waitFor();
  const send = page.getByRole('region', { name: 'Phát khẩn cấp' });
  const options = () => send.getByLabel('Tin bài đã duyệt').locator('option').allTextContents();
  assert.ok(!(await options()).some((t) => t.includes('Cảnh báo lũ quét')), 'unapproved piece offered');
  // What the page does not offer, the API refuses.
  const tech = await apiLogin(base, 'ktv.lan');
  const pending = (await tech('GET', '/api/v1/pieces?status=submitted')).body.pieces
    .find((p) => p.title === 'Cảnh báo lũ quét');
  assert.equal(pending.priority, 'emergency');
  const refused = await tech('POST', '/api/v1/emergency', { piece: pending.id, targets: { kind: 'all' } });
  assert.equal(refused.status, 400);
  assert.equal(refused.body.error.code, 'piece_not_approved');
  // Phòng Nội vụ: the urgent piece heads the queue, marked; approved.
  const appr = await login(browser, base, 'noivu.hoa');
  const card = appr.locator('article.piece').first();
  await card.getByRole('heading', { name: 'Cảnh báo lũ quét' }).waitFor();
  await card.getByText('Tin khẩn cấp: cần duyệt gấp để phát ngay').waitFor();
  await card.getByRole('button', { name: 'Duyệt', exact: true }).click();
  await appr.locator('article.piece', { hasText: 'Cảnh báo lũ quét' }).waitFor({ state: 'detached' });
  await appr.context().close();
  // The page notices (it refreshes every 5 s) and selects it.
  await page.getByText('Tin “Cảnh báo lũ quét” đã được duyệt và đã được chọn để phát.').waitFor();
  assert.equal(await send.getByLabel('Tin bài đã duyệt').inputValue(), pending.id);
  await send.getByLabel('Chọn xã').check();
  await send.getByLabel('Bằng Khánh').check();
  await send.getByRole('button', { name: 'Phát khẩn cấp…' }).click();
  await send.getByText('Xác nhận lần 1: phát ngay “Cảnh báo lũ quét” tới các xã: Bằng Khánh?',
    { exact: false }).waitFor();
  await send.getByRole('button', { name: 'Tôi xác nhận' }).click();
  await send.getByRole('button', { name: 'Phát ngay' }).click();
  await page.getByText('Đã phát khẩn cấp.').waitFor();
  const live = page.locator('section[data-airing]', { hasText: 'Cảnh báo lũ quét' });
  await live.waitFor();
  const id = await live.getAttribute('data-airing');
  const airing = (await tech('GET', '/api/v1/emergency')).body.emergencies.find((a) => a.id === id);
  assert.deepEqual(airing.targets, { kind: 'communes', names: ['Bằng Khánh'] });
  // Nà Pài's real player (Bằng Khánh) plays it at once and reports it; Bản Chang (Xuân Lạc)
  // is not a target.
  // While it plays, the box's status names the airing: the page shows it playing.
  await live.locator('tr', { hasText: 'Nà Pài' }).getByText('Đang phát').waitFor({ timeout: 20000 });
  await shot(page, 'emergency-upload');
  await live.getByRole('button', { name: 'Dừng phát' }).click();
  await page.getByText('Đã gửi lệnh dừng.').waitFor();
  // Cut by the stop: reported partial, once.
  await live.locator('tr', { hasText: 'Nà Pài' }).getByText('Phát một phần').waitFor({ timeout: 30000 });
  assert.equal(await live.locator('tr', { hasText: 'Nà Pài' }).count(), 1, 'Nà Pài listed twice');
  assert.equal(await live.locator('tr', { hasText: 'Bản Chang' }).count(), 0, 'a box not targeted played');
  await page.context().close();
}

async function main() {
  cli(['init']);
  cli(['commune', 'add', 'Bằng Khánh']);
  cli(['commune', 'add', 'Xuân Lạc']);
  for (const [name, role, commune] of [['admin', 'admin'], ['ktv.lan', 'technician'],
    ['noivu.hoa', 'approver'], ['canbo.bangkhanh', 'operator', 'Bằng Khánh']])
    cli(['user', 'add', name, '--role', role, ...(commune ? ['--commune', commune] : [])], PASSWORD + '\n');
  const tokens = { napai: cli(['box', 'add', 'Nà Pài', '--commune', 'Bằng Khánh']),
    banchang: cli(['box', 'add', 'Bản Chang', '--commune', 'Xuân Lạc']) };
  cli(['box', 'add', 'Nà Mèo', '--commune', 'Xuân Lạc']);
  const wav = join(dir, 'guong-sang.wav');
  const sox = spawnSync('sox', ['-n', '-r', '16000', '-c', '1', wav, 'synth', '12', 'sine', '300-900',
    'vol', '0.4']);
  assert.equal(sox.status, 0, 'sox');

  const { proc, base } = await startDaemon();
  let browser;
  const players = [];
  try {
    const month = nextMonth();
    const tech = await apiLogin(base, 'ktv.lan');
    const prog = await tech('POST', '/api/v1/programs', { title: 'Bản tin sáng',
      weekdays: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '06:00', length: 30,
      valid_from: vnDay(Date.now()), valid_until: null, targets: { kind: 'all' }, intro: null, outro: null });
    assert.equal(prog.status, 201, JSON.stringify(prog.body));
    const appr = await apiLogin(base, 'noivu.hoa');
    const con = await appr('POST', '/api/v1/contracts', { title: 'Hợp đồng đặt hàng 2026',
      from: month + '-01', until: month + '-28', reach_permille: 800, lines: [{ genre: 'report',
        pieces_per_month: 1, pieces_per_period: 0, airings_per_piece: 3, min_ms: 5000, max_ms: 600000 }] });
    assert.equal(con.status, 201, JSON.stringify(con.body));
    await staticFiles(base);

    browser = await launchBrowser(CHROMIUM);
    await technicianUpload(browser, base, wav);
    await approverReview(browser, base);
    await technicianPrograms(browser, base);
    await technicianPlan(browser, base, month);
    await technicianPins(browser, base, monthAfter(month));

    const played = await playersPlay(tech, base, tokens, players);

    // This week's schedule for the operator: one airing per commune today (or tomorrow, late
    // in the evening), added by hand to the current month and published.
    const piece = (await tech('GET', '/api/v1/pieces?status=approved')).body.pieces[0].id;
    const when = Date.now() + 3600e3;
    const day = vnDay(when);
    const thisMonth = day.slice(0, 7);
    for (const [commune, hhmm] of [['Bằng Khánh', '23:00'], ['Xuân Lạc', '23:30']]) {
      const r = await tech('POST', `/api/v1/plans/${thisMonth}/airings`, { piece,
        start: `${day}T${hhmm}:00+07:00`, targets: { kind: 'communes', communes: [commune] } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    const pub = await tech('POST', `/api/v1/plans/${thisMonth}/publish`);
    assert.equal(pub.status, 200, JSON.stringify(pub.body));
    await operatorView(browser, base);
    await approverReport(browser, base, month, played);
    await technicianEmergency(browser, base);
    await technicianEmergencyUpload(browser, base);
    await adminBoxes(browser, base);
    assert.deepEqual(pageErrors, [], 'errors in the pages');
    console.log('web: every journey passed; screenshots in ' + ARTIFACTS);
  } finally {
    if (browser) await browser.close();
    // Players first (each reports what it was playing and exits 0), then the daemon, whatever
    // happened to the players.
    const stops = await Promise.allSettled(players.map(stopPlayer));
    const code = await terminate(proc);
    for (const s of stops) if (s.status === 'rejected') throw s.reason;
    // A clean stop, and under the sanitizers no report (they make the exit status non-zero).
    assert.equal(code, 0, 'loalangd exit status');
  }
}

await runMain('web', dir, main);
