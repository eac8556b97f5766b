import { useEffect } from 'react';
import { CommandLine } from './CommandLine.js';
import { EventPane } from './EventPane.js';
import { TextPane } from './TextPane.js';
import { Transcript } from './Transcript.js';
import type { ShellModel } from './shell-model.js';

/** Rows the transcript takes under the main pane. */
export const TRANSCRIPT_ROWS = 2;

/**
 * The lower part of the live shell and of replay: the event/detail/pager
 * pane, the transcript and the command line. Tells the model how many rows
 * a page has, after the render (a render changes nothing).
 */
export function ShellBody({ model, paneHeight, columns }: { model: ShellModel; paneHeight: number; columns: number }) {
  useEffect(() => model.setPageRows(paneHeight - 1), [model, paneHeight]);
  const pane = model.pane;
  return (
    <>
      {pane.kind === 'events' ? (
        <EventPane model={model} height={paneHeight} columns={columns} />
      ) : (
        <TextPane title={pane.title} lines={pane.lines} scroll={pane.scroll} height={paneHeight} />
      )}
      <Transcript model={model} height={TRANSCRIPT_ROWS} />
      <CommandLine model={model} />
    </>
  );
}
