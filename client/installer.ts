// The managed environment: a virtual environment in the extension's storage, into which
// the server wheel shipped with the extension is installed when the user agrees. A
// per-platform package also ships every dependency's wheel; then pip is kept off the
// network (--no-index) and the user's Python must be a version those wheels are for.

import { execFile, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import { errorMessage, showErrorWithLogs } from './errors';
import * as l10n from './l10n';
import { venvPython } from './resolve';
import {
  parseWheelhouse,
  pipInstallArgs,
  PYTHON_VERSION_SCRIPT,
  unsupportedPython,
  type Wheelhouse,
} from './wheelhouse';

export class ServerInstaller {
  private installing: Promise<boolean> | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  /** The managed environment's python, once the environment exists. */
  async managedPython(): Promise<string | undefined> {
    const python = this.pythonPath();
    return (await exists(python)) ? python : undefined;
  }

  /** Installs the shipped server with `python`; a second call while one runs joins it. */
  install(python: string): Promise<boolean> {
    this.installing ??= this.installNow(python).finally(() => {
      this.installing = undefined;
    });
    return this.installing;
  }

  /** Asks the user whether to install for `python`; true once it is installed. */
  async offer(python: string): Promise<boolean> {
    const install = l10n.t('Install');
    const logs = l10n.t('Show Logs');
    const choice = await vscode.window.showWarningMessage(
      l10n.t(
        "Siyada's language server is not installed for {0}. Install it into an environment that Siyada manages?",
        python,
      ),
      install,
      logs,
    );
    if (choice === install) {
      return this.install(python);
    }
    if (choice === logs) {
      this.output.show();
    }
    return false;
  }

  private environment(): string {
    return path.join(this.context.globalStorageUri.fsPath, 'server-env');
  }

  private pythonPath(): string {
    return venvPython(this.environment(), process.platform);
  }

  /** `python -m venv`, then `pip install` of the wheel shipped in the extension. */
  private async installNow(python: string): Promise<boolean> {
    const wheel = await this.shippedWheel();
    if (!wheel) {
      void showErrorWithLogs(
        l10n.t(
          'This build of Siyada ships no server to install. Install the {0} package into a Python 3.11+ environment and set {1} to its python.',
          'siyada',
          'siyada.interpreter',
        ),
        this.output,
      );
      return false;
    }
    const environment = this.environment();
    const envPython = this.pythonPath();
    const wheelhouse = await this.shippedWheelhouse();
    if (wheelhouse === null) {
      return false;
    }
    // An existing environment keeps the Python it was created with.
    if (wheelhouse && !(await this.pythonFits((await exists(envPython)) ? envPython : python, wheelhouse))) {
      return false;
    }
    const shippedWheels = wheelhouse ? path.dirname(wheel) : undefined;
    return vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: l10n.t('Installing the Siyada server'),
        cancellable: true,
      },
      async (progress, token) => {
        try {
          await fs.mkdir(path.dirname(environment), { recursive: true });
          if (!(await exists(envPython))) {
            progress.report({ message: l10n.t('creating an environment with {0}', python) });
            await run(python, ['-m', 'venv', environment], this.output, token);
          }
          progress.report({ message: `pip install ${path.basename(wheel)}` });
          await run(envPython, pipInstallArgs(wheel, shippedWheels), this.output, token);
          this.output.info(`Installed ${path.basename(wheel)} into ${environment}`);
          return true;
        } catch (error) {
          if (!token.isCancellationRequested) {
            void showErrorWithLogs(
              l10n.t('Installing the Siyada server failed: {0}', errorMessage(error)),
              this.output,
            );
          }
          return false;
        }
      },
    );
  }

  private shippedFolder(): string {
    return vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'server').fsPath;
  }

  /** The wheels' manifest of a per-platform package; undefined for a package without
   * them; null (the user told why) when it cannot be read. */
  private async shippedWheelhouse(): Promise<Wheelhouse | undefined | null> {
    const manifest = path.join(this.shippedFolder(), 'wheelhouse.json');
    let text: string;
    try {
      text = await fs.readFile(manifest, 'utf8');
    } catch {
      return undefined;
    }
    try {
      return parseWheelhouse(text);
    } catch (error) {
      void showErrorWithLogs(`This Siyada package is damaged (${manifest}): ${errorMessage(error)}`, this.output);
      return null;
    }
  }

  /** Whether the shipped wheels are for `python`'s version; tells the user when not. */
  private async pythonFits(python: string, wheelhouse: Wheelhouse): Promise<boolean> {
    let version: string;
    try {
      version = (await outputOf(python, ['-c', PYTHON_VERSION_SCRIPT])).trim();
    } catch (error) {
      void showErrorWithLogs(`Cannot run ${python}: ${errorMessage(error)}`, this.output);
      return false;
    }
    const problem = unsupportedPython(python, version, wheelhouse);
    if (problem) {
      void showErrorWithLogs(problem, this.output);
      return false;
    }
    return true;
  }

  private async shippedWheel(): Promise<string | undefined> {
    const folder = this.shippedFolder();
    try {
      const wheels = (await fs.readdir(folder)).filter((name) => /^siyada-.*\.whl$/.test(name)).sort();
      return wheels.length ? path.join(folder, wheels[wheels.length - 1]) : undefined;
    } catch {
      return undefined;
    }
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

async function outputOf(command: string, args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(command, args, { timeout: 30_000 });
  return stdout;
}

/** Runs a command, logging its output; rejects on a non-zero exit or cancellation. */
function run(
  command: string,
  args: string[],
  output: vscode.LogOutputChannel,
  token: vscode.CancellationToken,
): Promise<void> {
  output.info(`$ ${[command, ...args].join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const log = (chunk: Buffer) => {
      for (const line of chunk.toString().split(/\r?\n/)) {
        if (line.trim()) {
          output.info(line);
        }
      }
    };
    child.stdout.on('data', log);
    child.stderr.on('data', log);
    const cancel = token.onCancellationRequested(() => child.kill());
    child.on('error', (error) => {
      cancel.dispose();
      reject(error);
    });
    child.on('exit', (code, signal) => {
      cancel.dispose();
      if (code === 0) {
        resolve();
      } else {
        reject(new Error(`${path.basename(command)} ${args.slice(0, 2).join(' ')} exited with ${signal ?? code}`));
      }
    });
  });
}
