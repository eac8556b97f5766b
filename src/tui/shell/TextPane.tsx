import { Box, Text } from 'ink';
import { guard } from '../guard.js';

/** A titled, scrolled page of lines (event detail, help, probes, tree, query). */
export function TextPane({ title, lines, scroll, height }: { title: string; lines: string[]; scroll: number; height: number }) {
  const body = Math.max(1, height - 1);
  const shown = lines.slice(scroll, scroll + body);
  const more = lines.length > scroll + body ? `  (${lines.length - scroll - body} more: Down/PgDn)` : '';
  return (
    <Box flexDirection="column" height={height}>
      <Text bold color="cyan" wrap="truncate-end">
        {guard(title)}
        <Text dimColor>{more}</Text>
      </Text>
      {shown.map((l, i) => (
        <Text key={scroll + i} wrap="truncate-end">
          {guard(l) || ' '}
        </Text>
      ))}
    </Box>
  );
}
