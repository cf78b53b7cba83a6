// Starts, stops and restarts the language server, and shapes what the client sends it.

import { spawn } from 'node:child_process';
import * as os from 'node:os';
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
import { errorMessage, showErrorWithLogs } from './errors';
import { ServerInstaller } from './installer';
import * as l10n from './l10n';
import { statusMessagesFeature } from './outageToast';
import { PythonExtension } from './pythonExtension';
import { expandPath, resolveServer, type Launch, type Probes } from './resolve';
import { CoalescingRunner } from './serial';
import { serverStdio } from './serverLog';
import {
  SECTION,
  isExplicitlySet,
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

export class SiyadaServer implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private launch: Launch | undefined;
  private readonly manifest: Manifest;
  private readonly settingKeys: string[];
  private readonly restarts = new CoalescingRunner(() => this.restartNow());
  private readonly statusEmitter = new vscode.EventEmitter<ServerStatus | ClientStatus>();
  // The repository's team settings files: their changes reach the server as
  // workspace/didChangeWatchedFiles. One watcher for every client this manager starts.
  private readonly teamFiles = vscode.workspace.createFileSystemWatcher('**/{.siyada.toml,pyproject.toml}');
  private readonly disposables: vscode.Disposable[] = [this.statusEmitter, this.teamFiles];
  private readonly installer: ServerInstaller;
  private readonly pythonExtension: PythonExtension;
  private stopping = false;

  /** Fires with every state reported by the server, and with the client's own states. */
  readonly onDidChangeStatus = this.statusEmitter.event;
  currentStatus: ServerStatus | ClientStatus = { state: 'starting' };

  /** `locale` is sent in `initialize`: the display language, or SIYADA_LOCALE (localize.ts). */
  constructor(
    context: vscode.ExtensionContext,
    readonly output: vscode.LogOutputChannel,
    private readonly locale: string,
  ) {
    this.manifest = context.extension.packageJSON as Manifest;
    this.installer = new ServerInstaller(context, output);
    this.pythonExtension = new PythonExtension(output);
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
    return toServerSettings(
      this.settingKeys,
      (key) => config.get(key),
      (key) => isExplicitlySet(config.inspect(key)),
    );
  }

  /** Installs the shipped server into the managed environment, then restarts. */
  async installServer(python: string): Promise<void> {
    if (await this.installer.install(python)) {
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
        this.setStatus({ state: 'stopped', message: l10n.t('The language server stopped; see the logs') });
      }
    });
    try {
      await client.start();
    } catch (error) {
      this.output.error(`Siyada's language server failed to start: ${errorMessage(error)}`);
      const message = l10n.t("Siyada's language server failed to start: {0}", errorMessage(error));
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
      // A finding's hover links to these two commands; no other `command:` link runs.
      markdown: { isTrusted: { enabledCommands: ['siyada.reviewFile', 'workbench.action.openSettings'] } },
      stdioOptions: serverStdio,
      initializationOptions: this.serverSettings(),
      // Registers a configuration listener; the middleware below decides what is sent.
      synchronize: { configurationSection: SECTION, fileEvents: this.teamFiles },
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
    client = new LocalizedLanguageClient(this.locale, SECTION, 'Siyada', serverOptions, clientOptions);
    this.skipOwnedCommands(client);
    client.registerFeature(statusMessagesFeature);
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
      pythonExtensionInterpreter: () => this.pythonExtension.interpreter(),
      hasServer: (python) => succeeds(python, ['-c', 'import siyada']),
      managedPython: () => this.installer.managedPython(),
    };
  }

  /** Another interpreter selected in the Python extension matters only if it was the one used. */
  private async watchPythonExtension(): Promise<void> {
    const event = await this.pythonExtension.onDidChangeInterpreter();
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
    if (await this.installer.offer(python)) {
      await this.restart();
    }
  }
}

/**
 * vscode-languageclient sends `vscode.env.language` as the `locale` of `initialize`,
 * read in its `getLocale`; this one sends the locale the extension's strings use.
 */
class LocalizedLanguageClient extends LanguageClient {
  constructor(
    private readonly locale: string,
    ...args: ConstructorParameters<typeof LanguageClient>
  ) {
    super(...args);
  }

  protected override getLocale(): string {
    return this.locale;
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
