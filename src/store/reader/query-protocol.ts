/*
 * The one message protocol between a CaptureReader and its query child
 * process: both sides import these types.
 */

/**
 * How the query process opens the captures: `main` is opened read-only (so
 * every database ATTACHed to it is read-only too, and none can be created),
 * each of `attach` is attached under its alias (`c1`, `c2`, ...), then each
 * `setup` statement (a CREATE TEMP VIEW built from our own names only, no
 * value from any capture) is prepared on its own, then query_only is set.
 */
export interface MergeSpec {
  main?: string;
  attach: { alias: string; path: string }[];
  setup: string[];
}

/** Reader -> child: run `sql` on the capture at `path` (opened as `merge` says), at most `maxRows` rows. */
export interface QueryRequest {
  id: number;
  path: string;
  sql: string;
  params: unknown[];
  maxRows: number;
  merge: MergeSpec;
}

/** Child -> reader: the rows of request `id` (`truncated`: more matched than maxRows), or why it failed. */
export type QueryReply =
  | { id: number; columns: string[]; rows: unknown[][]; truncated: boolean }
  | { id: number; error: string; code?: string };
