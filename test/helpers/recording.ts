import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitFor } from './kernel.js';

/** The real binary. */
export const BIN = fileURLToPath(new URL('../../bin/ebpfsh', import.meta.url));

/**
 * The same build, installed where other users can run it (test/global-setup.ts):
 * tests that run ebpfsh as uid 1000 use it, since the checkout may sit in a 0700 home.
 */
export const OTHER_BIN = process.env.EBPFSH_TEST_OTHER_BIN ?? BIN;

/** A TCP listener on `host` that closes every connection it accepts. */
export function listener(host = '127.0.0.1'): Promise<Server & { port: number }> {
  return new Promise((resolve) => {
    const srv = createServer((c) => c.destroy());
    srv.listen(0, host, () => resolve(Object.assign(srv, { port: (srv.address() as { port: number }).port })));
  });
}

/**
 * Records `path` with the real `ebpfsh record -w path <args>` while
 * `workload` runs, then stops it as a responder would (Ctrl-C) once what the
 * workload did has had time to reach the capture.
 */
export async function recordWhile(path: string, args: string[], workload: () => Promise<void>): Promise<void> {
  const rec = spawn(BIN, ['record', '-w', path, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  rec.stderr.on('data', (d) => (err += d));
  const closed = new Promise((r) => rec.on('close', r));
  await waitFor(() => err.includes('Ctrl-C to stop'), 15_000, `the recorder to start (${err.trim()})`);
  try {
    await workload();
    await new Promise((r) => setTimeout(r, 400));
  } finally {
    rec.kill('SIGINT');
    await closed;
  }
}

/** Starts `ebpfsh trace <args>`, waits for it to attach, runs `fire`, and collects its output until it exits (use -n or -d). */
export async function traceWhile(args: string[], fire: () => void, attachMs = 15_000): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const p = spawn(BIN, ['trace', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d) => (stdout += d));
  p.stderr.on('data', (d) => (stderr += d));
  const closed = new Promise<number | null>((r) => p.on('close', r));
  await waitFor(() => stderr.includes('Ctrl-C to stop'), attachMs, 'trace to attach');
  fire();
  const code = await closed;
  return { stdout, stderr, code };
}

/** How views label uid 1000 on this host: `name(1000)` from /etc/passwd, or `1000` when it has no name. */
export const UID_1000_LABEL = ((): string => {
  const name = /^([^:\n]+):[^:\n]*:1000:/m.exec(readFileSync('/etc/passwd', 'utf8'))?.[1];
  return name ? `${name}(1000)` : '1000';
})();
