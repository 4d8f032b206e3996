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
    '/static/../api_web.c', '/../daemon/api_web.c'])
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
    await technicianPlan(browser, base, month);

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
