import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel, waitFor } from '../helpers/kernel.js';

/*
 * The single-file release on a host that has nothing else: built by
 * `npm run release` (skipped when its inputs are unchanged), copied alone into
 * an empty directory, and run in a fresh mount namespace per step where Node,
 * the checkout, its node_modules and the installed tree are hidden, and where
 * /tmp, /var/tmp, /dev/shm, /run and /root are empty tmpfs: whatever the
 * release wrote there, or beside itself outside the capture directory, is
 * still there when the step ends, and is reported.
 */

const CHECKOUT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const VERSION = (JSON.parse(readFileSync(join(CHECKOUT, 'package.json'), 'utf8')) as { version: string }).version;
const RELEASE = join(CHECKOUT, 'dist', `ebpfsh-${VERSION}-linux-${process.arch}`);
/** Where the run directory appears inside the namespace (the real one is under /tmp, which is replaced there). */
const RUN = '/mnt';
const WATCHED = ['/tmp', '/var/tmp', '/dev/shm', '/run', '/root'];

/** What must not be reachable: any Node on PATH, the checkout, the real node_modules and addon build, the installed tree. */
function hiddenPaths(): string[] {
  const nodes = (spawnSync('sh', ['-c', 'which -a node nodejs'], { encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean);
  const paths = [CHECKOUT, join(CHECKOUT, 'node_modules'), join(CHECKOUT, 'native/build'), '/usr/local/lib/ebpfsh', ...nodes]
    .filter((p) => existsSync(p))
    .map((p) => realpathSync(p));
  // Deepest first: a path inside another is hidden before its parent covers it.
  return [...new Set(paths)].sort((a, b) => b.length - a.length);
}

/**
 * The bash script each step runs as: hide, isolate the writable places, run
 * the command (in the background, so a SIGINT to this shell reaches it as
 * Ctrl-C would), then list every file left outside the capture directory.
 */
const STEP = `
set -u
run_dir=$1 uid=$2; shift 2
# -n: mount itself writes nothing (no utab in /run).
mount -n --make-rprivate / || exit 97
mount -n --bind "$run_dir" ${RUN} || exit 97
for p in $HIDE; do
  if [ -d "$p" ]; then mount -n -t tmpfs -o ro,size=4k,mode=0755 ebpfsh-hidden "$p" || exit 97
  else mount -n --bind /dev/null "$p" || exit 97; fi
done
for d in ${WATCHED.join(' ')}; do mount -n -t tmpfs -o size=64m,mode=1777 ebpfsh-watched "$d" || exit 97; done
cd ${RUN}
if [ "$uid" = 0 ]; then "$@" & else setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@" & fi
child=$!
trap 'kill -INT $child 2>/dev/null' INT TERM
rc=0
while kill -0 $child 2>/dev/null; do wait $child; rc=$?; done
left=$(find ${WATCHED.join(' ')} ${RUN} -mindepth 1 -not -path '${RUN}/captures' -not -path '${RUN}/captures/*' -not -path '${RUN}/ebpfsh' 2>&1 | tr '\\n' ' ')
echo "@@left: $left" >&2
exit $rc
`;

let runDir = '';
let hide = '';

/** Starts `args` (relative to the run directory) in a fresh namespace as `uid`. */
function startStep(args: string[], uid = 0) {
  const p = spawn('unshare', ['-m', 'bash', '-c', STEP, 'step', runDir, String(uid), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/root', TERM: 'dumb', HIDE: hide },
  });
  const out = { stdout: '', stderr: '' };
  p.stdout.on('data', (d) => (out.stdout += d));
  p.stderr.on('data', (d) => (out.stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string; left: string }>((resolve) =>
    p.on('close', (code) => resolve({ code, ...out, left: /@@left: (.*)$/m.exec(out.stderr)?.[1]?.trim() ?? 'no report' })),
  );
  return { p, out, done };
}

/** Runs a step to completion. */
const runStep = (args: string[], uid = 0) => startStep(args, uid).done;

/** An exec that is surely ours: a shell whose argv carries `marker`. */
const fireExec = (marker: string) => spawnSync('/bin/sh', ['-c', `: ${marker}`]);

beforeAll(() => {
  if (process.geteuid?.() !== 0) return;
  // Reuses an up-to-date release (scripts/release.mjs compares its inputs' digest).
  execFileSync(process.execPath, [join(CHECKOUT, 'scripts/release.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
  runDir = mkdtempSync('/tmp/ebpfsh-release-test-');
  chmodSync(runDir, 0o755); // uid 1000 runs the release from here
  copyFileSync(RELEASE, join(runDir, 'ebpfsh'));
  chmodSync(join(runDir, 'ebpfsh'), 0o755);
  mkdirSync(join(runDir, 'captures'), { mode: 0o755 }); // only root writes it: record refuses a directory others could write
  hide = hiddenPaths().join(' ');
}, 900_000);

afterAll(() => {
  if (runDir) rmSync(runDir, { recursive: true, force: true });
});

describeKernel('the single-file release, alone on a host without Node or the checkout', () => {
  it('cannot reach Node, the checkout or node_modules, and prints its version, commit and build date', async () => {
    const probe = await runStep(['sh', '-c', `command -v node || echo no-node; ls ${CHECKOUT} | wc -l`]);
    expect(probe.code, probe.stderr).toBe(0);
    expect(probe.stdout).toContain('no-node');
    expect(probe.stdout.trim().split('\n').at(-1)).toBe('0');
    const v = await runStep(['./ebpfsh', '--version']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(new RegExp(`^ebpfsh ${VERSION.replace(/\./g, '\\.')} \\(commit [0-9a-f]{7,}(-dirty)?, built \\d{4}-\\d\\d-\\d\\dT`));
    expect(v.left).toBe('');
  });

  it('reports what a step leaves outside the capture directory (the check itself works)', async () => {
    const r = await runStep(['sh', '-c', `touch /dev/shm/left-in-shm ${RUN}/left-beside captures/kept`]);
    expect(r.left.split(' ').sort()).toEqual(['/dev/shm/left-in-shm', `${RUN}/left-beside`]);
    rmSync(join(runDir, 'left-beside'));
    rmSync(join(runDir, 'captures', 'kept'));
  });

  it('traces a real exec with trace execsnoop and writes nothing', async () => {
    const marker = `ebpfsh-release-trace-${process.pid}`;
    const step = startStep(['./ebpfsh', 'trace', 'execsnoop', 'comm=sh']);
    await waitFor(() => step.out.stderr.includes('Ctrl-C to stop'), 30_000, `trace to attach (${step.out.stderr.trim()})`);
    await waitFor(() => (fireExec(marker), step.out.stdout.includes(marker)), 15_000, 'the exec in the trace');
    step.p.kill('SIGINT');
    const r = await step.done;
    expect(r.stderr).not.toMatch(/internal error|Error:/);
    expect(r.left).toBe('');
  });

  it('records a capture, queries it as root and as uid 1000, and writes nothing outside the capture directory', async () => {
    const marker = `ebpfsh-release-record-${process.pid}`;
    const rec = startStep(['./ebpfsh', 'record', '-w', 'captures/incident.db', 'execsnoop']);
    await waitFor(() => rec.out.stderr.includes('Ctrl-C to stop'), 30_000, `the recorder to start (${rec.out.stderr.trim()})`);
    fireExec(marker); // in the ring buffer before spawnSync returns; stopping drains the ring into the capture
    rec.p.kill('SIGINT');
    const r = await rec.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/recorded \d+ events/);
    expect(r.left).toBe('');

    const sql = `SELECT count(*) AS n FROM exec WHERE instr(argv, CAST('${marker}' AS BLOB)) > 0`;
    const asRoot = await runStep(['./ebpfsh', 'query', 'captures/incident.db', sql, '-f', 'csv']);
    expect(asRoot.code, asRoot.stderr).toBe(0);
    expect(asRoot.stdout.trim().split(/\r?\n/)).toEqual(['n', '1']);
    expect(asRoot.left).toBe('');

    // The responder hands the capture over: readable by others, still owned by root.
    chmodSync(join(runDir, 'captures', 'incident.db'), 0o644);
    const asUser = await runStep(['./ebpfsh', 'query', 'captures/incident.db', sql, '-f', 'csv'], 1000);
    expect(asUser.code, asUser.stderr).toBe(0);
    expect(asUser.stdout.trim().split(/\r?\n/)).toEqual(['n', '1']);
    expect(asUser.left).toBe('');
  });
});
