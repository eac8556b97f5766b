import { formatRet } from '../../text/index.js';
import { anyPathMatches, parsePathPattern, type ByteString, type PathPattern } from '../../event/index.js';
import {
  EXEC_ARGC_UNKNOWN,
  EXEC_EXE_KNOWN,
  EXEC_EXE_OTHERS_WRITABLE,
  EXEC_EXE_OVERLAY_UPPER,
  EXEC_FILELESS_DELETED,
  EXEC_FILELESS_MEMFD,
  EXEC_F_ARGS_FAULT,
  EXEC_F_ARGS_TRUNCATED,
  EXEC_F_ENV_DROPPED,
  EXEC_F_ENV_INCOMPLETE,
  EXEC_F_ENV_TRUNCATED,
  EXEC_F_EXE_TRUNCATED,
  EXEC_F_FILENAME_TRUNCATED,
} from '../../event/generated/skeleton.js';
import type { ProbeSpec } from '../types.js';
import { execEnvTables } from './env-names.js';
import { envEntry, envValue, execsnoopFacets, parseEnvKey } from './facets.js';

const CUT = EXEC_F_ARGS_TRUNCATED | EXEC_F_FILENAME_TRUNCATED | EXEC_F_EXE_TRUNCATED | EXEC_F_ENV_TRUNCATED | EXEC_F_ENV_DROPPED | EXEC_F_ENV_INCOMPLETE;
/** enum exec_fileless as stored. */
const FILELESS: Record<number, string> = { [EXEC_FILELESS_MEMFD]: 'memfd', [EXEC_FILELESS_DELETED]: 'deleted' };

/** The memfd's name as /proc shows it (`memfd:payload`): the exe path without the root of its internal mount. */
function memfdName(exe: ByteString): ByteString {
  if (typeof exe === 'string') return exe.replace(/^\//, '');
  return exe[0] === 0x2f ? exe.subarray(1) : exe;
}

/** makedev(3) of a kernel dev_t (major << 20 | minor): the st_dev that stat(2) shows. */
export function userDev(kdev: number): number {
  const major = kdev >>> 20;
  const minor = kdev & 0xfffff;
  return ((minor & 0xff) | (major << 8) | ((minor & ~0xff) * 4096)) >>> 0;
}

/** The executed file's identity fields (all null when the kernel had none: a failed exec). */
function exeIdentity(m: Record<string, unknown>): Record<string, number | null> {
  const marks = m.exe_marks as number;
  if (!(marks & EXEC_EXE_KNOWN)) {
    return { exe_dev: null, exe_ino: null, exe_size: null, exe_mtime: null, exe_mtime_nsec: null, exe_mode: null, exe_uid: null, exe_upper: null, exe_writable: null };
  }
  return {
    exe_dev: userDev(m.exe_dev as number),
    exe_ino: m.exe_ino as number,
    exe_size: m.exe_size as number,
    exe_mtime: m.exe_mtime_sec as number,
    exe_mtime_nsec: m.exe_mtime_nsec as number,
    exe_mode: m.exe_mode as number,
    exe_uid: m.exe_uid as number,
    exe_upper: marks & EXEC_EXE_OVERLAY_UPPER ? 1 : 0,
    exe_writable: marks & EXEC_EXE_OTHERS_WRITABLE ? 1 : 0,
  };
}

/** execsnoop: every exec, with its full argv, and failed execs with their error. */
export const execsnoop: ProbeSpec = {
  name: 'execsnoop',
  aliases: ['exec', 'execve'],
  table: 'exec',
  summary: 'process executions: filename, exe path, full argv, fileless execs, chosen env variables (LD_PRELOAD, PATH, proxies); failed execs with their error',
  object: 'execsnoop',
  profiles: ['forensic'],
  // exit before enter: once an enter stashes an exec, its exit is there to delete it.
  // The exec hook: the raw tracepoint first. It is tp_btf's hook with the same
  // arguments read the same way (bprm->filename, the old pid), but loading it
  // needs no attach BTF id, so no parse of the whole kernel BTF (~10 ms of CPU
  // at every start, ~1/4 of execsnoop's load); tp_btf and the tracefs
  // tracepoint remain for kernels that refuse it.
  hooks: [
    {
      name: 'exec',
      choices: [
        { programs: ['exec_raw'], attach: 'raw_tp/sched_process_exec' },
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
      // sys_exit_execveat's record is sys_exit_execve's: the execve hook's exit program, loaded once, attaches to both
      choices: [{ programs: ['exit_execve', 'enter_execveat'], attach: 'tracepoint/syscalls/sys_{enter,exit}_execveat', at: { exit_execve: 'syscalls/sys_exit_execveat' } }],
    },
  ],
  record: {
    struct: 'exec_event',
    members: {
      ret: 'i32',
      argc: 'u32',
      args_size: 'u32',
      flags: 'u16',
      filename_len: 'u16',
      exe_len: 'u16',
      args_len: 'u16',
      env_len: 'u16',
      fileless: 'u8',
      env_cut: 'u32',
      exe_dev: 'u32',
      exe_ino: 'u64',
      exe_size: 'i64',
      exe_mtime_sec: 'i64',
      exe_mtime_nsec: 'u32',
      exe_uid: 'u32',
      exe_mode: 'u16',
      exe_marks: 'u8',
    },
    segments: ['filename_len', 'exe_len', 'args_len', 'env_len'],
  },
  fields: [
    { name: 'ret', type: 'int', doc: '0, or -errno of a failed execve', width: 7 },
    { name: 'filename', type: 'text', doc: 'the path passed to execve' },
    { name: 'exe', type: 'text', doc: 'absolute path of the executable that runs (empty for a failed exec)' },
    { name: 'argv', type: 'argv', doc: 'argument vector, argv[0] first' },
    { name: 'argc', type: 'int', doc: 'number of arguments (null when truncated and unknown)' },
    { name: 'args_size', type: 'int', doc: 'bytes of argv before any truncation' },
    { name: 'fileless', type: 'text', since: 3, doc: 'memfd: the image runs from a memfd (a kernel-internal file); deleted: from a file with no links left; null: a file on disk' },
    {
      name: 'env',
      type: 'argv',
      since: 3,
      doc: 'the chosen environment variables the image got, as NAME=value in env order (duplicates kept): LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT, PATH, HTTP(S)_PROXY, http(s)_proxy, or EBPFSH_EXEC_ENV',
    },
    { name: 'env_cut', type: 'int', since: 3, doc: 'bit i set: the value of env[i] was cut at 1024 bytes (or for room)' },
    { name: 'exe_dev', type: 'int', since: 4, doc: "device of the executed file, as stat's st_dev (makedev(major, minor)); null for a failed exec" },
    { name: 'exe_ino', type: 'int', since: 4, doc: 'inode number of the executed file' },
    { name: 'exe_size', type: 'int', since: 4, doc: 'size in bytes of the executed file at exec' },
    { name: 'exe_mtime', type: 'int', since: 4, doc: 'modification time of the executed file at exec, seconds since the epoch' },
    { name: 'exe_mtime_nsec', type: 'int', since: 4, doc: 'nanoseconds of exe_mtime' },
    { name: 'exe_mode', type: 'int', since: 4, doc: 'type and permission bits of the executed file (st_mode)' },
    { name: 'exe_uid', type: 'int', since: 4, doc: 'owner uid of the executed file' },
    { name: 'exe_upper', type: 'int', since: 4, doc: '1: the file is on overlayfs with its copy in the upper (writable) layer, a container\'s own or changed file; 0: not' },
    { name: 'exe_writable', type: 'int', since: 4, doc: '1: the file is writable by someone other than its owner (group or other write bit); 0: not' },
    { name: 'truncated', type: 'int', doc: '1 when argv, filename, exe or an env value was cut, an env entry left out, or the env not scanned to its end' },
  ],
  retField: 'ret',
  filterKeys: {
    path: {
      doc: 'filename or exe: exact, prefix ending in / , or glob with *',
      example: 'path=/tmp/',
      parse: parsePathPattern,
      match: (e, values) => anyPathMatches([e.fields.filename as ByteString, e.fields.exe as ByteString], values as PathPattern[]),
    },
    env: {
      doc: 'an environment variable execsnoop keeps was set (NAME), or set to a value (NAME=glob with *)',
      example: 'env=LD_PRELOAD',
      parse: parseEnvKey,
      match: (e, values) => (values as ReturnType<typeof parseEnvKey>[]).some((t) => (e.fields.env as ByteString[]).some((x) => t(x))),
    },
  },
  decode(raw) {
    const { members } = raw;
    const flags = members.flags as number;
    const argv = raw.list(2);
    const argc = members.argc as number;
    const truncated = (flags & CUT) !== 0;
    return {
      ret: members.ret as number,
      filename: raw.text(0),
      exe: raw.text(1),
      argv,
      argc: argc !== EXEC_ARGC_UNKNOWN ? argc : truncated || flags & EXEC_F_ARGS_FAULT ? null : argv.length,
      args_size: members.args_size as number,
      fileless: FILELESS[members.fileless as number] ?? null,
      env: raw.list(3),
      env_cut: members.env_cut as number,
      ...exeIdentity(members),
      truncated: truncated ? 1 : 0,
    };
  },
  describe(e) {
    const f = e.fields;
    const parts: ReturnType<ProbeSpec['describe']> = [formatRet(f.ret as number).padStart(6) + ' ', { data: f.filename as ByteString }, ' ', { data: f.argv as ByteString[] }];
    if (f.fileless === 'memfd') parts.push(' [fileless: ', { data: memfdName(f.exe as ByteString) }, ']');
    else if (f.fileless === 'deleted') parts.push(' [fileless: deleted ', { data: f.exe as ByteString }, ']');
    const env = (f.env as ByteString[] | undefined) ?? [];
    for (const name of ['LD_PRELOAD', 'LD_AUDIT']) {
      const i = env.findIndex((x) => envEntry(x, name));
      if (i >= 0) parts.push(` [${name}=`, { data: envValue(env[i]!) }, (((f.env_cut as number) >>> i) & 1 ? '…' : '') + ']');
    }
    if (f.truncated) parts.push(' [truncated]');
    return parts;
  },
  facets: execsnoopFacets,
  kernelTables: () => execEnvTables(),
};
