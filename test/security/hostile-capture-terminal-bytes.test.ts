import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExport } from '../../src/commands/export-command.js';
import { BIN } from '../helpers/recording.js';
import { Tmux } from '../e2e/tmux.js';
import { sha256 } from '../store/helpers.js';
import { PAYLOAD, RAW, ebpfsh, hostileCopy, normalCapture } from './hostile-capture.js';

/** The planted sequences as they would reach a terminal raw (the escaped text `\e]0;owned` is fine; blessed sends its own ESC and BEL). */
const RAW_PAYLOAD = ['\x1b]0;owned', 'owned\x07', '\u009b31m', 'pass\u200dwd', '\u202etxt'];

function noRawBytes(out: string, what: string): void {
  expect(RAW.test(out), `${what}: ${JSON.stringify(out.match(RAW)?.[0])} in ${JSON.stringify(out.slice(0, 400))}`).toBe(false);
}

describe('a capture full of terminal control bytes: every byte from it is escaped on every screen', () => {
  let dir: string;
  let base: string;
  let evil: string;
  let hash: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ebpfsh-sec-term-'));
    base = await normalCapture(dir);
    evil = hostileCopy(base, 'evil.db', (db) => {
      const p = PAYLOAD;
      db.prepare('UPDATE capture SET hostname = ?, kernel_release = ?, tool_version = ?, boot_id = ?, stop_reason = ?, command_line = ?').run(p, p, p.slice(0, 40), p.slice(0, 40), p, JSON.stringify(['ebpfsh', p]));
      db.prepare("INSERT INTO journal (ts, action, probe, filters, clauses, attach_points, detail) VALUES ((SELECT start_ns FROM capture), 'attach', ?, ?, ?, ?, ?)").run(p, p, `[${p}`, p, p);
      db.prepare("INSERT INTO journal (ts, action, probe, detail) VALUES ('soon' || ?, ?, 'opensnoop', ?)").run(p, p, p);
      db.prepare('INSERT INTO losses (probe, cause, start_ns, end_ns, count) VALUES (?, ?, (SELECT start_ns FROM capture), NULL, 3)').run(p, p);
      db.prepare("INSERT INTO losses (probe, cause, start_ns, end_ns, count) VALUES ('opensnoop', 'ringbuf_full', ?, NULL, ?)").run(p, p);
      db.prepare('INSERT INTO notes (ts, text) VALUES ((SELECT start_ns FROM capture), ?)').run(p);
      db.prepare('UPDATE processes SET uid = ?, exit_code = ?, exit_ns = start_ns, comm = ? WHERE pid = 1000').run(p, p, p);
      db.prepare('UPDATE exec SET argv = ?, filename = ?, ret = ?').run(p, p, p);
      db.prepare('UPDATE connect SET dport = ?, daddr = ?, ret = ?').run(p, p, p);
      db.prepare('UPDATE open SET uid = ?, pid = 1000, path = ? WHERE id = 1').run(p, '/etc/pass\u200dwd');
      db.prepare('UPDATE open SET pid = 1000, comm = ?, ret = ? WHERE id = 2').run(p, p);
    });
    hash = sha256(evil);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('info: host, journal (JSON that does not parse), losses probe and cause, notes', () => {
    const r = ebpfsh(['info', evil]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    noRawBytes(r.stdout, 'info');
    expect(r.stdout).toContain('\\e]0;owned\\x07\\u{9b}31m/etc/pass\\u{200d}wd\\u{202e}txt.exe');
    expect(r.stdout).toMatch(/LOSSES[\s\S]*\\e\[2J/);
  });

  it('export NDJSON, and export CSV to a terminal', async () => {
    const nd = ebpfsh(['export', evil]);
    expect(nd.stderr).toBe('');
    expect(nd.code).toBe(0);
    noRawBytes(nd.stdout, 'export');
    expect(nd.stdout).toContain('/etc/pass\\u200dwd');
    let csv = '';
    const tty = Object.assign(new Writable({ write: (c, _e, cb) => ((csv += String(c)), cb()) }), { isTTY: true });
    await runExport(evil, [], { format: 'csv', probe: 'execsnoop' }, tty);
    noRawBytes(csv.replace(/\r\n/g, '\n'), 'export csv to a terminal');
    expect(csv).toContain('\\e]0;owned');
  });

  it('tree: uid, exit status, ret, dport and argv that are text, not numbers or JSON', () => {
    const r = ebpfsh(['tree', evil, '--pid', '1000']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    noRawBytes(r.stdout, 'tree');
    expect(r.stdout).toMatch(/uid NaN|uid \\e\[2J/);
  });

  it('query: every cell and the host label', () => {
    const r = ebpfsh(['query', evil, 'SELECT * FROM journal']);
    expect(r.code).toBe(0);
    noRawBytes(r.stdout + r.rawStderr, 'query');
    const m = ebpfsh(['query', base, evil, 'SELECT DISTINCT host FROM notes']);
    expect(m.code).toBe(0);
    noRawBytes(m.stdout + m.rawStderr, 'merged query');
  });

  it('error messages that quote a schema object\'s name, and a command line that is not JSON', () => {
    const named = hostileCopy(base, 'named.db', (db) => db.exec(`CREATE TABLE "${PAYLOAD}" (x)`));
    for (const cmd of ['info', 'export', 'dash']) {
      const r = ebpfsh([cmd, named]);
      expect(r.code, cmd).not.toBe(0);
      noRawBytes(r.stdout + r.rawStderr, `${cmd} on a hostile table name`);
      if (cmd !== 'dash') expect(r.stderr).toMatch(/unexpected schema \(table \\e\[2J\\e\]0;owned\\x07/);
    }
    const argv = hostileCopy(base, 'argv.db', (db) => db.prepare('UPDATE capture SET command_line = ?').run(PAYLOAD));
    for (const cmd of ['info', 'export']) {
      const r = ebpfsh([cmd, argv]);
      expect(r.code, cmd).not.toBe(0);
      noRawBytes(r.stdout + r.rawStderr, `${cmd} on a command line that is not JSON`);
      expect(r.stderr).toMatch(/damaged capture record \(capture\.command_line must be a JSON array of strings/);
      expect(r.stderr).not.toMatch(/Unexpected token|internal error/);
    }
  });

  it('replay and dash in a real terminal: the title is never set, no planted sequence reaches the pane', async () => {
    for (const cmd of ['replay', 'dash']) {
      const t = new Tmux();
      const bytes = join(dir, `${cmd}.bytes`);
      try {
        t.start(`${BIN} ${cmd} ${evil}`, 160, 45);
        t.pipeTo(bytes);
        if (cmd === 'replay') {
          await t.waitFor('LOSSES', 15_000);
          t.type(':info');
          await t.waitFor('notes', 10_000);
          t.type(':tree 1000');
          await t.waitFor('process and descendants', 10_000);
        } else {
          await t.waitFor('events/s per probe', 15_000);
        }
        const screen = t.screen();
        expect(screen, cmd).toContain('\\e]0;owned');
        expect(t.display('#{pane_title}'), cmd).not.toContain('owned');
        const raw = readFileSync(bytes, 'latin1');
        const rawUtf8 = readFileSync(bytes, 'utf8');
        for (const s of RAW_PAYLOAD) expect(/^[\x00-\x7f]*$/.test(s) ? raw.includes(s) : rawUtf8.includes(s), `${cmd}: ${JSON.stringify(s)}`).toBe(false);
        // Replay's Ctrl-C would only close the :tree pager (and then ask): :quit leaves.
        if (cmd === 'replay') t.type(':quit');
        else t.keys('q');
        await t.waitExit(10_000);
      } finally {
        t.kill();
      }
    }
    expect(sha256(evil)).toBe(hash);
  }, 90_000);

  it('leaves the capture exactly as it was', () => {
    expect(sha256(evil)).toBe(hash);
  });
});
