export { CaptureError } from './errors.js';
export { Recorder, type RecorderOptions, type RecorderStats, type StopResult } from './recorder.js';
export { CaptureReader, type CaptureInfo, type EventQuery, type ProcessRow, type QueryResult, type ReaderOptions } from './reader.js';
export { recoverCapture, createCapture, CAPTURE_FILE_MODE, type RecoveryResult, type CaptureMeta } from './capture-file.js';
export { APPLICATION_ID, SCHEMA_VERSION, CORE_TABLES, HEADER_COLUMNS, EVENTS_VIEW_COLUMNS, probeColumns, createSchemaSql } from './schema.js';
export { createV1SchemaSql, migrate } from './migrations.js';
export { validateCapture } from './validate.js';
export { scanProcesses } from './proc-seed.js';
export { eventFromRow } from './rows.js';
