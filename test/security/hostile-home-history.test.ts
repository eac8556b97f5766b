import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendHistory, historyFile, loadHistory, openEnvFileForAppend, trimHistory, type HistoryFile } from '../../src/session/index.js';

/*
 * The attacker is uid 1000, a real unprivileged user who runs `sudo ebpfsh`
 * (or whose home root's shell writes into) and controls their home and their
 * environment. Root is us.
 */
const USER = 1000;
const SUDO_ENV = { SUDO_USER: 'cloudsdk', SUDO_UID: String(USER), SUDO_GID: String(USER) };
const DIST_HISTORY = join(__dirname, '../../dist/session/history.js');

const base = mkdtempSync(join(tmpdir(), 'ebpfsh-hostile-home-'));
chmodSync(base, 0o755);
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A home directory owned by the user. */
function home(name: string): string {
  const d = join(base, name);
  mkdirSync(d);
  chownSync(d, USER, USER);
  return d;
}

/** The history file historyFile() gives under sudo, moved into a test home. */
function sudoHistory(dir: string): HistoryFile {
  const f = historyFile(SUDO_ENV, 0);
  expect(f?.owner).toEqual({ uid: USER, gid: USER });
  return { ...f!, path: join(dir, '.ebpfsh_history') };
}

/** A file of root's that the user must never get written, chowned or truncated through a history path. */
function rootFile(name: string, text: string): string {
  const p = join(base, name);
  writeFileSync(p, text, { mode: 0o600 });
  return p;
}

describe('a FIFO at ~/.ebpfsh_history', () => {
  it('does not hang the shell: load, append and trim return at once and leave it alone', () => {
    const h = home('fifo');
    expect(spawnSync('setpriv', [`--reuid=${USER}`, `--regid=${USER}`, '--clear-groups', 'mkfifo', join(h, '.ebpfsh_history')]).status).toBe(0);
    // In a child with a deadline: an open() blocked on a FIFO cannot be interrupted from inside.
    const file = JSON.stringify(sudoHistory(h));
    const script = `import { appendHistory, loadHistory, trimHistory } from ${JSON.stringify(DIST_HISTORY)};
      const f = ${file};
      const lines = loadHistory(f); appendHistory(f, ':attach exec'); trimHistory(f);
      process.stdout.write(JSON.stringify(lines));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000, encoding: 'utf8' });
    expect(r.signal, 'the history code blocked on the FIFO').toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('[]');
    expect(statSync(join(h, '.ebpfsh_history')).isFIFO()).toBe(true);
  });
});

describe('a hard link at ~/.ebpfsh_history to a file of root\'s', () => {
  it('is neither chowned to the user, appended to nor truncated', () => {
    const h = home('hardlink');
    const victim = rootFile('shadow-like', Array.from({ length: 2500 }, (_, i) => `root line ${i}`).join('\n') + '\n');
    const before = readFileSync(victim, 'utf8');
    // With fs.protected_hardlinks=0 the user can make this link themselves; root makes it here.
    linkSync(victim, join(h, '.ebpfsh_history'));
    const f = sudoHistory(h);
    appendHistory(f, ':attach exec');
    trimHistory(f);
    expect(statSync(victim).uid).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe(before);
    expect(loadHistory(f)).toEqual([]);
  });

  it('a plain file of the user\'s own is still used, and a root-made one is given to them', () => {
    const h = home('plain');
    const f = sudoHistory(h);
    appendHistory(f, ':attach exec');
    expect(statSync(f.path).uid).toBe(USER);
    expect(readFileSync(f.path, 'utf8')).toBe(':attach exec\n');
    expect(loadHistory(f)).toEqual([':attach exec']);
  });
});

describe('a huge history file', () => {
  it('is read only at its end: the last lines come back at once', () => {
    const h = home('huge');
    const p = join(h, '.ebpfsh_history');
    writeFileSync(p, '');
    truncateSync(p, 3 * 2 ** 30); // sparse: 3 GiB of NULs, more than a Buffer holds
    writeFileSync(p, '\n:attach exec\n:filter comm=curl\n', { flag: 'a' });
    chownSync(p, USER, USER);
    const started = performance.now();
    expect(loadHistory(sudoHistory(h)).slice(-2)).toEqual([':attach exec', ':filter comm=curl']);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('environment variables that name files, under sudo', () => {
  it('EBPFSH_HISTORY naming a file of root\'s (/root/.bashrc) is not written: typed text must never reach a root login script', () => {
    const bashrc = rootFile('bashrc', '# root shell\n');
    const f = historyFile({ ...SUDO_ENV, EBPFSH_HISTORY: bashrc }, 0)!;
    appendHistory(f, ':filter comm=x;chmod u+s /bin/bash');
    trimHistory(f);
    expect(readFileSync(bashrc, 'utf8')).toBe('# root shell\n');
    expect(loadHistory(f)).toEqual([]);
  });

  it('EBPFSH_HISTORY naming a path that does not exist is not created by root', () => {
    const target = join(base, 'created-by-root');
    appendHistory(historyFile({ ...SUDO_ENV, EBPFSH_HISTORY: target }, 0), ':attach exec');
    expect(existsSync(target)).toBe(false);
  });

  it('EBPFSH_HISTORY naming a file of the sudo user\'s is used', () => {
    const h = home('env-own');
    const own = join(h, 'hist');
    writeFileSync(own, '');
    chownSync(own, USER, USER);
    const f = historyFile({ ...SUDO_ENV, EBPFSH_HISTORY: own }, 0)!;
    appendHistory(f, ':attach exec');
    expect(loadHistory(f)).toEqual([':attach exec']);
  });

  it('EBPFSH_RENDER_STATS naming a file of root\'s, a missing path or a hard link is refused; the user\'s own file is opened', () => {
    const root = rootFile('stats-root', '');
    const missing = join(base, 'stats-missing');
    const h = home('stats');
    const own = join(h, 'stats.ndjson');
    writeFileSync(own, '');
    chownSync(own, USER, USER);
    const linked = join(h, 'linked');
    linkSync(own, linked);
    const env = (p: string) => ({ ...SUDO_ENV, EBPFSH_RENDER_STATS: p });
    expect(openEnvFileForAppend('EBPFSH_RENDER_STATS', env(root), 0)).toBeUndefined();
    expect(openEnvFileForAppend('EBPFSH_RENDER_STATS', env(missing), 0)).toBeUndefined();
    expect(existsSync(missing)).toBe(false);
    expect(openEnvFileForAppend('EBPFSH_RENDER_STATS', env(linked), 0)).toBeUndefined();
    rmSync(linked);
    const fd = openEnvFileForAppend('EBPFSH_RENDER_STATS', env(own), 0);
    expect(fd).toBeTypeOf('number');
    closeSync(fd!);
  });
});
