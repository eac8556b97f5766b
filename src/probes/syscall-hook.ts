import type { HookChoice, HookSpec } from './types.js';

/**
 * Where a program one probe shares between syscalls is attached for syscall
 * `name`: at its own section when `own` is that syscall, else at `name`'s
 * sys_exit (HookChoice.at). Loaded once, verified once.
 */
export function sharedExitAt(program: string, own: string, name: string): Pick<HookChoice, 'at'> {
  return name === own ? {} : { at: { [program]: `syscalls/sys_exit_${name}` } };
}

/**
 * The hook of a syscall traced at sys_enter + sys_exit: exit first, so an
 * enter that stashes always has its exit attached. `exitIn`: the probe's
 * exits are one program, `exit_any`, in the section of that syscall's
 * sys_exit and attached at this one's too: the kernel verifies it once
 * instead of once per syscall.
 */
export function syscallHook(name: string, optional?: boolean, exitIn?: string): HookSpec {
  const exit = exitIn ? 'exit_any' : `exit_${name}`;
  const at = exitIn ? sharedExitAt(exit, exitIn, name) : {};
  return {
    name,
    ...(optional ? { optional } : {}),
    choices: [{ programs: [exit, `enter_${name}`], attach: `tracepoint/syscalls/sys_{enter,exit}_${name}`, ...at }],
  };
}
