import { Box, Text } from 'ink';
import { guard } from '../guard.js';
import type { ShellModel } from './shell-model.js';

/** The last command output lines (errors red), or the completion choices. */
export function Transcript({ model, height }: { model: ShellModel; height: number }) {
  if (model.choices.length) {
    return (
      <Box height={height}>
        <Text wrap="wrap" dimColor>
          {guard(model.choices.join('  '))}
        </Text>
      </Box>
    );
  }
  const lines = model.transcript.slice(-height);
  return (
    <Box flexDirection="column" height={height}>
      {lines.map((l, i) => (
        <Text key={model.transcript.length - lines.length + i} wrap="truncate-end" color={l.tone === 'error' ? 'red' : undefined} dimColor={l.tone === 'echo'}>
          {guard(l.text)}
        </Text>
      ))}
    </Box>
  );
}
