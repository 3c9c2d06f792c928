#!/usr/bin/env bun
// `npx caracal ...`: runs the CLI under Bun (npm puts node_modules/.bin, with bun, on the PATH).
import "../server/main.ts";
