import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { bashScript } from './bash.js';
import { completionModel } from './model.js';
import { zshScript } from './zsh.js';

export { completionModel, type CompletionModel, type WordKind } from './model.js';

/** The shells `ebpfsh completion` writes scripts for. */
export const COMPLETION_SHELLS = ['bash', 'zsh'] as const;

/** The completion script for `shell`, from `program` (with its full help) and the probe registry. */
export function completionScript(shell: string, program: Command): string {
  if (shell === 'bash') return bashScript(completionModel(program));
  if (shell === 'zsh') return zshScript(completionModel(program));
  throw new UsageError(`no completion for '${shell}': ebpfsh completion bash, or ebpfsh completion zsh`);
}
