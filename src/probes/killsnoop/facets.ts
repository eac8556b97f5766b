import type { ByteString } from '../../event/index.js';
import { captureCell, captureRet, captureText } from '../../text/index.js';
import { moreLines } from '../tree-lines.js';
import type { ProbeFacets } from '../types.js';
import { signalName } from '../signals.js';

const SIGKILL = 9;
const SIGSTOP = 19;
const SIGCHLD = 17;

/** A signal number from a capture cell, by name when it is a number. */
const sigCell = (v: unknown) => (typeof v === 'number' ? signalName(v) : captureCell(v));

/** What the rest of ebpfsh asks of killsnoop. */
export const killsnoopFacets: ProbeFacets = {
  detailValue(field, v) {
    if (field === 'sig') return `${signalName(v)} (${v})`;
    return undefined;
  },
  completionValues(e, add) {
    const f = e.fields;
    if (f.sig) add('sig', signalName(f.sig as number).replace(/^SIG/, ''));
    if (typeof f.target === 'number' && f.target > 0) add('target', String(f.target));
    add('source', String(f.source));
  },
  tree: {
    columns: 'sig, target, target_tid, target_comm, result, source, syscall, ret',
    read: 200,
    lines(rows, ctx) {
      // the SIGCHLD the kernel raises for the parent as this process exits: one per exit, only counted
      const noise = rows.filter(([, sig, , , , , source]) => sig === SIGCHLD && source === 'kernel');
      const sent = rows.filter((r) => !noise.includes(r));
      const out: string[] = [];
      for (const [ts, sig, target, tid, comm, result, source, syscall, ret] of sent.slice(0, ctx.perKind)) {
        const line =
          syscall !== null && syscall !== undefined
            ? `${captureText(syscall)}(${captureCell(target ?? tid)}, ${sigCell(sig)}) ${captureRet(ret)}`
            : `${sigCell(sig)} -> ${captureCell(target ?? tid)} ${captureText(comm)} ${captureText(result)}${source === 'syscall' ? '' : ` (${captureText(source)})`}`;
        out.push(`${ctx.indent}  signal  ${ctx.time(ts)} ${line}`);
      }
      if (noise.length) out.push(`${ctx.indent}  signal  (+ ${noise.length}${rows.length >= 200 ? '+' : ''} SIGCHLD to the parent, raised by the kernel at exit)`);
      return [...out, ...moreLines(sent, 'signal', ctx)];
    },
  },
  // A process stopped or killed outright by a process of another user: what a takeover or a sabotage looks like.
  security(e) {
    const f = e.fields;
    if (f.syscall !== null || (f.sig !== SIGKILL && f.sig !== SIGSTOP)) return undefined;
    if (f.source !== 'syscall' && f.source !== 'user') return undefined;
    if (f.target_uid === null || f.target_uid === e.uid) return undefined;
    return {
      label: 'kill',
      parts: [`${signalName(f.sig as number)} from uid ${e.uid} to ${f.target} `, { data: f.target_comm as ByteString }, ` (uid ${f.target_uid})`],
    };
  },
};

