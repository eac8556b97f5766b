import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExport } from '../../src/commands/export-command.js';
import { renderRows } from '../../src/commands/query-output.js';
import { CaptureReader, Recorder } from '../../src/store/index.js';
import { execEvent, openEvent, tempDir } from '../store/helpers.js';

const O_WRONLY_CREAT = 0o1 | 0o100; // 65
const t = tempDir('ebpfsh-export-');
const path = join(t.dir, 'c.db');

beforeAll(async () => {
  const rec = Recorder.create(path, undefined, { toolVersion: 'test', commandLine: ['ebpfsh', 'record'], reserveBytes: 0 });
  await rec.whenReady();
  const exec = execEvent(1, ['/tmp/.x/kworker', '-q', 'two words']);
  exec.fields.env = ['PATH=/usr/bin', 'HOME=/home/u'];
  rec.record([exec, openEvent(2, '/tmp/.x/kworker', {}), { ...openEvent(3, '=HYPERLINK("x")'), fields: { ...openEvent(3).fields, path: '=HYPERLINK("x")', flags: O_WRONLY_CREAT, mode: 0o755 } }]);
  await rec.stop('user');
});
afterAll(() => t.cleanup());

/** What runExport writes, as text. */
async function exportText(args: string[], opts: { format: 'ndjson' | 'csv'; probe?: string }): Promise<string> {
  let text = '';
  const out = new Writable({ write(chunk, _enc, cb) { text += String(chunk); cb(); } });
  await runExport(path, args, opts, out);
  return text;
}

describe('output formats', () => {
  it('export --format ndjson gives argv and env as JSON arrays', async () => {
    const line = JSON.parse((await exportText([], { format: 'ndjson', probe: 'execsnoop' })).split('\n')[0]!);
    expect(line.argv).toEqual(['/tmp/.x/kworker', '-q', 'two words']);
    expect(line.env).toEqual(['PATH=/usr/bin', 'HOME=/home/u']);
  });

  it('query --format ndjson and json give argv-typed columns as arrays, not a string of JSON', async () => {
    const r = CaptureReader.open(path);
    try {
      const rows = await r.query("SELECT comm, argv, env, '[\"not\",\"argv\"]' AS other FROM exec");
      const nd = JSON.parse(renderRows(rows, 'ndjson'));
      expect(nd.argv).toEqual(['/tmp/.x/kworker', '-q', 'two words']);
      expect(nd.env).toEqual(['PATH=/usr/bin', 'HOME=/home/u']);
      expect(nd.other).toBe('["not","argv"]'); // a column that is not argv-typed stays as the text it is
      expect(JSON.parse(renderRows(rows, 'json'))[0].argv).toEqual(['/tmp/.x/kworker', '-q', 'two words']);
      // Text that is not a JSON array of strings (a hostile capture's) stays text.
      const odd = JSON.parse(renderRows({ columns: ['argv'], rows: [['[1,2]'], ['[oops']] }, 'ndjson').split('\n')[1]!);
      expect(odd.argv).toBe('[oops');
    } finally {
      r.close();
    }
  });

  it('CSV decodes open flags and modes beside the raw number, and stays spreadsheet-safe', async () => {
    const lines = (await exportText([], { format: 'csv', probe: 'opensnoop' })).split('\r\n');
    const head = lines[0]!.split(',');
    expect(head.indexOf('flags_text')).toBe(head.indexOf('flags') + 1);
    expect(head.indexOf('mode_text')).toBe(head.indexOf('mode') + 1);
    const row = lines.find((l) => l.includes('HYPERLINK'))!;
    expect(row).toContain(`,${O_WRONLY_CREAT},O_WRONLY|O_CREAT (0x41),493,0755,`);
    expect(row).toContain(`,"'=HYPERLINK(""x"")",`);
  });
});
