import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { runVerify } from '../../src/commands/verify-command.js';
import { generateSigningKeys } from '../../src/store/index.js';
import { recorderCaptureFactory } from '../../src/session/index.js';
import { openEvent } from './fake-engine.js';
import { renderShell, settle, until } from './render-shell.js';

const dirs: string[] = [];
afterEach(() => {
  cleanup();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe(':record FILE --sign KEY in the shell (real capture store, fake engine)', () => {
  it('signs the manifest at :stop; verify --key finds it intact; a bad key records nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpfsh-shell-sign-'));
    dirs.push(dir);
    const keys = generateSigningKeys(join(dir, 'me'));
    const file = join(dir, 'signed.db');
    const { command, frame, engine } = renderShell({ rows: 40, captureFactory: recorderCaptureFactory });
    await command(`record ${join(dir, 'never.db')} --sign ${keys.publicPath}`);
    await until(() => frame().replace(/\s+/g, '').includes('isapublickey:--signneedstheprivatekey'), 5000, 'key refused');
    await command('attach open');
    await command(`record ${file} --sign ${keys.privatePath}`);
    await until(() => frame().includes(`recording to ${file}`), 5000, 'recording');
    engine.emit([openEvent({ pid: 4242, comm: 'cat', path: '/etc/shadow' })]);
    await settle(300);
    await command('stop');
    await until(() => frame().includes('stopped:'), 5000, 'stop');
    let out = '';
    expect(await runVerify(file, { key: keys.publicPath }, (s) => (out += s), (s) => (out += s))).toBe(0);
    expect(out).toContain(`signature valid: signed by key ${keys.fingerprint}`);
    let err = '';
    expect(await runVerify(join(dir, 'never.db'), {}, () => undefined, (s) => (err += s))).toBe(2);
    expect(err).toContain('no such file');
  });
});
