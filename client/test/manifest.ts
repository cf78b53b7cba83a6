// The extension's package.json, read the way VS Code hands it to the extension.
// Compiled to out/tsc/test/, three levels below the repository root.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export function readManifest(): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
}
