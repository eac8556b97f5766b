import { describeStatus, exitStatus } from './exitsnoop/status.js';

/** A raw wait status (task->exit_code) as `exit 3`, `killed by SIGKILL` or `killed by SIGSEGV (core dumped)`. */
export function describeWaitStatus(status: number): string {
  const { code, sig, core } = exitStatus(status);
  return describeStatus(code, sig, core);
}
