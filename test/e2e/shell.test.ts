import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, chmodSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { describeKernel, hasCommand } from '../helpers/kernel.js';
import { CaptureReader } from '../../src/store/index.js';
import { Tmux, readIfExists } from './tmux.js';
import { OTHER_BIN } from '../helpers/recording.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/ebpfsh');
const sessions: Tmux[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const t of sessions.splice(0)) t.kill();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function workdir(): string {
  const d = mkdtempSync(join(tmpdir(), 'ebpfsh-e2e-'));
  chmodSync(d, 0o755);
  dirs.push(d);
  return d;
}

/** Starts the real binary in tmux; stderr goes to a file (ink owns the screen). */
function startShell(dir: string, args = '', env = ''): Tmux {
  const t = new Tmux();
  sessions.push(t);
  t.start(`cd ${dir} && exec env EBPFSH_HISTORY=${dir}/history ${env} ${BIN} ${args} 2>${dir}/stderr`);
  return t;
}

describeKernel('ebpfsh shell end to end (tmux, real kernel)', () => {
  it('a responder session: -w records the forensic profile, narrow execve to uid=1000, see a command from another pane, open its detail, detach, quit', async () => {
    expect(hasCommand('tmux')).toBe(true);
    const dir = workdir();
    const t = startShell(dir, '-w incident.db');
    await t.waitFor(/attached \d+ probes in \d+ ms: execsnoop, tcpconnect/);
    expect(t.display('#{alternate_on}')).toBe('1');

    t.type(':attach execve uid=1000');
    await t.waitFor(/execsnoop uid=1000 \d/);
    await t.waitFor('execsnoop: filters now uid=1000');
    t.runElsewhere('setpriv --reuid=1000 --regid=1000 --clear-groups /bin/true marker-xyz');
    const screen = await t.waitFor('/bin/true marker-xyz');
    expect(screen).toMatch(/exec\s+\d+\s+\d+\s+1000 true\s+0 \/bin\/true \/bin\/true marker-xyz/);
    expect(screen).toMatch(/rec incident\.db/);

    t.type('/marker-xyz'); // search selects it, whatever else uid 1000 ran meanwhile
    await t.waitFor('/marker-xyz: found');
    t.keys('Enter');
    const detail = await t.waitFor('ancestry');
    expect(detail).toContain('execsnoop pid');
    expect(detail).toMatch(/\[1\] marker-xyz/);
    expect(detail).toMatch(/filename\s+\/bin\/true/);
    t.keys('Escape');
    await t.waitFor('TIME');

    t.type(':detach execve');
    await t.waitFor('detached execsnoop');
    t.type(':mark "attacker shell spawned here"');
    await t.waitFor('marked: attacker shell spawned here');
    t.type(':quit');
    expect(await t.waitExit()).toBe(0);
    expect(readIfExists(join(dir, 'stderr'))).toMatch(/:quit: detached \d+ probes; capture incident\.db finalized/);

    const r = CaptureReader.open(join(dir, 'incident.db'));
    try {
      expect(r.info().cleanStop).toBe(true);
      const rows = (await r.query("SELECT uid, argv FROM exec WHERE argv LIKE '%marker-xyz%'")).rows;
      expect(rows.length).toBe(1);
      expect(rows[0]![0]).toBe(1000);
      const journal = r.journal().map((j) => `${j.action} ${j.probe}`);
      expect(journal).toEqual(expect.arrayContaining(['attach execsnoop', 'detach execsnoop']));
      expect(journal.indexOf('attach execsnoop')).toBeLessThan(journal.indexOf('detach execsnoop'));
      expect(r.notes().map((n) => n.text)).toEqual(['attacker shell spawned here']);
    } finally {
      r.close();
    }
    expect(readFileSync(join(dir, 'history'), 'utf8')).toContain(':attach execve uid=1000\n');
  });

  it('escape-sequence corpus: hostile filenames and argv reach the terminal only as visible escapes', async () => {
    const dir = workdir();
    const corpus = join(dir, 'corpus');
    spawnSync('mkdir', ['-p', corpus]);
    spawnSync('cp', ['/bin/true', join(corpus, 't')]);
    const raw = join(dir, 'raw.out');
    const t = startShell(dir);
    await t.waitFor('no probe attached');
    t.pipeTo(raw);
    t.type(`:attach open,exec path=${corpus}/`);
    await t.waitFor(/opensnoop path=.*corpus\/ \d/);
    // Names: CSI clear, CSI colour, OSC title, bell, backspace, raw C1 byte, C1 as UTF-8, bidi override, invalid UTF-8, newline.
    const names = `$'a\\x1b[2JZZ1' $'b\\x1b[31mZZ2' $'c\\x1b]0;PWNED\\x07ZZ3' $'d\\x07ZZ4' $'e\\x08ZZ5' $'f\\x9bZZ6' $'g\\xc2\\x9bZZ7' $'h\\xe2\\x80\\xaeZZ8' $'i\\xff\\xfeZZ9' $'j\\nZZ10'`;
    writeFileSync(join(dir, 'corpus.sh'), `cd ${corpus} && for n in ${names}; do : > "$n"; done; ./t corpus-exec ${names}; : > corpus-end\n`);
    t.runElsewhere(`bash ${dir}/corpus.sh`);
    await t.waitFor('corpus-end');
    t.type('/corpus-exec');
    await t.waitFor('/corpus-exec: found');
    t.keys('Enter');
    await t.waitFor('ancestry');
    const detail = t.screen();
    expect(detail).toContain('\\e]0;PWNED\\x07ZZ3');
    expect(detail).toContain('\\x9bZZ6');
    expect(detail).toContain('\\u{202e}ZZ8');
    t.keys('Escape');
    const screen = await t.waitFor('corpus-end');
    for (const visible of ['a\\e[2JZZ1', 'b\\e[31mZZ2', 'c\\e]0;PWNED\\x07ZZ3', 'd\\x07ZZ4', 'e\\x08ZZ5', 'f\\x9bZZ6', 'g\\u{9b}ZZ7', 'h\\u{202e}ZZ8', 'i\\xff\\xfeZZ9', 'j\\nZZ10'])
      expect(screen).toContain(visible);
    // Nothing rewrote the window title or another line.
    expect(t.display('#{pane_title}')).not.toContain('PWNED');
    t.type(':quit');
    expect(await t.waitExit()).toBe(0);

    // The raw bytes the program wrote to the terminal: valid UTF-8, no C1, no bidi control, no payload sequence.
    const bytes = readFileSync(raw);
    expect(bytes.length).toBeGreaterThan(1000);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    expect(text).not.toMatch(/[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/);
    for (const payload of ['\x1b[2JZZ1', '\x1b[31mZZ2', '\x1b]0;PWNED', '\x07ZZ4', '\x08ZZ5', '\x1b]8;']) expect(text).not.toContain(payload);
    // Outside ink's own styling and cursor control no escape byte remains.
    const stripped = text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    expect(stripped).not.toMatch(/[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]/);
  });

  it('Ctrl-C clears the typed line, closes the detail pane, and on an empty line only asks', async () => {
    const dir = workdir();
    const t = startShell(dir);
    await t.waitFor('no probe attached');
    t.type(':attach exec comm=true');
    await t.waitFor(/execsnoop comm=true \d/);
    t.type(':mark half-typed-zqx', false);
    await t.waitFor(':mark half-typed-zqx');
    t.keys('C-c');
    await t.waitFor((s) => !s.includes('half-typed-zqx'));
    t.runElsewhere('/bin/true ctrlc-marker');
    await t.waitFor('/bin/true ctrlc-marker');
    t.type('/ctrlc-marker');
    await t.waitFor('/ctrlc-marker: found');
    t.keys('Enter');
    await t.waitFor('ancestry');
    t.keys('C-c');
    const events = await t.waitFor((s) => !s.includes('ancestry') && s.includes('TIME'));
    expect(events).not.toContain('press Ctrl-C again');
    t.keys('C-c');
    await t.waitFor('press Ctrl-C again within 3 s (or :quit) to quit: probes are detached');
    // Another key cancels: the next Ctrl-C asks again instead of quitting.
    t.keys('Down', 'C-c');
    await t.waitFor((s) => s.split('press Ctrl-C again').length === 3);
    expect(t.display('#{pane_dead}')).toBe('0');
    t.keys('C-c');
    expect(await t.waitExit()).toBe(0);
    expect(t.display('#{alternate_on}')).toBe('0');
    expect(readIfExists(join(dir, 'stderr'))).toMatch(/Ctrl-C: detached 1 probe(;|$)/m);
  });

  it('a mistyped command suggests the right one; :record and :stop name the file by its absolute path', async () => {
    const dir = workdir();
    const t = startShell(dir);
    await t.waitFor('no probe attached');
    t.type(':atach exec');
    await t.waitFor("unknown command ':atach' (did you mean :attach? :help lists the commands)");
    t.type(':record relative.db');
    await t.waitFor(`recording to ${dir}/relative.db (stop to finish)`);
    t.type(':stop');
    await t.waitFor(`stopped: ${dir}/relative.db, `);
    t.type(':quit');
    expect(await t.waitExit()).toBe(0);
    expect(statSync(join(dir, 'relative.db')).size).toBeGreaterThan(0);
  });

  it('Ctrl-D on an empty line quits at once', async () => {
    const dir = workdir();
    const t = startShell(dir);
    await t.waitFor('no probe attached');
    t.type(':attach exec comm=nothing-such');
    await t.waitFor(/execsnoop comm=nothing-such \d/);
    t.keys('C-d');
    expect(await t.waitExit()).toBe(0);
    expect(t.display('#{alternate_on}')).toBe('0');
    expect(readIfExists(join(dir, 'stderr'))).toMatch(/Ctrl-D: detached 1 probe(;|$)/m);
  });

  it.each([
    ['Ctrl-C twice', 'C-c', 0],
    ['SIGINT', 'SIGINT', 130],
    ['SIGTERM', 'SIGTERM', 143],
    ['SIGHUP', 'SIGHUP', 129],
  ])('%s detaches every probe and restores the terminal', async (_name, how, code) => {
    const dir = workdir();
    const t = startShell(dir);
    await t.waitFor('no probe attached');
    t.pipeTo(join(dir, 'raw.out'));
    t.type(':attach exec,open comm=nothing-such');
    await t.waitFor(/opensnoop comm=nothing-such \d/);
    if (how === 'C-c') {
      // The keyboard's Ctrl-C is input in raw mode: the first one asks; a SIGINT (kill -INT) is a signal and ends the run as before.
      t.keys('C-c');
      await t.waitFor('press Ctrl-C again');
      t.keys('C-c');
    } else process.kill(t.pid(), how);
    const status = await t.waitExit();
    expect(status).toBe(code);
    expect(t.display('#{alternate_on}')).toBe('0');
    expect(readIfExists(join(dir, 'stderr'))).toMatch(new RegExp(`${how === 'C-c' ? 'Ctrl-C' : how}: detached 2 probes`));
    // The last thing written left the alternate screen and showed the cursor again.
    const raw = readFileSync(join(dir, 'raw.out'), 'latin1');
    expect(raw.lastIndexOf('\x1b[?1049l')).toBeGreaterThan(raw.lastIndexOf('\x1b[?1049h'));
    expect(raw.lastIndexOf('\x1b[?25h')).toBeGreaterThan(raw.lastIndexOf('\x1b[?25l'));
    expect(raw.lastIndexOf('\x1b[?25h')).toBeGreaterThan(raw.lastIndexOf('\x1b[?1049l'));
  });

  it('not a terminal, or not root: one clear line with what to do instead, non-zero exit, no stack trace', () => {
    const piped = spawnSync(BIN, [], { input: '', encoding: 'utf8' });
    expect(piped.status).toBe(2);
    expect(piped.stderr.trim().split('\n')).toEqual([
      'ebpfsh: the interactive shell needs a terminal (stdin and stdout must be a TTY); in scripts and pipes use: ebpfsh trace <probes> [filters], e.g. ebpfsh trace execsnoop uid=1000',
    ]);
    const dir = workdir();
    const t = new Tmux();
    sessions.push(t);
    t.start(`exec setpriv --reuid=1000 --regid=1000 --clear-groups --inh-caps=-all env HOME=${dir} EBPFSH_HISTORY= ${OTHER_BIN} 2>${dir}/stderr`);
    return t.waitExit().then((status) => {
      expect(status).toBe(1);
      const err = readIfExists(join(dir, 'stderr'));
      expect(err.trim().split('\n')).toHaveLength(1);
      expect(err).toMatch(/^ebpfsh: cannot start the shell: permission denied \(run as root, e\.g\. sudo ebpfsh/);
      expect(statSync(join(dir, 'stderr')).size).toBeLessThan(300);
    });
  });
});
