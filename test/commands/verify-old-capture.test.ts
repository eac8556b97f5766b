import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatInfo } from '../../src/commands/info-command.js';
import { runVerify } from '../../src/commands/verify-command.js';
import { CaptureReader } from '../../src/store/index.js';
import { sha256, tempDir } from '../store/helpers.js';

describe('a capture recorded before the integrity chain', () => {
  const t = tempDir('ebpfsh-verify-old-');
  afterAll(() => t.cleanup());

  it('is "unverifiable (no chain)", exit 4, never an error; the file is unchanged; info says so', async () => {
    const v1 = join(t.dir, 'v1.db');
    copyFileSync(new URL('../fixtures/store/v1-capture.db', import.meta.url), v1);
    const before = sha256(v1);
    let out = '';
    let err = '';
    const code = await runVerify(v1, {}, (s) => (out += s), (s) => (err += s));
    expect(code).toBe(4);
    expect(err).toBe('');
    expect(out).toContain('UNVERIFIABLE (no chain)');
    expect(out).toContain('recorded by an older ebpfsh (capture schema 1');
    expect(sha256(v1)).toBe(before);
    const r = CaptureReader.open(v1);
    expect(r.chainStatus().state).toBe('unverifiable');
    expect(formatInfo(r.info(), [], [], r.chainStatus())).toContain('integrity unverifiable (no chain)');
    r.close();
  });
});
