import type { HookSpec } from './types.js';

/** The hook of a syscall traced at sys_enter + sys_exit: exit first, so an enter that stashes always has its exit attached. */
export function syscallHook(name: string, optional?: boolean): HookSpec {
  return {
    name,
    ...(optional ? { optional } : {}),
    choices: [{ programs: [`exit_${name}`, `enter_${name}`], attach: `tracepoint/syscalls/sys_{enter,exit}_${name}` }],
  };
}
