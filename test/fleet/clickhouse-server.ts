import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian's clickhouse-server package puts the server. */
export const CLICKHOUSE_SERVER = ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server'].find((p) => existsSync(p));

/** Why fleet tests cannot run here, or null when a clickhouse-server is installed. */
export function clickhouseMissing(): string | null {
  return CLICKHOUSE_SERVER ? null : 'clickhouse-server is not installed (scripts/setup.sh installs it: apt-get install clickhouse-server clickhouse-client)';
}

/** A free TCP port on 127.0.0.1 (bound then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The user with a password the helper creates besides `default` (no password, loopback only). */
export const TEST_USER = { name: 'shipper', password: 'fleet-test-pw' };

function configXml(dir: string, ports: { http: number; tcp: number; interserver: number; https?: number }): string {
  const tls = ports.https
    ? `<https_port>${ports.https}</https_port>
  <openSSL><server><certificateFile>${dir}/server.crt</certificateFile><privateKeyFile>${dir}/server.key</privateKeyFile><verificationMode>none</verificationMode><loadDefaultCAFile>false</loadDefaultCAFile><cacheSessions>true</cacheSessions><disableProtocols>sslv2,sslv3</disableProtocols><preferServerCiphers>true</preferServerCiphers></server></openSSL>`
    : '';
  return `<?xml version="1.0"?>
<yandex>
  ${tls}
  <logger><level>warning</level><log>${dir}/log/server.log</log><errorlog>${dir}/log/server.err.log</errorlog><size>10M</size><count>1</count></logger>
  <http_port>${ports.http}</http_port>
  <tcp_port>${ports.tcp}</tcp_port>
  <interserver_http_port>${ports.interserver}</interserver_http_port>
  <listen_host>127.0.0.1</listen_host>
  <max_concurrent_queries>50</max_concurrent_queries>
  <mark_cache_size>268435456</mark_cache_size>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
</yandex>
`;
}

const USERS_XML = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default>
    <${TEST_USER.name}><password>${TEST_USER.password}</password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></${TEST_USER.name}>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;

/** A private clickhouse-server on 127.0.0.1: its own data directory and free ports. */
export interface ClickHouseServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** With { tls: true }: https://127.0.0.1:PORT, served with a self-signed certificate for 127.0.0.1 (caFile). */
  httpsUrl?: string;
  caFile?: string;
  httpPort: number;
  dir: string;
  /** Stops the server (SIGTERM, then waits for it to exit); data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same ports and data. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

async function ping(url: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
    return r.ok && (await r.text()).startsWith('Ok');
  } catch {
    return false;
  }
}

/** Starts a clickhouse-server with a private data dir on free ports; resolves once it answers /ping. */
export async function startClickHouse(opts: { tls?: boolean } = {}): Promise<ClickHouseServer> {
  if (!CLICKHOUSE_SERVER) throw new Error(clickhouseMissing()!);
  const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-ch-'));
  for (const d of ['log', 'data', 'tmp', 'user_files', 'format_schemas']) mkdirSync(join(dir, d));
  const ports = { http: await freePort(), tcp: await freePort(), interserver: await freePort(), https: opts.tls ? await freePort() : undefined };
  if (opts.tls) {
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'server.key'), '-out', join(dir, 'server.crt')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl could not make a certificate: ${r.stderr}`);
  }
  writeFileSync(join(dir, 'config.xml'), configXml(dir, ports));
  writeFileSync(join(dir, 'users.xml'), USERS_XML);
  const url = `http://127.0.0.1:${ports.http}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const start = async () => {
    const c = spawn(CLICKHOUSE_SERVER, [`--config-file=${join(dir, 'config.xml')}`], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr!.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-4000)));
    child = c;
    exited = new Promise((resolve) => c.once('exit', () => resolve()));
    let gone = false;
    void exited.then(() => (gone = true));
    const deadline = Date.now() + 60_000;
    while (!(await ping(url))) {
      if (gone) throw new Error(`clickhouse-server exited at start: ${err.trim().split('\n').slice(-3).join(' | ')}`);
      if (Date.now() > deadline) throw new Error('clickhouse-server did not answer /ping within 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const stop = async () => {
    if (!child || child.exitCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child?.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(t);
    child = undefined;
  };
  await start();
  return {
    url,
    httpsUrl: ports.https ? `https://127.0.0.1:${ports.https}` : undefined,
    caFile: ports.https ? join(dir, 'server.crt') : undefined,
    httpPort: ports.http,
    dir,
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs one statement with clickhouse-client-free HTTP (for test assertions); returns the text. */
export async function chSql(url: string, sql: string): Promise<string> {
  const r = await fetch(`${url}/?database=default`, { method: 'POST', body: sql });
  const t = await r.text();
  if (!r.ok) throw new Error(t);
  return t;
}

