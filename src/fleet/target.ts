import { lstatSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FleetError } from './errors.js';

/** Where the fleet store is: the server's origin and the database, and who to log in as. */
export interface FleetTarget {
  /** http(s)://host:port */
  origin: string;
  database: string;
  tls: boolean;
  user: string;
  password: string;
  /** Where the credentials came from (never the values): shown in errors. */
  credentialSource: string;
}

/** The database used when the URL names none. */
export const DEFAULT_DATABASE = 'ebpfsh';
/** Environment variables holding the credentials. */
export const ENV_USER = 'EBPFSH_CLICKHOUSE_USER';
export const ENV_PASSWORD = 'EBPFSH_CLICKHOUSE_PASSWORD';
/** Environment variable naming the credentials file (default ~/.config/ebpfsh/clickhouse.json). */
export const ENV_CONFIG = 'EBPFSH_CLICKHOUSE_CONFIG';

/** The default credentials file. */
export function defaultConfigPath(): string {
  return join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'ebpfsh', 'clickhouse.json');
}

/**
 * Parses `http(s)://host:port[/db]`. Credentials in the URL are refused:
 * a command line is visible to every user in `ps`.
 */
export function parseFleetUrl(text: string): Omit<FleetTarget, 'user' | 'password' | 'credentialSource'> {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new FleetError(`'${text}' is not a url: give http://host:8123[/database] or https://...`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new FleetError(`unsupported url scheme '${u.protocol.replace(/:$/, '')}': give http://host:8123[/database] or https://host:8443[/database]`);
  if (u.username || u.password)
    throw new FleetError(`credentials in the url are refused (a command line shows in ps): drop 'user:password@' and set ${ENV_USER}/${ENV_PASSWORD} or a 0600 ${defaultConfigPath()}`);
  if (u.search || u.hash) throw new FleetError('the url takes no query or fragment: give http(s)://host:port[/database]');
  const path = u.pathname.replace(/^\/+|\/+$/g, '');
  if (path && !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(path)) throw new FleetError(`'${path}' is not a database name (letters, digits and _): give http(s)://host:port/database`);
  return { origin: u.origin, database: path || DEFAULT_DATABASE, tls: u.protocol === 'https:' };
}

/** Reads the credentials file, refusing one others could read (or a symlink, or not a regular file). */
function readConfigFile(path: string, explicit: boolean): { user?: string; password?: string } | null {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !explicit) return null;
    throw new FleetError(`cannot read the credentials file ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'}): fix ${ENV_CONFIG} or create it`);
  }
  if (!st.isFile()) throw new FleetError(`the credentials file ${path} is not a regular file: point ${ENV_CONFIG} at a plain 0600 file`);
  if (st.mode & 0o077) throw new FleetError(`the credentials file ${path} can be read by others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}): chmod 600 it`);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) throw new FleetError(`the credentials file ${path} belongs to another user: use your own 0600 file`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new FleetError(`the credentials file ${path} is not JSON: write {"user": "...", "password": "..."}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new FleetError(`the credentials file ${path} must hold {"user": "...", "password": "..."}`);
  const { user, password } = data as Record<string, unknown>;
  if ((user !== undefined && typeof user !== 'string') || (password !== undefined && typeof password !== 'string'))
    throw new FleetError(`the credentials file ${path}: user and password must be strings`);
  return { user, password };
}

/** The fleet target of a URL, with credentials from the environment, else the 0600 config file, else ClickHouse's `default` user. */
export function fleetTarget(url: string, env: NodeJS.ProcessEnv = process.env): FleetTarget {
  const base = parseFleetUrl(url);
  if (env[ENV_USER] !== undefined || env[ENV_PASSWORD] !== undefined)
    return { ...base, user: env[ENV_USER] || 'default', password: env[ENV_PASSWORD] ?? '', credentialSource: `${ENV_USER}/${ENV_PASSWORD}` };
  const explicit = env[ENV_CONFIG];
  const path = explicit || defaultConfigPath();
  const file = readConfigFile(path, Boolean(explicit));
  if (file) return { ...base, user: file.user || 'default', password: file.password ?? '', credentialSource: path };
  return { ...base, user: 'default', password: '', credentialSource: `no credentials (set ${ENV_USER}/${ENV_PASSWORD} or a 0600 ${path})` };
}
