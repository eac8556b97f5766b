import { Text } from 'ink';
import { guard } from '../guard.js';
import type { ShellModel } from './shell-model.js';

/** The prompt: `:` while typing a command, `/` while searching, a hint otherwise. */
export function CommandLine({ model }: { model: ShellModel }) {
  if (model.mode === 'events') {
    const hint = model.pane.kind === 'events' ? ': command  / search  Enter detail  Up/Down/PgUp scroll  End follow  :help' : 'Esc or q close  Up/Down/PgUp/PgDn scroll  : command';
    return (
      <Text dimColor wrap="truncate-end">
        {hint}
      </Text>
    );
  }
  const { text, cursor } = model.line;
  const at = text.slice(cursor, cursor + 1) || ' ';
  return (
    <Text wrap="truncate-start">
      <Text bold>{model.mode === 'command' ? ':' : '/'}</Text>
      {guard(text.slice(0, cursor))}
      <Text inverse>{guard(at)}</Text>
      {guard(text.slice(cursor + 1))}
    </Text>
  );
}
