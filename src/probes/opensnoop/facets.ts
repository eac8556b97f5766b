import { textOf, type ByteString } from '../../event/index.js';
import { captureRet, captureText } from '../../text/index.js';
import { cutLines } from '../tree-lines.js';
import type { ProbeFacets } from '../types.js';
import { formatOpenFlags } from './open-flags.js';
import { OPEN_LIBRARY, OPEN_RANK_NAMES, OPEN_RANK_SQL, openRank } from './open-rank.js';

/** An open's flags as names, whatever a capture holds in the column. */
function flagsText(flags: unknown): string {
  return typeof flags === 'number' && Number.isInteger(flags) ? formatOpenFlags(flags) : captureText(flags);
}

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
      summary: true,
      select: (host, table) => `SELECT ${host}pid, comm, count(*) AS opens, sum(ret < 0) AS failed, count(DISTINCT path) AS paths,
            min(ts) AS first_ts, max(ts) AS last_ts
     FROM ${table} GROUP BY ${host}pid, comm`,
    },
  ],
  tree: {
    columns: 'ret, path, flags',
    // Writes and creates first, then failed probes of sensitive paths, other files; libraries are only counted.
    rank: OPEN_RANK_SQL,
    rankNames: OPEN_RANK_NAMES,
    lines(rows, ctx) {
      const listed = rows.filter((row) => row[4] !== OPEN_LIBRARY).slice(0, ctx.perKind);
      const out = listed.map(([ts, ret, path, flags]) => `${ctx.indent}  open    ${ctx.time(ts)} ${captureRet(ret)} ${flagsText(flags)} ${captureText(path)}`);
      return [...out, ...cutLines(listed, 'opens', OPEN_RANK_NAMES, ctx)];
    },
  },
  isNoise(e) {
    const { path, flags, ret } = e.fields;
    return openRank(path === null || path === undefined ? '' : textOf(path as ByteString), typeof flags === 'number' ? flags : 0, typeof ret === 'number' ? ret : 0) === OPEN_LIBRARY;
  },
};
