// The airtime report's figures as Phòng Nội vụ reads them in the browser, against a fixture
// month whose figures are worked out by hand below (docs/architecture.md §6): box airtime, programme
// airtime with the 80 % rule, the 90 % rule for partial plays, per-line figures and
// percentages, coverage per commune and "each commune at least one exemplar this year", pieces
// outside their genre's duration bounds, the evidence, and the CSV downloads.
// Usage: node tests/web/report.mjs --loalangd BUILD/loalangd [--chromium PATH]
// The fixture goes in through the CLI (communes, boxes, pieces) and the HTTP API (contract,
// airings, publish); the plays are sent over the box protocol with chosen played_ms, since
// exact partial durations are the point. Nothing expected here is read from the program.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { PASSWORD, options, launchBrowser, dataDir, terminate, vnDay, apiLogin, postPlays,
  pageErrors, shot, login, runMain, showReport } from './lib.mjs';

const { loalangd: LOALANGD, chromium: CHROMIUM } = options('report.mjs', ['loalangd']);
const { dir, cli, startDaemon } = dataDir(LOALANGD, 'loalang-report-');

// Next calendar year, so that every airing lies ahead (boxes may report them; nothing of the
// run's own days leaks in) and the figures do not depend on the day the test runs. Its March
// is the report month; its January holds an exemplar of Xuân Lạc (the year rule).
const Y = Number(vnDay(Date.now()).slice(0, 4)) + 1;
const M = `${Y}-03`;
const at = (month, day) => `${month}-${String(day).padStart(2, '0')}T06:00:00+07:00`;

// Communes and boxes: Bằng Lãng a1…a5, Xuân Lạc b1, Đồng Lạc c1 (7 boxes in all).
const A = 'Bằng Lãng', B = 'Xuân Lạc', C = 'Đồng Lạc';
const BOXES = { a1: [A, 'Nà Mu'], a2: [A, 'Khuổi Đeng'], a3: [A, 'Bản Pjạc'], a4: [A, 'Nà Làng'],
  a5: [A, 'Cốc Phấy'], b1: [B, 'Nà Ngần'], c1: [C, 'Phja Khao'] };
const name = (k) => BOXES[k][1];

// Pieces, generated at 48 kHz so that the ingested duration is exact (checked below).
// Contract lines: news 2 pieces a month × 2 airings, 20–45 s; report 1 a month × 1, 30–600 s;
// interviews have no line.
const PIECES = {
  p1: { title: 'Gương sáng Bằng Lãng', genre: 'news', s: 30, exemplar: 'Ông Hoàng Văn Nghĩa', commune: A },
  p2: { title: 'Tin dài về phòng chống bão', genre: 'news', s: 54 }, // 54 s > 45 s: out of bounds
  p3: { title: 'Phóng sự chuyển đổi số', genre: 'report', s: 60 },
  p4: { title: 'Gương sáng Xuân Lạc', genre: 'interview', s: 24, exemplar: 'Bà Nông Thị Hoa', commune: B },
  p5: { title: 'Phỏng vấn bí thư chi bộ', genre: 'interview', s: 24 },
};

// The airings and what every target box reports. [outcome, played seconds]; a box not listed
// reports nothing.
//   X0 p4, 10/01, box b1: completed (January: outside the report, but Xuân Lạc's exemplar
//      reaches it this year)
//   X1 p1, 05/03, commune A (5 boxes): a1–a4 completed, a5 nothing → 4/5 = 80 % ≥ 80 %: reached
//   X2 p1, 06/03, all (7): a1, a4, c1 completed; a2 partial 27 s = 90 % of 30 s ≥ 90 %: reached;
//      a3 partial 26.999 s < 90 %: airtime but no reach; b1 missed; a5 nothing
//      → 4/7 = 57 %: not reached
//   X3 p2, 07/03, box b1: completed → 1/1 reached
//   X4 p3, 08/03, all (7): a1–a5, c1 completed; b1 partial 30 s of 60 (50 %) → 6/7 = 86 %: reached
//   X5 p3, 09/03, commune B (b1): failed → 0/1: not reached
//   X6 p5, 11/03, box c1: completed → reached
//   W  p3, 10/03, all: published, then removed and published again (withdrawn): not counted
const AIRINGS = {
  X0: { piece: 'p4', month: `${Y}-01`, day: 10, targets: { kind: 'boxes', boxes: [name('b1')] },
    plays: { b1: ['completed', 24] } },
  X1: { piece: 'p1', day: 5, targets: { kind: 'communes', communes: [A] },
    plays: { a1: ['completed', 30], a2: ['completed', 30], a3: ['completed', 30], a4: ['completed', 30] } },
  X2: { piece: 'p1', day: 6, targets: { kind: 'all' },
    plays: { a1: ['completed', 30], a2: ['partial', 27], a3: ['partial', 26.999], a4: ['completed', 30],
      b1: ['missed', 0], c1: ['completed', 30] } },
  X3: { piece: 'p2', day: 7, targets: { kind: 'boxes', boxes: [name('b1')] }, plays: { b1: ['completed', 54] } },
  X4: { piece: 'p3', day: 8, targets: { kind: 'all' },
    plays: { a1: ['completed', 60], a2: ['completed', 60], a3: ['completed', 60], a4: ['completed', 60],
      a5: ['completed', 60], b1: ['partial', 30], c1: ['completed', 60] } },
  X5: { piece: 'p3', day: 9, targets: { kind: 'communes', communes: [B] }, plays: { b1: ['failed', 0] } },
  X6: { piece: 'p5', day: 11, targets: { kind: 'boxes', boxes: [name('c1')] }, plays: { c1: ['completed', 24] } },
  W: { piece: 'p3', day: 10, targets: { kind: 'all' }, plays: {} },
};

// ---- The figures, by hand (ms) ----
// Box airtime: every completed or partial play's played_ms (failed and missed add nothing):
//   X1 4 × 30 000 = 120 000
//   X2 30 000 + 27 000 + 26 999 + 30 000 + 30 000 (c1) = 143 999
//   X3 54 000;  X4 5 × 60 000 + 30 000 + 60 000 = 390 000;  X5 0;  X6 24 000
//   total 120 000 + 143 999 + 54 000 + 390 000 + 24 000 = 731 999 ms = 12.19998 min → "12,2 phút"
// Programme airtime: durations of reached airings X1 + X3 + X4 + X6
//   = 30 000 + 54 000 + 60 000 + 24 000 = 168 000 ms = 2.8 min → "2,8 phút"
// Airings of March: X1…X6 = 6 scheduled (W withdrawn, X0 in January), 4 reached.
// Lines (pieces approved: 0 — they were approved today, not in March of next year):
//   news: contracted 2 pieces, 2 × 2 = 4 airings; scheduled X1, X2, X3 = 3; reached X1, X3 = 2;
//     pieces aired p1 (X1), p2 (X3) = 2; minutes scheduled 30 + 30 + 54 = 114 s = 1.9 min,
//     delivered 30 + 54 = 84 s = 1.4 min; 84/114 = 0.73684 → 73.6 % (per-mille rounded down:
//     736); reached 2/4 = 50 %; out of bounds: p2 (54 s > 45 s)
//   report: contracted 1 piece × 1 = 1 airing; scheduled X4, X5 = 2; reached X4 = 1; aired p3;
//     minutes 60 + 60 = 120 s = 2 min, delivered 60 s = 1 min; 60/120 = 50 %; reached 1/1 = 100 %
//   total: pieces 3 / 0 / 3; airings 5 / 5 / 3; 234 s = 3.9 min, 144 s = 2.4 min;
//     144/234 = 0.61538 → 61.5 %; reached 3/5 = 60 %
// Coverage (an airing reaches a commune when ≥ 80 % of its target boxes there reached):
//   Bằng Lãng: 5 boxes; scheduled X1, X2, X4 = 3; reached X1 (4/5), X4 (5/5), not X2 (a1, a2,
//     a4: 3/5 = 60 %) = 2; airtime 120 000 + (30 000 + 27 000 + 26 999 + 30 000) + 300 000
//     = 533 999 ms = 8.89998 min → "8,9 phút"; exemplars heard: p1 = 1; own exemplar (p1, aired): Có
//   Xuân Lạc: 1 box; scheduled X2, X3, X4, X5 = 4; reached X3 only = 1 (X2 missed, X4 50 %,
//     X5 failed); airtime 54 000 + 30 000 = 84 000 = 1.4 min; heard 0; own exemplar in March: Chưa
//   Đồng Lạc: 1 box; scheduled X2, X4, X6 = 3, all reached (c1 completed); airtime
//     30 000 + 60 000 + 24 000 = 114 000 = 1.9 min; heard p1 (X2) = 1; own exemplar: Chưa
//   This year up to March: Bằng Lãng (p1), Xuân Lạc (p4 in January) have theirs; Đồng Lạc not.
// By month: March delivered = programme airtime 168 000 = "2,8 phút".
const EXPECT = {
  summary: { airings: '6 / 4', 'programme-airtime': '2,8 phút', 'box-airtime': '12,2 phút' },
  lines: [
    ['Tin', '2 / 0 / 2', '4 / 3 / 2', '1,9 phút', '1,4 phút', '73,6%', '50%'],
    ['Phóng sự', '1 / 0 / 1', '1 / 2 / 1', '2 phút', '1 phút', '50%', '100%'],
    ['Tổng', '3 / 0 / 3', '5 / 5 / 3', '3,9 phút', '2,4 phút', '61,5%', '60%'],
  ],
  communes: [
    [A, '5', '3', '2', '8,9 phút', '1', 'Có'],
    [B, '1', '4', '1', '1,4 phút', '0', 'Chưa'],
    [C, '1', '3', '3', '1,9 phút', '1', 'Chưa'],
  ],
  year: `Xã chưa có điển hình của xã trong năm ${Y}: ${C}.`,
  outOfBounds: [['Tin', 'Tin dài về phòng chống bão', '0:54']],
  byMonth: ['2,8 phút'],
  byCommune: ['8,9 phút', '1,4 phút', '1,9 phút'],
  // "reached/target boxes · đạt|chưa đạt" of every airing of March, in time order
  evidence: ['4/5 cụm loa · đạt', '4/7 cụm loa · chưa đạt', '1/1 cụm loa · đạt', '6/7 cụm loa · đạt',
    '0/1 cụm loa · chưa đạt', '1/1 cụm loa · đạt'],
  // X2 box by box: [box, result, what the box reported, played]
  x2: [['a1', 'Đã phát', 'Phát trọn', '0:30'], ['a2', 'Đã phát', 'Phát một phần', '0:27'],
    ['a3', 'Phát không đủ', 'Phát một phần', '0:27'], ['a4', 'Đã phát', 'Phát trọn', '0:30'],
    ['a5', 'Không có báo cáo', '—', '—'], ['b1', 'Bỏ lỡ', 'Bỏ lỡ', '0:00'],
    ['c1', 'Đã phát', 'Phát trọn', '0:30']],
  // The CSV: per line pieces contracted, approved, aired; airings contracted, scheduled,
  // reached, missed; minutes scheduled, delivered (one decimal, half up); delivered %, reached %;
  // pieces out of bounds.
  csv: ['Tin,2,0,2,4,3,2,1,1.9,1.4,73.6,50.0,1', 'Phóng sự,1,0,1,1,2,1,1,2.0,1.0,50.0,100.0,0',
    'Tổng cộng,3,0,3,5,5,3,2,3.9,2.4,61.5,60.0,1'],
  // Evidence CSV: one row per (airing, target box): 5 + 7 + 1 + 7 + 1 + 1 = 22.
  evidenceRows: 22,
};

function sox(file, seconds, freq) {
  const r = spawnSync('sox', ['-n', '-r', '48000', '-c', '1', file, 'synth', String(seconds), 'sine',
    freq, 'vol', '0.4']);
  assert.equal(r.status, 0, 'sox');
}

function setUpStore() {
  cli(['init']);
  for (const c of [A, B, C]) cli(['commune', 'add', c]);
  for (const [u, role] of [['ktv.lan', 'technician'], ['noivu.hoa', 'approver']])
    cli(['user', 'add', u, '--role', role], PASSWORD + '\n');
  const tokens = {};
  for (const [k, [commune, box]] of Object.entries(BOXES))
    tokens[k] = cli(['box', 'add', box, '--commune', commune]);
  const ids = {};
  Object.entries(PIECES).forEach(([k, p], i) => {
    const wav = join(dir, k + '.wav');
    sox(wav, p.s, `${300 + 100 * i}-${700 + 100 * i}`);
    ids[k] = cli(['piece', 'import', wav, '--title', p.title, '--genre', p.genre, '--approve',
      ...(p.exemplar ? ['--exemplar', p.exemplar, '--commune', p.commune] : [])]);
  });
  return { tokens, ids };
}

// Contract, airings (published, W withdrawn), then every box's reports over the box protocol.
async function setUpSchedule(base, tokens, ids) {
  const tech = await apiLogin(base, 'ktv.lan');
  const appr = await apiLogin(base, 'noivu.hoa');
  for (const [k, p] of Object.entries(PIECES)) {
    const got = (await tech('GET', '/api/v1/pieces/' + ids[k])).body;
    assert.equal(got.duration_ms, p.s * 1000, `${k}: the arithmetic assumes exactly ${p.s} s`);
    assert.equal(got.status, 'approved');
  }
  const con = await appr('POST', '/api/v1/contracts', { title: `Hợp đồng đặt hàng ${Y}`,
    from: `${Y}-01-01`, until: `${Y}-12-31`, reach_permille: 800, lines: [
      { genre: 'news', pieces_per_month: 2, pieces_per_period: 0, airings_per_piece: 2, min_ms: 20000, max_ms: 45000 },
      { genre: 'report', pieces_per_month: 1, pieces_per_period: 0, airings_per_piece: 1, min_ms: 30000, max_ms: 600000 }] });
  assert.equal(con.status, 201, JSON.stringify(con.body));
  const planned = {};
  for (const [k, a] of Object.entries(AIRINGS)) {
    const month = a.month || M;
    const r = await tech('POST', `/api/v1/plans/${month}/airings`, { piece: ids[a.piece],
      start: at(month, a.day), targets: a.targets });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    planned[k] = r.body.airing.id;
  }
  for (const month of [`${Y}-01`, M]) {
    const pub = await tech('POST', `/api/v1/plans/${month}/publish`);
    assert.equal(pub.status, 200, JSON.stringify(pub.body));
  }
  // W withdrawn by a later version.
  assert.equal((await tech('DELETE', `/api/v1/plans/${M}/airings/${planned.W}`)).status, 200);
  const pub = await tech('POST', `/api/v1/plans/${M}/publish`);
  assert.equal(pub.body.withdrawn, 1, JSON.stringify(pub.body));

  // The published airings (ids, media) by start.
  const live = {};
  for (const [from, to] of [[`${Y}-01-01`, `${Y}-01-31`], [`${M}-01`, `${M}-31`]])
    for (const a of (await tech('GET', `/api/v1/airings?from=${from}&to=${to}`)).body.airings)
      live[Date.parse(a.start)] = a;
  for (const [k, a] of Object.entries(AIRINGS)) {
    const air = live[Date.parse(at(a.month || M, a.day))];
    if (k === 'W') {
      assert.equal(air, undefined, 'W withdrawn');
      continue;
    }
    assert.ok(air, k + ' published');
    for (const [box, [outcome, s]] of Object.entries(a.plays)) {
      const start = Date.parse(air.start), played = Math.round(s * 1000);
      const iso = (ms) => new Date(ms + 7 * 3600e3).toISOString().replace('Z', '+07:00');
      const res = await postPlays(base, tokens[box], [{ id: randomUUID(), airing: air.id,
        media: air.media, scheduled_start: air.start, started_at: air.start, ended_at: iso(start + played),
        played_ms: played, outcome, detail: outcome === 'completed' ? '' : 'kiểm thử' }]);
      assert.equal(res.accepted.length, 1, `${k} ${box}: ${JSON.stringify(res)}`);
    }
  }
}

// The cells of a table (by its caption) as text, row by row.
async function cells(page, caption) {
  const t = page.getByRole('table', { name: caption, exact: true });
  await t.waitFor();
  return t.locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.children].map((td) => td.textContent.trim())));
}

async function download(page, link) {
  const [d] = await Promise.all([page.waitForEvent('download'),
    page.getByRole('link', { name: link, exact: true }).click()]);
  return readFileSync(await d.path());
}

async function approverChecks(browser, base) {
  const page = await login(browser, base, 'noivu.hoa');
  await page.goto(base + '/#/report');
  await showReport(page, M);

  for (const [id, text] of Object.entries(EXPECT.summary))
    assert.equal(await page.getByTestId(id).textContent(), text, id);
  assert.deepEqual(await cells(page, 'Thực hiện theo hợp đồng'), EXPECT.lines, 'contract lines');
  assert.deepEqual(await cells(page, 'Độ phủ theo xã'), EXPECT.communes, 'coverage');
  assert.equal(await page.getByTestId('exemplar-year').textContent(), EXPECT.year);
  assert.deepEqual(await cells(page, 'Tin bài ngoài giới hạn thời lượng'), EXPECT.outOfBounds);
  const chart = (label) => page.locator(`svg[aria-label="${label}"] text.num`).allTextContents();
  assert.deepEqual(await chart('Phút đã phát theo tháng (nền: theo lịch)'), EXPECT.byMonth);
  assert.deepEqual(await chart('Thời lượng phát theo xã'), EXPECT.byCommune);

  // The evidence: every airing of March, and X2 box by box.
  const summaries = (await page.locator('details[data-airing] summary').allTextContents())
    .map((s) => s.split(' · ').slice(2).join(' · '));
  assert.deepEqual(summaries, EXPECT.evidence, 'evidence');
  const x2 = page.locator('details[data-airing]').nth(1);
  await x2.locator('summary').click();
  const rows = await x2.locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.children].map((td) => td.textContent.trim())));
  const byBox = Object.fromEntries(rows.map((r) => [r[0], [r[2], r[3], r[5]]]));
  for (const [k, result, reported, played] of EXPECT.x2)
    assert.deepEqual(byBox[name(k)], [result, reported, played], 'X2 ' + k);
  assert.equal(rows.length, 7);
  await shot(page, 'report-fixture');

  // The acceptance record carries the same per-line figures.
  const record = await page.locator('.acceptance tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.children].map((td) => td.textContent.trim())));
  assert.deepEqual(record, [['Tin', '2 / 2', '4 / 2', '1,9 phút', '1,4 phút', '73,6%'],
    ['Phóng sự', '1 / 1', '1 / 1', '2 phút', '1 phút', '50%'],
    ['Tổng cộng', '3 / 3', '5 / 3', '3,9 phút', '2,4 phút', '61,5%']]);
  assert.match(await page.locator('.acceptance').textContent(), new RegExp(`trong năm ${Y}: ${C}\\.`));

  // The downloads, as a person clicking the links gets them: UTF-8 with BOM, CRLF.
  const csv = await download(page, 'Tải CSV');
  assert.deepEqual([...csv.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'BOM');
  const lines = csv.subarray(3).toString('utf8').split('\r\n');
  assert.match(lines[0], /^Thể loại,/);
  assert.deepEqual(lines.slice(1), [...EXPECT.csv, ''], 'CSV figures');
  const ev = (await download(page, 'Tải CSV bằng chứng')).subarray(3).toString('utf8').split('\r\n');
  assert.equal(ev.length, 1 + EXPECT.evidenceRows + 1, 'evidence CSV rows');
  const x2row = (k) => ev.find((l) => l.includes(`,06/03/${Y},06:00:00,`) && l.includes(',' + name(k) + ','));
  // The 90 % rule at its edge: 27.000 of 30 s reaches, 26.999 does not.
  assert.match(x2row('a2'), /,Đã phát,partial,27\.000,/);
  assert.match(x2row('a3'), /,Phát không đủ,partial,26\.999,/);
  assert.match(x2row('a5'), /,Không có báo cáo,,,$/);
  await page.context().close();
}

async function main() {
  const { tokens, ids } = setUpStore();
  const { proc, base } = await startDaemon();
  let browser;
  try {
    await setUpSchedule(base, tokens, ids);
    browser = await launchBrowser(CHROMIUM);
    await approverChecks(browser, base);
    assert.deepEqual(pageErrors, [], 'errors in the pages');
    console.log('web/report: the page\'s figures match the hand-computed fixture');
  } finally {
    if (browser) await browser.close();
    assert.equal(await terminate(proc), 0, 'loalangd exit status');
  }
}

await runMain('web/report', dir, main);
