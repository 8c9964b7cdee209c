#!/usr/bin/env node
// `stele`: see README.md ("The command line") and `stele --help`.
import { main } from './_commands.js';
import { runCli } from './_help.js';

await runCli(main);
