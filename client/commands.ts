// The palette commands. Each wraps a server command (workspace/executeCommand) in
// the UI VS Code users expect: a quick pick, a progress notification, a message.

import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import {
  ExecuteCommandRequest,
  WorkDoneProgress,
  type LanguageClient,
  type ProgressToken,
} from 'vscode-languageclient/node';
import { errorMessage, showErrorWithLogs } from './errors';
import type { SiyadaServer } from './server';
import { SECTION } from './settings';
import { RETRY_COMMAND } from './outage';
import { formatBytes, statusView } from './status';

interface ModelInfo {
  name: string;
  size?: number;
  parameterSize?: string;
  quantization?: string;
}

/** Runs what clicking the status entry should do in the current state. */
export const STATUS_ACTION_COMMAND = 'siyada.statusAction';

export function registerCommands(server: SiyadaServer): vscode.Disposable[] {
  const register = (id: string, handler: (...args: unknown[]) => unknown) =>
    vscode.commands.registerCommand(id, handler);
  return [
    register('siyada.reviewFile', (uri?: unknown) =>
      reviewFile(server, 'siyada.reviewFile', uri instanceof vscode.Uri ? uri : undefined),
    ),
    register('siyada.reviewFileFresh', (uri?: unknown) =>
      reviewFile(server, 'siyada.reviewFileFresh', uri instanceof vscode.Uri ? uri : undefined),
    ),
    register('siyada.selectModel', () => selectModel(server)),
    register('siyada.pullModel', (model?: unknown) => pullModel(server, typeof model === 'string' ? model : undefined)),
    register('siyada.showLogs', () => server.output.show()),
    register('siyada.restartServer', () => server.restart()),
    register('siyada.doctor', () => doctor(server)),
    register(STATUS_ACTION_COMMAND, () => statusAction(server)),
    register(RETRY_COMMAND, () => retryConnection(server)),
  ];
}

/** The running client, or undefined after telling the user why there is none. */
function clientOrExplain(server: SiyadaServer): LanguageClient | undefined {
  const client = server.running;
  if (!client) {
    void showErrorWithLogs(
      `Siyada's language server is not running (${statusView(server.currentStatus).text}).`,
      server.output,
    );
  }
  return client;
}

async function executeOnServer<T>(
  client: LanguageClient,
  command: string,
  args: unknown[],
  token?: vscode.CancellationToken,
  workDoneToken?: ProgressToken,
): Promise<T> {
  // `arguments` is optional in LSP: a command without any leaves it out.
  const params = { command, arguments: args.length ? args : undefined, workDoneToken };
  return (await client.sendRequest(ExecuteCommandRequest.type, params, token)) as T;
}

/** Runs `command` (siyada.reviewFile or siyada.reviewFileFresh) on the file; the server
 * says what the review gave when it is done. */
async function reviewFile(server: SiyadaServer, command: string, uri: vscode.Uri | undefined): Promise<void> {
  const target = uri ?? vscode.window.activeTextEditor?.document.uri;
  if (!target) {
    void vscode.window.showInformationMessage('Open a file to review it with Siyada.');
    return;
  }
  const client = clientOrExplain(server);
  if (!client) {
    return;
  }
  try {
    await executeOnServer(client, command, [client.code2ProtocolConverter.asUri(target)]);
  } catch (error) {
    void showErrorWithLogs(
      `Siyada could not review ${vscode.workspace.asRelativePath(target)}: ${errorMessage(error)}`,
      server.output,
    );
  }
}

interface DoctorResult {
  markdown: string;
}

/** The doctor's report, in a Markdown preview (read-only) of an untitled document. */
async function doctor(server: SiyadaServer): Promise<void> {
  const client = clientOrExplain(server);
  if (!client) {
    return;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const args = folder ? [client.code2ProtocolConverter.asUri(folder)] : [];
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Siyada: examining this machine and the model server' },
      () => executeOnServer<DoctorResult>(client, 'siyada.doctor', args),
    );
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: result.markdown });
    await vscode.commands.executeCommand('markdown.showPreview', document.uri);
  } catch (error) {
    void showErrorWithLogs(`Siyada doctor could not make its report: ${errorMessage(error)}`, server.output);
  }
}

async function selectModel(server: SiyadaServer): Promise<void> {
  const client = clientOrExplain(server);
  if (!client) {
    return;
  }
  const current = vscode.workspace.getConfiguration(SECTION).get<string>('model');
  const pick = vscode.window.createQuickPick<vscode.QuickPickItem>();
  pick.title = 'Siyada: Select Model';
  pick.placeholder = 'Model that reviews your code';
  pick.busy = true;
  // Listen before the list loads: the user may close the picker while it loads.
  const chosenPromise = new Promise<string | undefined>((resolve) => {
    pick.onDidAccept(() => resolve(pick.selectedItems[0]?.label));
    pick.onDidHide(() => resolve(undefined));
  });
  pick.show();
  let models: ModelInfo[];
  try {
    models = await executeOnServer<ModelInfo[]>(client, 'siyada.listModels', []);
  } catch (error) {
    pick.dispose();
    void showErrorWithLogs(`Siyada could not list the models: ${errorMessage(error)}`, server.output);
    return;
  }
  if (models.length === 0) {
    pick.dispose();
    if (vscode.workspace.getConfiguration(SECTION).get<string>('provider') === 'openai') {
      void vscode.window.showInformationMessage('Siyada: the model server lists no models. Load one on that server.');
      return;
    }
    const pull = 'Pull Model';
    if ((await vscode.window.showInformationMessage('Ollama has no models installed yet.', pull)) === pull) {
      await pullModel(server, undefined);
    }
    return;
  }
  pick.items = models.map((model) => ({
    label: model.name,
    description: [model.parameterSize, model.quantization, model.name === current ? '(current)' : undefined]
      .filter(Boolean)
      .join(' '),
    detail: typeof model.size === 'number' ? formatBytes(model.size) : undefined,
  }));
  pick.activeItems = pick.items.filter((item) => item.label === current);
  pick.busy = false;
  const chosen = await chosenPromise;
  pick.dispose();
  if (chosen && chosen !== current) {
    await writeSetting('model', chosen);
  }
}

/** Writes where the current value comes from, so a workspace value is not shadowing it. */
async function writeSetting(key: string, value: unknown): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const inspected = config.inspect(key);
  const target =
    inspected?.workspaceFolderValue !== undefined
      ? vscode.ConfigurationTarget.WorkspaceFolder
      : inspected?.workspaceValue !== undefined
        ? vscode.ConfigurationTarget.Workspace
        : vscode.ConfigurationTarget.Global;
  await config.update(key, value, target);
}

/** Why Pull Model is not offered for an OpenAI-compatible server. */
export const PULL_NOT_OFFERED =
  'Siyada: Pull Model works only with Ollama (siyada.provider "ollama"). An OpenAI-compatible ' +
  'server serves the models it was started with: load the model on that server, then choose it ' +
  'with Select Model.';

async function pullModel(server: SiyadaServer, model: string | undefined): Promise<void> {
  if (vscode.workspace.getConfiguration(SECTION).get<string>('provider') === 'openai') {
    void vscode.window.showInformationMessage(PULL_NOT_OFFERED);
    return;
  }
  const client = clientOrExplain(server);
  if (!client) {
    return;
  }
  const name =
    model ??
    (await vscode.window.showInputBox({
      title: 'Siyada: Pull Model',
      prompt: 'Name of the model to download into Ollama, e.g. qwen2.5-coder:7b',
      value: vscode.workspace.getConfiguration(SECTION).get<string>('model'),
      validateInput: (value) => (value.trim() ? undefined : 'Enter a model name'),
    }));
  if (!name?.trim()) {
    return;
  }
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Pulling ${name}`, cancellable: true },
    async (progress, token) => {
      const workDoneToken = randomUUID();
      let percentage = 0;
      const listener = client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
        if (value.kind === 'end') {
          return;
        }
        const next = value.percentage ?? percentage;
        progress.report({ message: value.message, increment: Math.max(0, next - percentage) });
        percentage = next;
      });
      try {
        await executeOnServer(client, 'siyada.pullModel', [name.trim()], token, workDoneToken);
        void vscode.window.showInformationMessage(`Siyada: ${name} is ready.`);
      } catch (error) {
        if (!token.isCancellationRequested) {
          void showErrorWithLogs(`Pulling ${name} failed: ${errorMessage(error)}`, server.output);
        }
      } finally {
        listener.dispose();
      }
    },
  );
}

/** Asks the server to check the model server now rather than at its next probe. */
async function retryConnection(server: SiyadaServer): Promise<void> {
  const client = clientOrExplain(server);
  if (!client) {
    return;
  }
  try {
    await executeOnServer(client, 'siyada.checkHealth', []);
  } catch (error) {
    void showErrorWithLogs(`Siyada could not check the model server: ${errorMessage(error)}`, server.output);
  }
}

async function statusAction(server: SiyadaServer): Promise<void> {
  const status = server.currentStatus;
  switch (statusView(status).action) {
    case 'pullModel':
      await pullModel(server, 'model' in status && status.model ? status.model : undefined);
      return;
    case 'retry':
      await retryConnection(server);
      return;
    case 'installServer':
      if (status.state === 'notInstalled') {
        await server.installServer(status.python);
      }
      return;
    case 'showLogs':
      server.output.show();
      return;
  }
}
