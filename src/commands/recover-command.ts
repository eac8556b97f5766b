import { escapeTerminal } from '../text/index.js';

/**
 * `ebpfsh recover FILE`: finalizes, in place, a capture whose recorder died or
 * ran out of time to stop (its committed WAL folded in, marked unclean with the
 * gap, indexes built, left self-contained). Readers never do this: they read
 * such a capture from a private copy and leave the evidence as it was.
 */
export async function runRecover(path: string): Promise<void> {
  // Loaded on use, like record: the store costs start-up time.
  const { recoverCapture, SCHEMA_VERSION, READ_IN_PLACE_SINCE } = await import('../store/index.js');
  const r = recoverCapture(path);
  const said = [
    r.wasUnclean
      ? 'finalized after an unclean stop: nothing is known after its last committed batch (a recorder_died loss row marks the gap)'
      : 'was already stopped cleanly',
  ];
  if (r.fromVersion < r.toVersion) said.push(`migrated from schema ${r.fromVersion} to ${r.toVersion}`);
  else if (r.toVersion < SCHEMA_VERSION) said.push(`kept at schema ${r.toVersion} (its integrity chain covers the version; readers ${r.toVersion >= READ_IN_PLACE_SINCE ? 'read it as it is' : 'migrate a copy'})`);
  process.stdout.write(`${escapeTerminal(path)}: ${said.join('; ')}; it is self-contained now\n`);
}
