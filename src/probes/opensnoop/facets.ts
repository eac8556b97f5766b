import { textOf, type ByteString } from '../../event/index.js';
import { captureRet, captureText } from '../../text/index.js';
import { moreLines } from '../tree-lines.js';
import type { ProbeFacets } from '../types.js';
import { formatOpenFlags } from './open-flags.js';

/** Opens read per process for the tree: library and locale opens among them are only counted. */
const OPENS_READ = 500;
/** Where the dynamic loader and libc look on every start: noise in a process tree. */
const LOADER_NOISE = /^(\/etc\/ld\.so\.cache$|\/(usr\/)?lib(32|64|x32)?\/|\/usr\/share\/locale\/|\/usr\/lib\/locale\/)/;

/** What the rest of ebpfsh asks of opensnoop. */
export const opensnoopFacets: ProbeFacets = {
  detailValue(field, v) {
    if (field === 'flags') return `${formatOpenFlags(v)} (0x${v.toString(16)})`;
    if (field === 'mode') return `0${v.toString(8)}`;
    return undefined;
  },
  completionValues(e, add) {
    add('path', textOf(e.fields.path as ByteString));
  },
  dashboard: (e) => ({ panel: 'files', path: (e.fields.path as ByteString | null) ?? '', ret: e.fields.ret as number }),
  forensicViews: [
    {
      // Files per process: opens, failures, distinct paths, first and last.
      name: 'files_per_process',
      select: (host, table) => `SELECT ${host}pid, comm, count(*) AS opens, sum(ret < 0) AS failed, count(DISTINCT path) AS paths,
            min(ts) AS first_ts, max(ts) AS last_ts
     FROM ${table} GROUP BY ${host}pid, comm`,
    },
  ],
  tree: {
    columns: 'ret, path, flags',
    read: OPENS_READ,
    lines(rows, ctx) {
      const out: string[] = [];
      const noise = rows.filter(([, , path]) => typeof path === 'string' && LOADER_NOISE.test(path));
      const opens = rows.filter((row) => !noise.includes(row));
      for (const [ts, ret, path] of opens.slice(0, ctx.perKind)) out.push(`${ctx.indent}  open    ${ctx.time(ts)} ${captureRet(ret)} ${captureText(path)}`);
      if (noise.length) out.push(`${ctx.indent}  open    (+ ${noise.length}${rows.length >= OPENS_READ ? '+' : ''} opens of shared libraries and locale files)`);
      return [...out, ...moreLines(opens, 'open', ctx)];
    },
  },
};
