// What the browser tests share: options, a temp data dir with the loalangd CLI, the daemon and
// real loalang-player processes, Vietnam-time helpers, an API client for the set-up, the box
// protocol's play reports, chromium, logging in through the page and screenshots.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = join(HERE, 'artifacts');
export const PASSWORD = 'mật khẩu thử 123';

export function arg(name, def) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : def;
}

// The command-line options every script takes; `required` names the ones it cannot run without.
export function options(script, required) {
  const o = {
    loalangd: arg('--loalangd'),
    player: arg('--loalang-player'),
    chromium: arg('--chromium', process.env.CHROMIUM || '/usr/bin/chromium'),
  };
  if (required.some((k) => !o[k])) {
    console.error(`usage: node tests/web/${script} --loalangd PATH` +
      (required.includes('player') ? ' --loalang-player PATH' : '') + ' [--chromium PATH]');
    process.exit(2);
  }
  return o;
}

// Under .ci/date-travel (libfaketime preloaded, FAKETIME set) Chromium hangs if the preload
// reaches it: it runs on the real clock, and every page gets the moved clock from Playwright
// (login), so the browser and the daemon agree on the date.
const DATE_TRAVEL = !!process.env.FAKETIME;
function browserEnv() {
  const env = { ...process.env };
  for (const k of Object.keys(env))
    if (k === 'LD_PRELOAD' || k.startsWith('FAKETIME')) delete env[k];
  return env;
}

// playwright-core, loaded as the scripts import this file, before any of them starts a daemon or
// a player: a script that found it missing later would exit leaving those running, and CTest
// would wait on their output until its timeout instead of failing at once.
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  console.error(`playwright-core cannot be loaded (${e.code || e.message}): run ` +
    '`npm ci --prefix tests/web` (.ci/install-deps does)');
  process.exit(1);
}

export async function launchBrowser(executablePath) {
  return chromium.launch({ executablePath, headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'], env: DATE_TRAVEL ? browserEnv() : undefined });
}

// A fresh temp dir holding the data dir, with the CLI and the daemon bound to it.
export function dataDir(loalangd, prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const data = join(dir, 'data');
  mkdirSync(ARTIFACTS, { recursive: true });
  // Runs `loalangd -d DATA ARGS…`; returns the last line of its output (ids, tokens).
  const cli = (args, input) => {
    const r = spawnSync(loalangd, ['-d', data, ...args], { input: input || '', encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`loalangd ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim().split('\n').pop();
  };
  const startDaemon = () => {
    const p = spawn(loalangd, ['-d', data, 'serve', '--listen', '127.0.0.1:0'],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    return new Promise((resolve, reject) => {
      let out = '';
      p.stdout.on('data', (b) => {
        out += b;
        const m = out.match(/(http:\/\/127\.0\.0\.1:\d+)/);
        if (m) resolve({ proc: p, base: m[1] });
      });
      p.once('exit', (code) => reject(new Error('loalangd exited with ' + code)));
    });
  };
  return { dir, data, cli, startDaemon };
}

// SIGTERM (unless it already ended) and the exit status: 0 is a clean stop, and under the
// sanitizers a report makes it non-zero.
export async function terminate(proc) {
  let code = proc.exitCode ?? proc.signalCode;
  if (code === null) {
    const exited = new Promise((r) => proc.once('exit', (c, sig) => r(sig || c)));
    proc.kill('SIGTERM');
    code = await exited;
  }
  return code;
}

// A real loalang-player for one box: its token in a file, its own state and cache dirs, its
// log in DIR/NAME.log. output: 'fake' or 'file:PATH.wav' (docs/player.md).
export function startPlayer(player, { base, token, dir, name, output }) {
  const home = join(dir, name);
  mkdirSync(home, { recursive: true });
  const tokenFile = join(home, 'token');
  writeFileSync(tokenFile, token + '\n', { mode: 0o600 });
  const log = join(home, 'player.log');
  const fd = openSync(log, 'a');
  const proc = spawn(player, ['--server', base, '--token-file', tokenFile,
    '--state-dir', join(home, 'state'), '--cache-dir', join(home, 'cache'), '--output', output,
    '--poll-seconds', '2'], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return { proc, name, log };
}

// Stops a player as systemd would (SIGTERM) and expects a clean exit; its log on failure.
export async function stopPlayer(p) {
  const code = await terminate(p.proc);
  if (code !== 0) {
    console.error(`--- ${p.name} player log ---\n` + readFileSync(p.log, 'utf8').slice(-4000));
    assert.fail(`loalang-player ${p.name} exit status ${code}`);
  }
}

// Local calendar helpers in the daemon's zone (Asia/Ho_Chi_Minh, UTC+7, no DST).
export const VN_MS = 7 * 3600 * 1000;
export function vnDay(ms) {
  return new Date(ms + VN_MS).toISOString().slice(0, 10);
}
export function nextMonth() {
  const [y, m] = vnDay(Date.now()).split('-').map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}
// An instant as RFC 3339 in Vietnam time, e.g. 2026-12-05T06:00:00.000+07:00.
export function rfc3339(ms) {
  return new Date(ms + VN_MS).toISOString().replace('Z', '+07:00');
}

// A small API client for the set-up, with the session cookie and CSRF token.
export async function apiLogin(base, user) {
  const r = await fetch(base + '/api/v1/session', { method: 'POST',
    headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user, password: PASSWORD }) });
  assert.equal(r.status, 200, 'login ' + user);
  const cookie = r.headers.get('set-cookie').split(';')[0];
  const { csrf_token } = await r.json();
  return async (method, path, body) => {
    const res = await fetch(base + path, { method, headers: { Cookie: cookie, 'X-CSRF-Token': csrf_token,
      'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}

// Play reports sent as a box sends them (docs/architecture.md §5), with the box's own token.
export async function postPlays(base, token, plays) {
  const r = await fetch(base + '/api/v1/box/plays', { method: 'POST',
    headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
    body: JSON.stringify({ plays }) });
  assert.equal(r.status, 200, 'box plays');
  return r.json();
}

// Script errors and CSP violations in any page; a run fails when this is not empty at the end.
export const pageErrors = [];

export async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, name + '.png'), fullPage: true });
}

export async function login(browser, base, user, viewport) {
  const ctx = await browser.newContext({ locale: 'vi-VN', acceptDownloads: true,
    viewport: viewport || { width: 1280, height: 900 }, isMobile: !!viewport, hasTouch: !!viewport });
  if (DATE_TRAVEL)
    await ctx.clock.install({ time: Date.now() }); // node's clock is the moved one
  const page = await ctx.newPage();
  // Script errors and CSP violations fail the run; refused API calls are expected in places.
  page.on('pageerror', (e) => pageErrors.push(user + ': ' + e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
      pageErrors.push(user + ': ' + m.text());
  });
  page.on('dialog', (d) => d.accept());
  await page.goto(base + '/');
  await page.getByLabel('Tên đăng nhập').fill(user);
  await page.getByLabel('Mật khẩu').fill(PASSWORD);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.getByRole('button', { name: 'Đăng xuất' }).waitFor();
  return page;
}

// Runs a script's main; removes the temp dir when it passed, keeps it (and says where) when not.
export async function runMain(tag, dir, main) {
  try {
    await main();
    rmSync(dir, { recursive: true, force: true });
  } catch (e) {
    console.error(tag + ': FAILED:', e.stack || e);
    console.error('data dir kept: ' + dir);
    process.exit(1);
  }
}

// On the report page: shows the period (YYYY-MM) and waits until the page holds its figures
// (the acceptance record names the period), not the previous period's.
export async function showReport(page, month) {
  await page.getByLabel('Kỳ báo cáo', { exact: true }).fill(month);
  await page.getByRole('button', { name: 'Xem báo cáo' }).click();
  // The click's own answer, not an earlier load of the same period (the page's first one).
  await page.locator('#report-out[aria-busy="false"]').waitFor();
  const [y, m] = month.split('-');
  await page.locator('.acceptance', { hasText: `cơ sở tháng ${m}/${y}` }).waitFor();
}
