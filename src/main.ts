#!/usr/bin/env node
import { main } from './commands/cli.js';

await main(process.argv);
