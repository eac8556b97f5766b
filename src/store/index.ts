export { CaptureError } from './errors.js';
export { Recorder, type RecorderOptions, type RecorderStats, type StopResult } from './writer/recorder.js';
export { CaptureReader, type CaptureInfo, type JournalRow, type EventQuery, type ProcessRow, type QueryResult, type ReaderOptions } from './reader/capture-reader.js';
export { recoverCapture, type RecoveryResult } from './writer/capture-file.js';
export { APPLICATION_ID, SCHEMA_VERSION, CORE_TABLES, EVENTS_VIEW_COLUMNS, probeColumns, createSchemaSql } from './schema.js';
export { createV1SchemaSql } from './reader/migrations.js';
export { eventFromRow } from './reader/rows.js';
export { queryCaptures } from './reader/merged-query.js';
export { BACKGROUND_ATTACH_DETAIL, LOOK_BACK_DETAIL, isBackgroundAttach, isLookBack } from './journal-detail.js';
