export { FleetError } from './errors.js';
export { fleetTarget, parseFleetUrl, defaultConfigPath, DEFAULT_DATABASE, ENV_USER, ENV_PASSWORD, ENV_CONFIG, type FleetTarget } from './target.js';
export { FleetConnection, isUnreachable, type FleetRows } from './connection.js';
export { CaptureSource, captureIdOf } from './capture-source.js';
export { CaptureShipper, ensureFleetSchema, shipCapture, DEFAULT_BATCH_ROWS, type ShipProgress, type ShipResult, type ShipOptions } from './shipper.js';
export { lineageRows, MAX_LINEAGE_DEPTH } from './lineage.js';
export { ShipStream, type ShipStreamEvents } from './stream.js';
export { shipTables, fleetTableSql, CAPTURES_TABLE, PROGRESS_TABLE, LINEAGE_TABLE } from './schema.js';
