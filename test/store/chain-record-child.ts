// Forked by chain-crash.test.ts: records a few committed batches, says so, and waits to be killed (kill -9).
import { recordChained } from './chain-helpers.js';

const [dir, name] = process.argv.slice(2);
const { rec } = await recordChained(dir!, name!, { batches: 4, stop: false });
process.send?.({ batches: rec.stats().batches });
setInterval(() => undefined, 1 << 30);
