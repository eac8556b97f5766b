import { textOf, type ByteString } from '../../event/index.js';
import { captureRet, captureText, escapeTerminal } from '../../text/index.js';
import { moreLines } from '../tree-lines.js';
import { EXEC_KIND_EXEC } from '../../event/generated/skeleton.js';
import type { ProbeFacets } from '../types.js';

/** What the rest of ebpfsh asks of execsnoop. */
export const execsnoopFacets: ProbeFacets = {
  completionValues(e, add) {
    add('path', textOf(e.fields.filename as ByteString));
  },
  // The new image runs (ret is 0): full argv, but no start time, so it updates the live process of that pid.
  processFact(e) {
    if (e.kind !== EXEC_KIND_EXEC || (e.fields.ret as number) !== 0) return undefined;
    return { kind: 'exec', exe: e.fields.exe as ByteString, argv: e.fields.argv as ByteString[], fullArgv: true };
  },
  tree: {
    columns: 'ret, filename, argv',
    lines(rows, ctx) {
      const out: string[] = [];
      for (const [ts, ret, filename, argv] of rows.slice(0, ctx.perKind)) {
        let args = '';
        try {
          args = (JSON.parse(String(argv ?? '[]')) as string[]).map((x) => escapeTerminal(typeof x === 'string' ? x : String(JSON.stringify(x)))).join(' ');
        } catch {
          args = captureText(argv);
        }
        out.push(`${ctx.indent}  exec    ${ctx.time(ts)} ${captureRet(ret)} ${captureText(filename)} ${args}`);
      }
      return [...out, ...moreLines(rows, 'exec', ctx)];
    },
  },
};
