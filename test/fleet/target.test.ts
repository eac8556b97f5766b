import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fleetTarget, parseFleetUrl } from '../../src/fleet/index.js';
import { run } from '../helpers/kernel.js';
import { BIN } from '../helpers/recording.js';

const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-fleet-target-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const noCreds = { HOME: dir, XDG_CONFIG_HOME: join(dir, 'none') };

describe('the fleet url', () => {
  it('takes http and https with an optional database, ebpfsh by default', () => {
    expect(parseFleetUrl('http://ch.example:8123')).toEqual({ origin: 'http://ch.example:8123', database: 'ebpfsh', tls: false });
    expect(parseFleetUrl('https://ch.example:8443/incident_42/')).toEqual({ origin: 'https://ch.example:8443', database: 'incident_42', tls: true });
  });

  it('refuses credentials in the url, naming where they go instead', () => {
    expect(() => parseFleetUrl('http://alice:s3cret@ch:8123/db')).toThrow(/credentials in the url are refused .*EBPFSH_CLICKHOUSE_USER/);
    expect(() => parseFleetUrl('http://alice@ch:8123')).toThrow(/credentials in the url are refused/);
  });

  it('refuses other schemes, a bad database name, query strings', () => {
    expect(() => parseFleetUrl('ftp://ch:21')).toThrow(/unsupported url scheme 'ftp'/);
    expect(() => parseFleetUrl('http://ch:8123/a;drop')).toThrow(/not a database name/);
    expect(() => parseFleetUrl('http://ch:8123/db?user=x')).toThrow(/takes no query/);
    expect(() => parseFleetUrl('not a url')).toThrow(/is not a url/);
  });
});

describe('fleet credentials', () => {
  it('come from the environment first', () => {
    const t = fleetTarget('http://ch:8123', { ...noCreds, EBPFSH_CLICKHOUSE_USER: 'shipper', EBPFSH_CLICKHOUSE_PASSWORD: 'pw' });
    expect([t.user, t.password]).toEqual(['shipper', 'pw']);
  });

  it('come from a 0600 config file, and a file others can read is refused', () => {
    const f = join(dir, 'creds.json');
    writeFileSync(f, JSON.stringify({ user: 'u1', password: 'p1' }));
    chmodSync(f, 0o600);
    const t = fleetTarget('http://ch:8123', { ...noCreds, EBPFSH_CLICKHOUSE_CONFIG: f });
    expect([t.user, t.password]).toEqual(['u1', 'p1']);
    chmodSync(f, 0o640);
    expect(() => fleetTarget('http://ch:8123', { ...noCreds, EBPFSH_CLICKHOUSE_CONFIG: f })).toThrow(/can be read by others \(mode 0640\): chmod 600 it/);
    chmodSync(f, 0o604);
    expect(() => fleetTarget('http://ch:8123', { ...noCreds, EBPFSH_CLICKHOUSE_CONFIG: f })).toThrow(/can be read by others/);
  });

  it('refuse a symlinked or malformed config file, and a missing one named explicitly', () => {
    const real = join(dir, 'real.json');
    writeFileSync(real, '{"user":"x"}', { mode: 0o600 });
    const link = join(dir, 'link.json');
    symlinkSync(real, link);
    expect(() => fleetTarget('http://ch:8123', { ...noCreds, EBPFSH_CLICKHOUSE_CONFIG: link })).toThrow(/not a regular file/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{user:', { mode: 0o600 });
    expect(() => fleetTarget('http://ch:8123', { ...noCreds, EBPFSH_CLICKHOUSE_CONFIG: bad })).toThrow(/is not JSON/);
    expect(() => fleetTarget('http://ch:8123', { ...noCreds, EBPFSH_CLICKHOUSE_CONFIG: join(dir, 'missing.json') })).toThrow(/cannot read the credentials file/);
  });

  it('default to ClickHouse\'s default user when none are given', () => {
    const t = fleetTarget('http://ch:8123', noCreds);
    expect([t.user, t.password]).toEqual(['default', '']);
  });

  it('the CLI refuses user:pass@ in --to and --on with one line and no stack', async () => {
    const ship = await run(BIN, ['ship', '/nonexistent.db', '--to', 'http://alice:pw@127.0.0.1:1/db']);
    expect(ship.code).toBe(1);
    expect(ship.stderr.trim().split('\n')).toHaveLength(1);
    expect(ship.stderr).toMatch(/^ebpfsh: credentials in the url are refused/);
    const q = await run(BIN, ['query', '--on', 'https://bob:pw@127.0.0.1:1', 'SELECT 1']);
    expect(q.code).toBe(1);
    expect(q.stderr).toMatch(/^ebpfsh: credentials in the url are refused/);
  });
});
