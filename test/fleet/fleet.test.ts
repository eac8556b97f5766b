import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBES } from '../../src/probes/index.js';
import { shipTables } from '../../src/fleet/index.js';
import { SCHEMA_VERSION } from '../../src/store/index.js';
import { kernelProblem, run, waitFor } from '../helpers/kernel.js';
import { BIN } from '../helpers/recording.js';
import { TEST_USER, chSql, clickhouseMissing, startClickHouse, type ClickHouseServer } from './clickhouse-server.js';

/**
 * Fleet tests need root (they record real captures) and a clickhouse-server
 * (scripts/setup.sh installs it). They skip with the reason elsewhere, and
 * fail instead under CI=true.
 */
const problem = kernelProblem ?? clickhouseMissing();
function describeFleet(name: string, fn: () => void): void {
  if (!problem) describe(name, fn);
  else if (process.env.CI === 'true')
    describe(name, () => {
      it('can run a real clickhouse-server and record (required under CI=true)', () => {
        throw new Error(`fleet tests cannot run: ${problem}`);
      });
    });
  else describe.skip(`${name} (skipped: ${problem})`, fn);
}

/** A file name holding a tab, a newline, a backslash sequence and a NUL-free control byte. */
const ODD_NAME = 'odd\tname\\n\nline\x1b[31m';

const TABLES = shipTables(PROBES, SCHEMA_VERSION).map((t) => t.name);

/** `ebpfsh record` as host `host` (its own UTS namespace) while `workload` runs; resolves to its exit code and stderr. */
async function recordAs(host: string, path: string, args: string[], workload: (stderr: () => string) => Promise<void>, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string }> {
  const rec = spawn('unshare', ['-u', 'sh', '-c', `hostname ${host} && exec "$0" "$@"`, BIN, 'record', '-w', path, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  rec.stderr.on('data', (d) => (err += d));
  const closed = new Promise<number | null>((r) => rec.on('close', r));
  await waitFor(() => err.includes('Ctrl-C to stop'), 20_000, `the recorder to start (${err.trim()})`);
  try {
    await workload(() => err);
  } finally {
    rec.kill('SIGINT');
  }
  return { code: await closed, stderr: err };
}

/** Rows per table of a local capture. */
function localCounts(path: string): Record<string, number> {
  const db = new Database(path, { readonly: true });
  try {
    return Object.fromEntries(TABLES.map((t) => [t, (db.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as { n: number }).n]));
  } finally {
    db.close();
  }
}

/** Rows per table of one capture in the fleet store. */
async function fleetCounts(url: string, database: string, captureId: string): Promise<Record<string, number>> {
  const sql = TABLES.map((t) => `SELECT '${t}' AS t, count() AS n FROM ${database}.\`${t}\` WHERE capture_id = '${captureId}'`).join(' UNION ALL ');
  const out: Record<string, number> = {};
  for (const line of (await chSql(url, sql)).trim().split('\n')) {
    const [t, n] = line.split('\t');
    out[t!] = Number(n);
  }
  return Object.fromEntries(TABLES.map((t) => [t, out[t] ?? 0]));
}

async function captureIdOf(url: string, database: string, host: string): Promise<string> {
  return (await chSql(url, `SELECT capture_id FROM ${database}.captures WHERE host = '${host}'`)).trim();
}

describeFleet('fleet: shipping captures to a real ClickHouse', () => {
  let ch: ClickHouseServer;
  let dir: string;
  let a: string;
  let b: string;

  beforeAll(async () => {
    ch = await startClickHouse({ tls: true });
    dir = mkdtempSync(join(tmpdir(), 'ebpfsh-fleet-'));
    chmodSync(dir, 0o755);
    a = join(dir, 'web1.db');
    b = join(dir, 'db1.db');
    // Two hosts: web1 reads /etc/shadow from a shell, db1 runs other commands.
    await recordAs('web1', a, ['execsnoop,opensnoop,procsnoop,tcpconnect'], async () => {
      await run('/bin/sh', ['-c', 'cat /etc/shadow > /dev/null; /bin/true']);
      // Names an attacker chooses: TabSeparated's own escapes, and bytes that are not UTF-8.
      closeSync(openSync(join(dir, ODD_NAME), 'w'));
      closeSync(openSync(Buffer.concat([Buffer.from(join(dir, 'bad-')), Buffer.from([0xff, 0xfe])]), 'w'));
      await new Promise((r) => setTimeout(r, 500));
    });
    await recordAs('db1', b, ['execsnoop,opensnoop,procsnoop'], async () => {
      for (let i = 0; i < 5; i++) await run('/bin/ls', ['/etc']);
      await new Promise((r) => setTimeout(r, 500));
    });
  }, 180_000);

  afterAll(async () => {
    await ch?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ships two captures from different hosts and answers one query across them, with every row and wall-clock time', async () => {
    const s = await run(BIN, ['ship', a, b, '--to', `${ch.url}/fleet`]);
    expect(s.stderr).toMatch(/shipped .*web1\.db \(host web1, capture [0-9a-f]{32}, intact\)/);
    expect(s.code).toBe(0);
    const q = await run(BIN, ['query', '--on', `${ch.url}/fleet`, '-f', 'json', 'SELECT host, count() AS n FROM exec GROUP BY host ORDER BY host']);
    expect(q.code).toBe(0);
    const rows = JSON.parse(q.stdout) as { host: string; n: number }[];
    expect(rows.map((r) => r.host)).toEqual(['db1', 'web1']);
    for (const [host, file] of [['web1', a], ['db1', b]] as const)
      expect(await fleetCounts(ch.url, 'fleet', await captureIdOf(ch.url, 'fleet', host))).toEqual(localCounts(file));
    // wall_ns = ts + the capture's own clock offset
    const db = new Database(a, { readonly: true });
    const offset = (db.prepare('SELECT clock_offset_ns AS o FROM capture').safeIntegers(true).get() as { o: bigint }).o;
    const first = db.prepare('SELECT id, ts FROM exec ORDER BY id LIMIT 1').safeIntegers(true).get() as { id: bigint; ts: bigint };
    db.close();
    const wall = (await chSql(ch.url, `SELECT wall_ns FROM fleet.exec WHERE host = 'web1' AND id = ${first.id}`)).trim();
    expect(wall).toBe(String(first.ts + offset));
  });

  it('stores attacker-chosen text exactly, and bytes that are not UTF-8 as the hex of their raw twin', async () => {
    const db = new Database(a, { readonly: true });
    const local = db.prepare("SELECT id, path, CASE WHEN path_raw IS NULL THEN NULL ELSE lower(hex(path_raw)) END AS raw FROM open WHERE path LIKE '%odd%name%' OR path LIKE '%bad-%' ORDER BY id").all() as { id: number; path: string; raw: string | null }[];
    db.close();
    expect(local.some((r) => r.path.endsWith(ODD_NAME))).toBe(true);
    expect(local.some((r) => r.raw !== null && r.raw.endsWith('fffe'))).toBe(true);
    expect((await run(BIN, ['ship', a, '--to', `${ch.url}/fleet`])).code).toBe(0);
    const q = await run(BIN, ['query', '--on', `${ch.url}/fleet`, '-f', 'json', `SELECT id, path, path_raw AS raw FROM open WHERE host = 'web1' AND id IN (${local.map((r) => r.id).join(',')}) ORDER BY id`]);
    expect(q.code).toBe(0);
    expect(JSON.parse(q.stdout)).toEqual(local);
  });

  it('has the forensic views: the process tree that touched /etc/shadow, and files per process', async () => {
    const tree = await run(BIN, ['query', '--on', `${ch.url}/fleet`, '-f', 'csv',
      "SELECT host, depth, ancestor_comm FROM lineage WHERE (host, capture_id, pid) IN (SELECT host, capture_id, pid FROM open WHERE path = '/etc/shadow') ORDER BY depth"]);
    expect(tree.code).toBe(0);
    expect(tree.stdout).toMatch(/^web1,0,cat$/m);
    expect(tree.stdout).toMatch(/^web1,1,sh$/m);
    const files = await run(BIN, ['query', '--on', `${ch.url}/fleet`, '-f', 'ndjson', "SELECT host, comm, opens FROM files_per_process WHERE comm = 'cat' AND host = 'web1'"]);
    expect(files.code).toBe(0);
    expect(JSON.parse(files.stdout.trim().split('\n')[0]!)).toMatchObject({ host: 'web1', comm: 'cat' });
  });

  it('shipping the same captures again adds nothing', async () => {
    const before = await fleetCounts(ch.url, 'fleet', await captureIdOf(ch.url, 'fleet', 'web1'));
    const s = await run(BIN, ['ship', a, b, '--to', `${ch.url}/fleet`]);
    expect(s.code).toBe(0);
    expect(s.stderr).toMatch(/web1\.db .*: 0 rows in/);
    expect(s.stderr).toMatch(/db1\.db .*: 0 rows in/);
    expect(await fleetCounts(ch.url, 'fleet', await captureIdOf(ch.url, 'fleet', 'web1'))).toEqual(before);
    expect((await chSql(ch.url, 'SELECT count() FROM fleet.captures')).trim()).toBe('2');
  });

  it('a ship killed half-way resumes where it stopped, and rows an interrupted insert left unrecorded are not sent twice', async () => {
    const child = spawn(BIN, ['ship', a, '--to', `${ch.url}/resume`, '--batch-rows', '10'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, sig) => r(sig)));
    await waitFor(async () => {
      try {
        return Number(await chSql(ch.url, 'SELECT count() FROM resume.ship_progress')) >= 3;
      } catch {
        return false;
      }
    }, 60_000, 'some batches to ship');
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const s = await run(BIN, ['ship', a, '--to', `${ch.url}/resume`]);
    expect(s.code).toBe(0);
    expect(await fleetCounts(ch.url, 'resume', await captureIdOf(ch.url, 'resume', 'web1'))).toEqual(localCounts(a));

    // Rows in the store with no ship_progress record (the insert landed, the record did not): adopted, not sent again.
    const id = await captureIdOf(ch.url, 'fleet', 'db1');
    await run(BIN, ['ship', a, '--to', `${ch.url}/adopt`]);
    await chSql(ch.url, `INSERT INTO adopt.exec SELECT * FROM fleet.exec WHERE capture_id = '${id}'`);
    const again = await run(BIN, ['ship', b, '--to', `${ch.url}/adopt`]);
    expect(again.code).toBe(0);
    const execs = localCounts(b).exec!;
    expect(execs).toBeGreaterThan(0);
    expect(again.stderr).toMatch(new RegExp(`${execs} already in the store`));
    expect(await fleetCounts(ch.url, 'adopt', id)).toEqual(localCounts(b));
  }, 120_000);

  it('refuses a capture whose chain does not verify unless --no-verify', async () => {
    const bad = join(dir, 'tampered.db');
    const { copyFileSync } = await import('node:fs');
    copyFileSync(b, bad);
    const db = new Database(bad);
    db.prepare("UPDATE exec SET comm = 'edited' WHERE id = 1").run();
    db.close();
    const s = await run(BIN, ['ship', bad, '--to', `${ch.url}/tamper`]);
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/not shipped: its integrity chain says TAMPERED .*--no-verify ships it anyway/);
    expect((await chSql(ch.url, "SELECT count() FROM system.tables WHERE database = 'tamper' AND name = 'captures'")).trim()).toBe('1');
    expect((await chSql(ch.url, 'SELECT count() FROM tamper.captures')).trim()).toBe('0');
    const forced = await run(BIN, ['ship', bad, '--to', `${ch.url}/tamper`, '--no-verify']);
    expect(forced.code).toBe(0);
    expect((await chSql(ch.url, 'SELECT verdict FROM tamper.captures')).trim()).toBe('not checked (--no-verify)');
  }, 60_000);

  it('record --ship keeps streaming through a server outage: nothing lost, the outage journaled, the losses shipped as recorded', async () => {
    const path = join(dir, 'streamed.db');
    await ch.stop();
    const r = await recordAs('app1', path, ['execsnoop,procsnoop', '--ship', `${ch.url}/live`], async (stderr) => {
      await waitFor(() => /ship: cannot reach/.test(stderr()), 30_000, 'the shipper to notice the server is away');
      for (let i = 0; i < 3; i++) await run('/bin/true', []);
      await ch.start();
      await waitFor(() => /answers again/.test(stderr()), 60_000, 'the shipper to reach the server again');
      for (let i = 0; i < 3; i++) await run('/bin/true', []);
      await new Promise((res) => setTimeout(res, 500));
    }, { EBPFSH_SHIP_INTERVAL_MS: '200' });
    expect(r.stderr).toMatch(/shipped to .*complete/);
    expect(r.code).toBe(0);
    const id = await captureIdOf(ch.url, 'live', 'app1');
    expect(await fleetCounts(ch.url, 'live', id)).toEqual(localCounts(path));
    const db = new Database(path, { readonly: true });
    const journal = db.prepare("SELECT detail FROM journal WHERE action = 'error' AND detail LIKE 'ship:%' ORDER BY id").all() as { detail: string }[];
    const losses = db.prepare('SELECT probe, cause, start_ns, end_ns, count FROM losses ORDER BY id').all();
    db.close();
    expect(journal.map((j) => j.detail)).toEqual([expect.stringMatching(/^ship: cannot reach .* rows wait in the capture/), expect.stringMatching(/^ship: .* answers again after \d+ s/)]);
    const fleetLosses = await chSql(ch.url, `SELECT probe, cause, start_ns, end_ns, count FROM live.losses WHERE capture_id = '${id}' ORDER BY id FORMAT JSONEachRow`);
    expect(fleetLosses.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l))).toEqual(
      losses.map((l) => Object.fromEntries(Object.entries(l as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]))),
    );
  }, 180_000);

  it('record --ship with the server away to the end counts in the capture what it could not ship, and says how to ship it', async () => {
    const path = join(dir, 'unshipped.db');
    const dead = `http://127.0.0.1:${await (await import('./clickhouse-server.js')).freePort()}/gone`;
    const r = await recordAs('app2', path, ['execsnoop,procsnoop', '--ship', dead], async (stderr) => {
      await waitFor(() => /ship: cannot reach/.test(stderr()), 30_000, 'the shipper to notice the server is away');
      await run('/bin/true', []);
    }, { EBPFSH_SHIP_INTERVAL_MS: '200' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the capture holds everything: ebpfsh ship .*unshipped\.db --to http/);
    const db = new Database(path, { readonly: true });
    const rows = db.prepare("SELECT detail FROM journal WHERE action = 'error' AND detail LIKE 'ship:%' ORDER BY id").all() as { detail: string }[];
    db.close();
    expect(rows.at(-1)!.detail).toMatch(/^ship: [1-9]\d* rows of this capture were not in http:\/\/127\.0\.0\.1:\d+ when recording stopped; the capture holds them: ebpfsh ship /);
  }, 60_000);

  it('logs in with credentials from the environment or a 0600 file, and a wrong password is one line naming where it came from', async () => {
    const url = `${ch.url}/creds`;
    const env = { ...process.env, EBPFSH_CLICKHOUSE_USER: TEST_USER.name, EBPFSH_CLICKHOUSE_PASSWORD: TEST_USER.password };
    expect((await runWithEnv(BIN, ['ship', b, '--to', url], env)).code).toBe(0);
    const file = join(dir, 'ch.json');
    writeFileSync(file, JSON.stringify({ user: TEST_USER.name, password: TEST_USER.password }), { mode: 0o600 });
    const viaFile = await runWithEnv(BIN, ['query', '--on', url, '-f', 'csv', 'SELECT count() AS n FROM captures'], { ...process.env, EBPFSH_CLICKHOUSE_CONFIG: file });
    expect(viaFile.stdout.trim().split(/\r?\n/).at(-1)).toBe('1');
    const wrong = await runWithEnv(BIN, ['query', '--on', url, 'SELECT 1'], { ...env, EBPFSH_CLICKHOUSE_PASSWORD: 'nope' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrong.stderr).toMatch(/refused the login as 'shipper' \(credentials from EBPFSH_CLICKHOUSE_USER\/EBPFSH_CLICKHOUSE_PASSWORD\)/);
  }, 60_000);

  it('ships and queries over TLS, trusting a private CA through NODE_EXTRA_CA_CERTS, and says so in one line when the certificate is not trusted', async () => {
    const url = `${ch.httpsUrl}/tls`;
    const untrusted = await run(BIN, ['ship', b, '--to', url]);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr.trim().split('\n')).toHaveLength(1);
    expect(untrusted.stderr).toMatch(/^ebpfsh: https:\/\/127\.0\.0\.1:\d+: the server's TLS certificate is not trusted .*NODE_EXTRA_CA_CERTS/);
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: ch.caFile! };
    const shipped = await runWithEnv(BIN, ['ship', b, '--to', url], env);
    expect(shipped.code).toBe(0);
    const q = await runWithEnv(BIN, ['query', '--on', url, '-f', 'csv', 'SELECT host, count() FROM captures GROUP BY host'], env);
    expect(q.stdout.trim().split(/\r?\n/).at(-1)).toBe('db1,1');
  }, 60_000);
});

/** Runs a command with this environment; resolves to its status and output. */
function runWithEnv(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
