#!/usr/bin/env node
// `npx elbo-studio …`: the headless CLI (src-main/cli.ts) on the same engine and database as the app.
const { spawn } = require('node:child_process');
const path = require('node:path');
const cli = path.join(__dirname, '..', 'src-main', 'cli.ts');
const child = spawn(process.execPath, ['--import', 'tsx', cli, ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
