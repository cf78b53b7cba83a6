// Finds, starts, restarts and (on request) installs the language server.

import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  State,
  TransportKind,
  type ExecuteCommandRegistrationOptions,
  type LanguageClientOptions,
  type RegistrationData,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { expandPath, resolveServer, venvPython, type Launch, type Probes } from './resolve';
import { CoalescingRunner } from './serial';
import {
  SECTION,
  needsRestart,
  serverSettingKeys,
  supportedLanguages,
  toServerSettings,
  type Manifest,
  type ServerSettings,
} from './settings';
import { parseServerStatus, type ClientStatus, type ServerStatus } from './status';

const STATUS_NOTIFICATION = 'siyada/status';
const STATUS_COMMAND = 'siyada.status';

interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string };
    resolveEnvironment(environment: { path: string }): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
  };
}

export class SiyadaServer implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private launch: Launch | undefined;
  private readonly manifest: Manifest;
  private readonly settingKeys: string[];
  private readonly restarts = new CoalescingRunner(() => this.restartNow());
  private readonly statusEmitter = new vscode.EventEmitter<ServerStatus | ClientStatus>();
  private readonly disposables: vscode.Disposable[] = [this.statusEmitter];
  private installing: Promise<boolean> | undefined;
  private stopping = false;

  /** Fires with every state reported by the server, and with the client's own states. */
  readonly onDidChangeStatus = this.statusEmitter.event;
  currentStatus: ServerStatus | ClientStatus = { state: 'starting' };

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly output: vscode.LogOutputChannel,
  ) {
    this.manifest = context.extension.packageJSON as Manifest;
    this.settingKeys = serverSettingKeys(this.manifest);
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (needsRestart((section) => event.affectsConfiguration(section))) {
          void this.restart();
        }
      }),
    );
    void this.watchPythonExtension();
  }

  /** The running client, for sending requests; undefined while stopped or starting. */
  get running(): LanguageClient | undefined {
    return this.client?.state === State.Running ? this.client : undefined;
  }

  /** Stops any running server and starts one; calls made in a burst start it once. */
  restart(): Promise<void> {
    return this.restarts.run();
  }

  /** The flat settings object the server reads, for one resource's scope. */
  serverSettings(scope?: vscode.Uri): ServerSettings {
    const config = vscode.workspace.getConfiguration(SECTION, scope);
    return toServerSettings(this.settingKeys, (key) => config.get(key));
  }

  /** Installs the shipped server into the managed environment, then restarts. */
  async installServer(python: string): Promise<void> {
    this.installing ??= this.installNow(python).finally(() => {
      this.installing = undefined;
    });
    if (await this.installing) {
      await this.restart();
    }
  }

  async dispose(): Promise<void> {
    this.stopping = true;
    await this.stopNow();
    for (const disposable of this.disposables) {
      disposable.dispose();
    }
  }

  private async restartNow(): Promise<void> {
    await this.stopNow();
    await this.startNow();
  }

  private async stopNow(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client === undefined) {
      return;
    }
    try {
      await client.dispose(5000);
    } catch (error) {
      this.output.warn(`Stopping the server: ${String(error)}`);
    }
  }

  private async startNow(): Promise<void> {
    if (this.stopping) {
      return;
    }
    this.setStatus({ state: 'starting' });
    const launch = await resolveServer(this.launchSettings(), this.probes());
    this.launch = launch;
    if (launch.kind === 'missing') {
      this.output.warn(`${launch.python} (from ${launch.source}) cannot import siyada`);
      this.setStatus({ state: 'notInstalled', python: launch.python });
      void this.offerInstall(launch.python);
      return;
    }
    this.output.info(`Starting ${[launch.command, ...launch.args].join(' ')} (from ${launch.source})`);
    const client = this.createClient(launch);
    this.client = client;
    let reported = false;
    client.onNotification(STATUS_NOTIFICATION, (payload: unknown) => {
      const status = parseServerStatus(payload);
      if (status && client === this.client) {
        reported = true;
        this.setStatus(status);
      }
    });
    client.onDidChangeState((event) => {
      if (event.newState === State.Stopped && client === this.client) {
        this.setStatus({ state: 'stopped', message: 'The language server stopped; see the logs' });
      }
    });
    try {
      await client.start();
    } catch (error) {
      const message = `Siyada's language server failed to start: ${errorMessage(error)}`;
      this.output.error(message);
      this.setStatus({ state: 'stopped', message });
      void showErrorWithLogs(message, this.output);
      return;
    }
    // The first notification may have been sent before the handler saw it.
    try {
      const status = parseServerStatus(
        await client.sendRequest(ExecuteCommandRequest.type, { command: STATUS_COMMAND }),
      );
      if (status && !reported && client === this.client) {
        this.setStatus(status);
      }
    } catch (error) {
      this.output.warn(`${STATUS_COMMAND}: ${errorMessage(error)}`);
    }
  }

  private createClient(launch: Extract<Launch, { kind: 'run' }>): LanguageClient {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const serverOptions: ServerOptions = {
      command: launch.command,
      args: launch.args,
      transport: TransportKind.stdio,
      options: { cwd: folder, env: process.env },
    };
    const documentSelector = supportedLanguages(this.manifest).flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]);
    let client: LanguageClient | undefined = undefined;
    const clientOptions: LanguageClientOptions = {
      documentSelector,
      outputChannel: this.output,
      initializationOptions: this.serverSettings(),
      // Registers a configuration listener; the middleware below decides what is sent.
      synchronize: { configurationSection: SECTION },
      middleware: {
        workspace: {
          // The default answer would be the nested `siyada` section, client-only keys included.
          configuration: async (params, token, next) => {
            const answer = await next(params, token);
            if (!Array.isArray(answer)) {
              return answer;
            }
            return params.items.map((item, index) =>
              item.section === SECTION
                ? this.serverSettings(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined)
                : (answer[index] as unknown),
            );
          },
          didChangeConfiguration: async () => {
            const settings = this.serverSettings();
            this.output.info(`Settings: ${JSON.stringify(settings)}`);
            await client?.sendNotification(DidChangeConfigurationNotification.type, {
              settings: { [SECTION]: settings },
            });
          },
        },
      },
    };
    client = new LanguageClient(SECTION, 'Siyada', serverOptions, clientOptions);
    this.skipOwnedCommands(client);
    return client;
  }

  /**
   * vscode-languageclient registers a VS Code command for each command the server
   * lists; those the extension contributes itself (same id, with a UI around the
   * request) would then be registered twice, which fails the start.
   */
  private skipOwnedCommands(client: LanguageClient): void {
    const owned = new Set(this.manifest.contributes?.commands?.map((c) => c.command));
    const feature = client.getFeature(ExecuteCommandRequest.method);
    const register = feature.register.bind(feature);
    feature.register = (data: RegistrationData<ExecuteCommandRegistrationOptions>) =>
      register({
        ...data,
        registerOptions: {
          ...data.registerOptions,
          commands: data.registerOptions.commands.filter((c) => !owned.has(c)),
        },
      });
  }

  private setStatus(status: ServerStatus | ClientStatus): void {
    this.currentStatus = status;
    this.statusEmitter.fire(status);
  }

  private launchSettings(): { serverPath: string; interpreter: string } {
    const config = vscode.workspace.getConfiguration(SECTION);
    const context = { home: os.homedir(), workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath };
    return {
      serverPath: expandPath(config.get<string>('server.path') ?? '', context),
      interpreter: expandPath(config.get<string>('interpreter') ?? '', context),
    };
  }

  private probes(): Probes {
    return {
      pythonExtensionInterpreter: () => this.pythonExtensionInterpreter(),
      hasServer: (python) => succeeds(python, ['-c', 'import siyada']),
      managedPython: async () => {
        const python = this.managedPython();
        return (await exists(python)) ? python : undefined;
      },
    };
  }

  private managedEnvironment(): string {
    return path.join(this.context.globalStorageUri.fsPath, 'server-env');
  }

  private managedPython(): string {
    return venvPython(this.managedEnvironment(), process.platform);
  }

  private async pythonExtension(): Promise<PythonExtensionApi | undefined> {
    const extension = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
    if (!extension) {
      return undefined;
    }
    try {
      return extension.isActive ? extension.exports : await extension.activate();
    } catch (error) {
      this.output.warn(`The Python extension failed to activate: ${errorMessage(error)}`);
      return undefined;
    }
  }

  private async pythonExtensionInterpreter(): Promise<string | undefined> {
    const environments = (await this.pythonExtension())?.environments;
    if (!environments) {
      return undefined;
    }
    try {
      const active = environments.getActiveEnvironmentPath(vscode.workspace.workspaceFolders?.[0]?.uri);
      const resolved = await environments.resolveEnvironment(active);
      return resolved?.executable.uri?.fsPath ?? active.path;
    } catch (error) {
      this.output.warn(`Asking the Python extension for its interpreter: ${errorMessage(error)}`);
      return undefined;
    }
  }

  /** Another interpreter selected in the Python extension matters only if it was the one used. */
  private async watchPythonExtension(): Promise<void> {
    const event = (await this.pythonExtension())?.environments?.onDidChangeActiveEnvironmentPath;
    if (event) {
      this.disposables.push(
        event(() => {
          if (
            this.launch?.source === 'Python extension' ||
            this.launch?.source === 'python3' ||
            this.launch?.kind === 'missing'
          ) {
            void this.restart();
          }
        }),
      );
    }
  }

  private async offerInstall(python: string): Promise<void> {
    const install = 'Install';
    const logs = 'Show Logs';
    const choice = await vscode.window.showWarningMessage(
      `Siyada's language server is not installed for ${python}. Install it into an environment that Siyada manages?`,
      install,
      logs,
    );
    if (choice === install) {
      await this.installServer(python);
    } else if (choice === logs) {
      this.output.show();
    }
  }

  /** `python -m venv`, then `pip install` of the wheel shipped in the extension. */
  private async installNow(python: string): Promise<boolean> {
    const wheel = await this.shippedWheel();
    if (!wheel) {
      void showErrorWithLogs(
        `This build of Siyada ships no server to install. Install the siyada package into a Python 3.11+ environment and set siyada.interpreter to its python.`,
        this.output,
      );
      return false;
    }
    const environment = this.managedEnvironment();
    const envPython = this.managedPython();
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Installing the Siyada server', cancellable: true },
      async (progress, token) => {
        try {
          await fs.mkdir(path.dirname(environment), { recursive: true });
          if (!(await exists(envPython))) {
            progress.report({ message: `creating an environment with ${python}` });
            await run(python, ['-m', 'venv', environment], this.output, token);
          }
          progress.report({ message: `pip install ${path.basename(wheel)}` });
          await run(
            envPython,
            ['-m', 'pip', 'install', '--disable-pip-version-check', '--upgrade', wheel],
            this.output,
            token,
          );
          this.output.info(`Installed ${path.basename(wheel)} into ${environment}`);
          return true;
        } catch (error) {
          if (!token.isCancellationRequested) {
            void showErrorWithLogs(`Installing the Siyada server failed: ${errorMessage(error)}`, this.output);
          }
          return false;
        }
      },
    );
  }

  private async shippedWheel(): Promise<string | undefined> {
    const folder = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'server').fsPath;
    try {
      const wheels = (await fs.readdir(folder)).filter((name) => /^siyada-.*\.whl$/.test(name)).sort();
      return wheels.length ? path.join(folder, wheels[wheels.length - 1]) : undefined;
    } catch {
      return undefined;
    }
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function showErrorWithLogs(message: string, output: vscode.LogOutputChannel): Promise<void> {
  const logs = 'Show Logs';
  if ((await vscode.window.showErrorMessage(message, logs)) === logs) {
    output.show();
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

/** Whether `command args` exits with 0 (false also when it cannot be started). */
function succeeds(command: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore', timeout: 30_000 });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
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
