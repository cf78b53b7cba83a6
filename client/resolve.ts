// How the language server is found, as a pure function of the settings and a few
// probes, so the documented order is tested without VS Code or a Python install.

import * as path from 'node:path';

export interface LaunchSettings {
  /** `siyada.server.path`: a `siyada` executable. */
  serverPath: string;
  /** `siyada.interpreter`: a Python with the `siyada` package. */
  interpreter: string;
}

export interface Probes {
  /** The interpreter selected in the Python extension, when that extension is installed. */
  pythonExtensionInterpreter(): Promise<string | undefined>;
  /** Whether `python -c "import siyada"` succeeds. */
  hasServer(python: string): Promise<boolean>;
  /** The Python of the environment this extension manages, when it has been created. */
  managedPython(): Promise<string | undefined>;
}

export type Source =
  'siyada.server.path' | 'siyada.interpreter' | 'Python extension' | 'python3' | 'managed environment';

export type Launch =
  /** Run `command args` (vscode-languageclient appends `--stdio`). */
  | { kind: 'run'; command: string; args: string[]; source: Source }
  /** `python` was chosen (by `source`) but cannot import the server. */
  | { kind: 'missing'; python: string; source: Source };

export const DEFAULT_PYTHON = 'python3';

/**
 * The documented order: `siyada.server.path`, else `siyada.interpreter`, else the
 * Python extension's interpreter, else `python3`. When the chosen Python lacks the
 * server, the environment the extension manages is used if it exists.
 */
export async function resolveServer(settings: LaunchSettings, probes: Probes): Promise<Launch> {
  const serverPath = settings.serverPath.trim();
  if (serverPath) {
    return { kind: 'run', command: serverPath, args: ['lsp'], source: 'siyada.server.path' };
  }
  let python = settings.interpreter.trim();
  let source: Source = 'siyada.interpreter';
  if (!python) {
    const selected = (await probes.pythonExtensionInterpreter())?.trim();
    [python, source] = selected ? [selected, 'Python extension'] : [DEFAULT_PYTHON, 'python3'];
  }
  if (await probes.hasServer(python)) {
    return { kind: 'run', command: python, args: pythonArgs(), source };
  }
  const managed = await probes.managedPython();
  if (managed && (await probes.hasServer(managed))) {
    return { kind: 'run', command: managed, args: pythonArgs(), source: 'managed environment' };
  }
  return { kind: 'missing', python, source };
}

export function pythonArgs(): string[] {
  return ['-m', 'siyada', 'lsp'];
}

/** The interpreter inside a virtual environment created by `python -m venv dir`. */
export function venvPython(dir: string, platform: NodeJS.Platform): string {
  return platform === 'win32' ? path.win32.join(dir, 'Scripts', 'python.exe') : path.posix.join(dir, 'bin', 'python');
}

export interface PathContext {
  home: string;
  workspaceFolder: string | undefined;
}

/**
 * Expands `~`, `${userHome}` and `${workspaceFolder}` in a path setting and makes a
 * relative path (one containing a separator, e.g. `.venv/bin/python`) relative to
 * the workspace folder. A bare name such as `python3` is left to the PATH lookup.
 */
export function expandPath(value: string, context: PathContext): string {
  let result = value.trim();
  if (!result) {
    return result;
  }
  result = result.replace(/\$\{userHome\}/g, context.home);
  if (context.workspaceFolder !== undefined) {
    result = result.replace(/\$\{workspaceFolder\}/g, context.workspaceFolder);
  }
  if (result === '~' || result.startsWith('~/') || result.startsWith('~\\')) {
    result = context.home + result.slice(1);
  }
  const hasSeparator = result.includes('/') || result.includes('\\');
  if (hasSeparator && !path.isAbsolute(result) && !path.win32.isAbsolute(result) && context.workspaceFolder) {
    result = path.join(context.workspaceFolder, result);
  }
  return result;
}
