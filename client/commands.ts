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
import { dismissalItems, parseDismissals, type DismissalItem } from './dismissals';
import { errorMessage, showErrorWithLogs } from './errors';
import * as l10n from './l10n';
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
    register('siyada.manageDismissals', () => manageDismissals(server)),
    register(STATUS_ACTION_COMMAND, () => statusAction(server)),
    register(RETRY_COMMAND, () => retryConnection(server)),
  ];
}

/** The running client, or undefined after telling the user why there is none. */
export function clientOrExplain(server: SiyadaServer): LanguageClient | undefined {
  const client = server.running;
  if (!client) {
    void showErrorWithLogs(
      l10n.t("Siyada's language server is not running ({0}).", statusView(server.currentStatus).text),
      server.output,
    );
  }
  return client;
}

export async function executeOnServer<T>(
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
    void vscode.window.showInformationMessage(l10n.t('Open a file to review it with Siyada.'));
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
      l10n.t('Siyada could not review {0}: {1}', vscode.workspace.asRelativePath(target), errorMessage(error)),
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
      {
        location: vscode.ProgressLocation.Notification,
        title: l10n.t('Siyada: examining this machine and the model server'),
      },
      () => executeOnServer<DoctorResult>(client, 'siyada.doctor', args),
    );
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: result.markdown });
    await vscode.commands.executeCommand('markdown.showPreview', document.uri);
  } catch (error) {
    void showErrorWithLogs(l10n.t('Siyada doctor could not make its report: {0}', errorMessage(error)), server.output);
  }
}

/** The dismissed findings in a QuickPick; the one chosen is shown again (the server
 * undoes its dismissal and publishes the open documents again). */
async function manageDismissals(server: SiyadaServer): Promise<void> {
  const client = clientOrExplain(server);
  if (!client) {
    return;
  }
  let items: DismissalItem[];
  try {
    items = dismissalItems(parseDismissals(await executeOnServer<unknown>(client, 'siyada.listDismissals', [])));
  } catch (error) {
    void showErrorWithLogs(
      l10n.t('Siyada could not list the dismissed findings: {0}', errorMessage(error)),
      server.output,
    );
    return;
  }
  if (items.length === 0) {
    void vscode.window.showInformationMessage(l10n.t('Siyada: no finding is dismissed.'));
    return;
  }
  const chosen = await vscode.window.showQuickPick(items, {
    title: l10n.t('Siyada: Manage Dismissed Findings'),
    placeHolder: l10n.t('Choose a dismissed finding to show it again'),
    matchOnDescription: true,
  });
  if (!chosen) {
    return;
  }
  try {
    const result = await executeOnServer<{ undone?: unknown }>(client, 'siyada.undoDismissal', [chosen.dismissal.id]);
    const message = result.undone
      ? l10n.t('Siyada shows “{0}” again.', chosen.dismissal.title)
      : l10n.t('“{0}” was no longer dismissed.', chosen.dismissal.title);
    void vscode.window.showInformationMessage(message);
  } catch (error) {
    void showErrorWithLogs(l10n.t('Siyada could not undo the dismissal: {0}', errorMessage(error)), server.output);
  }
}

async function selectModel(server: SiyadaServer): Promise<void> {
  const client = clientOrExplain(server);
  if (!client) {
    return;
  }
  const current = vscode.workspace.getConfiguration(SECTION).get<string>('model');
  const pick = vscode.window.createQuickPick<vscode.QuickPickItem>();
  pick.title = l10n.t('Siyada: Select Model');
  pick.placeholder = l10n.t('Model that reviews your code');
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
    void showErrorWithLogs(l10n.t('Siyada could not list the models: {0}', errorMessage(error)), server.output);
    return;
  }
  if (models.length === 0) {
    pick.dispose();
    if (vscode.workspace.getConfiguration(SECTION).get<string>('provider') === 'openai') {
      void vscode.window.showInformationMessage(
        l10n.t('Siyada: the model server lists no models. Load one on that server.'),
      );
      return;
    }
    const pull = l10n.t('Pull Model');
    if ((await vscode.window.showInformationMessage(l10n.t('Ollama has no models installed yet.'), pull)) === pull) {
      await pullModel(server, undefined);
    }
    return;
  }
  pick.items = models.map((model) => ({
    label: model.name,
    description: [model.parameterSize, model.quantization, model.name === current ? l10n.t('(current)') : undefined]
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
function pullNotOffered(): string {
  return l10n.t(
    'Siyada: Pull Model works only with Ollama ({0} "{1}"). An OpenAI-compatible server serves the models it was started with: load the model on that server, then choose it with Select Model.',
    'siyada.provider',
    'ollama',
  );
}

async function pullModel(server: SiyadaServer, model: string | undefined): Promise<void> {
  if (vscode.workspace.getConfiguration(SECTION).get<string>('provider') === 'openai') {
    void vscode.window.showInformationMessage(pullNotOffered());
    return;
  }
  const client = clientOrExplain(server);
  if (!client) {
    return;
  }
  const name =
    model ??
    (await vscode.window.showInputBox({
      title: l10n.t('Siyada: Pull Model'),
      prompt: l10n.t('Name of the model to download into Ollama, e.g. {0}', 'qwen2.5-coder:7b'),
      value: vscode.workspace.getConfiguration(SECTION).get<string>('model'),
      validateInput: (value) => (value.trim() ? undefined : l10n.t('Enter a model name')),
    }));
  if (!name?.trim()) {
    return;
  }
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: l10n.t('Pulling {0}', name), cancellable: true },
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
        void vscode.window.showInformationMessage(l10n.t('Siyada: {0} is ready.', name));
      } catch (error) {
        if (!token.isCancellationRequested) {
          void showErrorWithLogs(l10n.t('Pulling {0} failed: {1}', name, errorMessage(error)), server.output);
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
    void showErrorWithLogs(l10n.t('Siyada could not check the model server: {0}', errorMessage(error)), server.output);
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
