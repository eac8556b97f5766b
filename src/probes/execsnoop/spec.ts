import { formatRet } from '../../text/index.js';
import { anyPathMatches, parsePathPattern, type ByteString, type PathPattern } from '../../event/index.js';
import { EXEC_ARGC_UNKNOWN, EXEC_F_ARGS_FAULT, EXEC_F_ARGS_TRUNCATED, EXEC_F_EXE_TRUNCATED, EXEC_F_FILENAME_TRUNCATED } from '../../event/generated/skeleton.js';
import type { ProbeSpec } from '../types.js';
import { execsnoopFacets } from './facets.js';

/** execsnoop: every exec, with its full argv, and failed execs with their error. */
export const execsnoop: ProbeSpec = {
  name: 'execsnoop',
  aliases: ['exec', 'execve'],
  table: 'exec',
  summary: 'process executions: filename, exe path, full argv; failed execs with their error',
  object: 'execsnoop',
  profiles: ['forensic'],
  // exit before enter: once an enter stashes an exec, its exit is there to delete it
  hooks: [
    {
      name: 'exec',
      choices: [
        { programs: ['exec_btf'], attach: 'tp_btf/sched_process_exec' },
        { programs: ['exec_tp'], attach: 'tracepoint/sched/sched_process_exec' },
      ],
    },
    {
      name: 'execve failures',
      optional: true,
      choices: [{ programs: ['exit_execve', 'enter_execve'], attach: 'tracepoint/syscalls/sys_{enter,exit}_execve' }],
    },
    {
      name: 'execveat failures',
      optional: true,
      choices: [{ programs: ['exit_execveat', 'enter_execveat'], attach: 'tracepoint/syscalls/sys_{enter,exit}_execveat' }],
    },
  ],
  record: {
    struct: 'exec_event',
    members: { ret: 'i32', argc: 'u32', args_size: 'u32', flags: 'u16', filename_len: 'u16', exe_len: 'u16', args_len: 'u16' },
    segments: ['filename_len', 'exe_len', 'args_len'],
  },
  fields: [
    { name: 'ret', type: 'int', doc: '0, or -errno of a failed execve', width: 7 },
    { name: 'filename', type: 'text', doc: 'the path passed to execve' },
    { name: 'exe', type: 'text', doc: 'absolute path of the executable that runs (empty for a failed exec)' },
    { name: 'argv', type: 'argv', doc: 'argument vector, argv[0] first' },
    { name: 'argc', type: 'int', doc: 'number of arguments (null when truncated and unknown)' },
    { name: 'args_size', type: 'int', doc: 'bytes of argv before any truncation' },
    { name: 'truncated', type: 'int', doc: '1 when argv, filename or exe was cut to fit the record' },
  ],
  retField: 'ret',
  filterKeys: {
    path: {
      doc: 'filename or exe: exact, prefix ending in / , or glob with *',
      example: 'path=/tmp/',
      parse: parsePathPattern,
      match: (e, values) => anyPathMatches([e.fields.filename as ByteString, e.fields.exe as ByteString], values as PathPattern[]),
    },
  },
  decode(raw) {
    const { members } = raw;
    const flags = members.flags as number;
    const argv = raw.list(2);
    const argc = members.argc as number;
    const truncated = (flags & (EXEC_F_ARGS_TRUNCATED | EXEC_F_FILENAME_TRUNCATED | EXEC_F_EXE_TRUNCATED)) !== 0;
    return {
      ret: members.ret as number,
      filename: raw.text(0),
      exe: raw.text(1),
      argv,
      argc: argc !== EXEC_ARGC_UNKNOWN ? argc : truncated || flags & EXEC_F_ARGS_FAULT ? null : argv.length,
      args_size: members.args_size as number,
      truncated: truncated ? 1 : 0,
    };
  },
  describe(e) {
    const f = e.fields;
    const parts = [formatRet(f.ret as number).padStart(6) + ' ', { data: f.filename as ByteString }, ' ', { data: f.argv as ByteString[] }];
    if (f.truncated) parts.push(' [truncated]');
    return parts;
  },
  facets: execsnoopFacets,
};
