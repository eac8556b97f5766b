import type { HookSpec } from './types.js';

/**
 * The hook of a syscall traced at sys_enter + sys_exit: exit first, so an
 * enter that stashes always has its exit attached. `exitIn`: the probe's
 * exits are one program, `exit_any`, in the section of that syscall's
 * sys_exit and attached at this one's too: the kernel verifies it once
 * instead of once per syscall.
 */
export function syscallHook(name: string, optional?: boolean, exitIn?: string): HookSpec {
  const exit = exitIn ? 'exit_any' : `exit_${name}`;
  const at = exitIn && exitIn !== name ? { at: { exit_any: `syscalls/sys_exit_${name}` } } : {};
  return {
    name,
    ...(optional ? { optional } : {}),
    choices: [{ programs: [exit, `enter_${name}`], attach: `tracepoint/syscalls/sys_{enter,exit}_${name}`, ...at }],
  };
}
