import { closeSync, constants, fstatSync, openSync } from 'node:fs';

/**
 * The rule for files the shell writes on a user's behalf (history, render
 * stats): under sudo they sit in a home or a path the user chose, where the
 * user can put a symlink, a FIFO or a hard link to a file of root's.
 */
export interface UserFilePolicy {
  /** Uids the file may belong to; undefined: any. */
  owners?: number[];
  /** May be created when absent (mode 0600). */
  create?: boolean;
}

/** Why a user file was not opened (the callers treat it as "no such file"). */
export class UserFileError extends Error {
  override readonly name = 'UserFileError';
}

/**
 * Opens `path` so that nothing it is can hurt us: never through a symlink
 * (O_NOFOLLOW), never waiting on a FIFO (O_NONBLOCK), and only a regular file
 * with exactly one link (another name could be a file of root's), owned by
 * one of `policy.owners`. Checked on the open fd, not the name.
 */
export function openUserFile(path: string, flags: number, policy: UserFilePolicy = {}): number {
  const fd = openSync(path, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK | (policy.create ? constants.O_CREAT : 0), 0o600);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UserFileError(`${path} is not a regular file`);
    if (st.nlink !== 1) throw new UserFileError(`${path} has ${st.nlink} links`);
    if (policy.owners && !policy.owners.includes(st.uid)) throw new UserFileError(`${path} belongs to uid ${st.uid}`);
    return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** The invoking user's uid under sudo, if any. */
export function sudoUid(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const uid = Number(env.SUDO_UID);
  return env.SUDO_UID && Number.isInteger(uid) && uid >= 0 ? uid : undefined;
}

/**
 * The policy for a file named by an environment variable (EBPFSH_HISTORY,
 * EBPFSH_RENDER_STATS). Under sudo the environment may come from the user
 * who ran it, so such a file is used only if it already exists, has one link
 * and belongs to that user: root never creates it and never writes a file of
 * root's for them (EBPFSH_HISTORY=/root/.bashrc would turn a typed command
 * into a root login command). Root's own session (no SUDO_UID): root's own
 * files, created if needed. Not root: the user's own rights.
 */
export function envFilePolicy(env: NodeJS.ProcessEnv = process.env, euid: number = process.geteuid?.() ?? -1): UserFilePolicy {
  if (euid !== 0) return { create: true };
  const sudo = sudoUid(env);
  return sudo === undefined ? { owners: [0], create: true } : { owners: [sudo], create: false };
}

/**
 * Opens for appending the file named by the environment variable `name`
 * (envFilePolicy); undefined when it is unset or the file is refused.
 */
export function openEnvFileForAppend(name: string, env: NodeJS.ProcessEnv = process.env, euid: number = process.geteuid?.() ?? -1): number | undefined {
  const path = env[name];
  if (!path) return undefined;
  try {
    return openUserFile(path, constants.O_WRONLY | constants.O_APPEND, envFilePolicy(env, euid));
  } catch {
    return undefined;
  }
}
