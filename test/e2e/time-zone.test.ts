import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { BIN, OTHER_BIN, UID_1000_LABEL, recordWhile } from '../helpers/recording.js';
import { describeKernel, hasCommand, run } from '../helpers/kernel.js';
import { Tmux } from './tmux.js';

const AS_USER = 'setpriv --reuid=1000 --regid=1000 --clear-groups';
const sessions: Tmux[] = [];
afterEach(() => {
  for (const t of sessions.splice(0)) t.kill();
});

describeKernel("times: a capture recorded in Tokyo, replayed in New York, shows Tokyo's time and says so", () => {
  let dir: string;
  let pid = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ebpfsh-tz-e2e-'));
    chmodSync(dir, 0o755);
    const was = process.env.TZ;
    process.env.TZ = 'Asia/Tokyo'; // the recorder inherits it: the capture's host zone
    try {
      await recordWhile(join(dir, 'tokyo.db'), ['execsnoop', 'uid=1000'], async () => {
        const w = await run('/bin/true', ['tz-e2e'], { uid: 1000 });
        expect(w.code).toBe(0);
        pid = w.pid;
      });
    } finally {
      if (was === undefined) delete process.env.TZ;
      else process.env.TZ = was;
    }
    copyFileSync(join(dir, 'tokyo.db'), join(dir, 'copy.db'));
    chownSync(join(dir, 'copy.db'), 1000, 1000);
    mkdirSync(join(dir, 'home'));
    chownSync(join(dir, 'home'), 1000, 1000);
  }, 60_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function startReplay(flags: string): Tmux {
    const t = new Tmux();
    sessions.push(t);
    t.start(`cd ${dir} && exec ${AS_USER} env TZ=America/New_York HOME=${dir}/home EBPFSH_HISTORY=${dir}/home/history ${OTHER_BIN} replay ${flags} copy.db`);
    return t;
  }

  it('the new capture verifies intact (its zone is chained)', async () => {
    const v = await run(BIN, ['verify', join(dir, 'tokyo.db')]);
    expect(v.stdout + v.stderr).toMatch(/INTACT/);
    expect(v.code).toBe(0);
  });

  it('replay labels the host zone in its header and event pane; :set tz utc and --utc / --local switch every time', async () => {
    expect(hasCommand('tmux')).toBe(true);
    const t = startReplay('');
    const first = await t.waitFor(/paused (at|in) the /);
    expect(first.split('\n')[0]).toMatch(/\d{4}-\d\d-\d\d [\d:.]+ -> [\d:.]+ \(UTC\+09:00 Asia\/Tokyo\)/);
    expect(first).toMatch(/times in UTC\+09:00 Asia\/Tokyo/);
    const tokyoHour = Number(/ (\d\d):\d\d:\d\d\.\d{3} -> /.exec(first)![1]);
    t.type(':set tz utc');
    const utc = await t.waitFor(/tz utc: times in UTC/);
    expect(utc.split('\n')[0]).toMatch(/ -> [\d:.]+ \(UTC\) /);
    expect(utc).toMatch(/│ times in UTC\b/);
    expect(Number(/ (\d\d):\d\d:\d\d\.\d{3} -> /.exec(utc)![1])).toBe((tokyoHour + 24 - 9) % 24);
    t.type(':set tz mars');
    await t.waitFor(/'mars' is not a zone choice \(usage: set tz utc\|local\|host\)/);
    t.type(':quit');

    const u = startReplay('--utc');
    expect((await u.waitFor(/paused (at|in) the /)).split('\n')[0]).toMatch(/ -> [\d:.]+ \(UTC\) /);
    const l = startReplay('--local');
    expect((await l.waitFor(/paused (at|in) the /)).split('\n')[0]).toMatch(/ -> [\d:.]+ \(UTC-0[45]:00 America\/New_York\) /);
  }, 60_000);

  it('info and tree name the zone (and tree the uid by the host\'s name), and take --utc / --local', async () => {
    const info = await run('env', ['TZ=America/New_York', BIN, 'info', join(dir, 'tokyo.db')]);
    expect(info.stdout).toMatch(/^times {5}UTC\+09:00 Asia\/Tokyo$/m);
    expect(info.stdout).toMatch(/^span {6}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} -> /m);
    expect((await run('env', ['TZ=America/New_York', BIN, 'info', '--utc', join(dir, 'tokyo.db')])).stdout).toMatch(/^times {5}UTC$/m);
    expect((await run('env', ['TZ=America/New_York', BIN, 'info', '--local', join(dir, 'tokyo.db')])).stdout).toMatch(/^times {5}UTC-0[45]:00 America\/New_York$/m);
    const tree = await run('env', ['TZ=America/New_York', BIN, 'tree', '--pid', String(pid), join(dir, 'tokyo.db')]);
    expect(tree.stdout).toMatch(/^\(times in UTC\+09:00 Asia\/Tokyo\)$/m);
    // the recording host's name for uid 1000, from the capture (names differ across hosts)
    const name = UID_1000_LABEL === '1000' ? undefined : UID_1000_LABEL.slice(0, -'(1000)'.length);
    expect(tree.stdout).toMatch(new RegExp(`^\\s*${pid} true uid ${name ? `${name}\\(1000\\)` : '1000'} `, 'm'));
    const both = await run(BIN, ['info', '--utc', '--local', join(dir, 'tokyo.db')]);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toMatch(/cannot be used with/);
  });
});
