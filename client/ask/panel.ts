// The chat panel's host: one webview panel per conversation. It runs the page's
// requests on the server (`siyada.ask` with a work-done token whose reports carry the
// whole answer so far, `siyada.askClear`, `siyada.askApply`) and sends the page what to
// show. Stop cancels the `siyada.ask` request; closing the panel does too.

import { randomBytes, randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { WorkDoneProgress, type LanguageClient } from 'vscode-languageclient/node';
import { errorMessage } from '../errors';
import * as l10n from '../l10n';
import { parseApplyResult, parseAskResult, type Conversation, type Turn } from './conversations';
import { isRightToLeft, panelHtml } from './html';
import { parsePanelMessage, type HostMessage, type PanelMessage, type PanelStrings } from './protocol';

/** Runs a server command (workspace/executeCommand). */
export type Execute = (
  client: LanguageClient,
  command: string,
  args: unknown[],
  token?: vscode.CancellationToken,
  workDoneToken?: string,
) => Promise<unknown>;

export interface PanelHost {
  extensionUri: vscode.Uri;
  /** The language of the panel's words. */
  locale: string;
  output: vscode.LogOutputChannel;
  /** The running client, or undefined after telling the user why there is none. */
  client(): LanguageClient | undefined;
  execute: Execute;
}

function panelStrings(): PanelStrings {
  return {
    you: l10n.t('You'),
    siyada: l10n.t('Siyada'),
    apply: l10n.t('Apply'),
    applyBlock: l10n.t('Apply code block {0} to the file'),
    applying: l10n.t('Applying…'),
    applied: l10n.t('Applied to the file.'),
    refused: l10n.t('Not applied: {0}'),
    answering: l10n.t('Siyada is answering… (Escape stops)'),
    stopped: l10n.t('Stopped.'),
    failed: l10n.t('Siyada could not answer: {0}'),
    cleared: l10n.t('The conversation was cleared.'),
    empty: l10n.t('Ask a question about this code; the answer comes from your model.'),
  };
}

const WEBVIEW_DIR = ['out', 'webview'];

export class AskPanel implements vscode.Disposable {
  private readonly panel: vscode.WebviewPanel;
  private readonly disposables: vscode.Disposable[] = [];
  private running: { turn: Turn; cancel: vscode.CancellationTokenSource } | undefined;
  private disposed = false;
  private readonly disposedEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposedEmitter.event;

  constructor(
    private readonly host: PanelHost,
    readonly conversation: Conversation,
  ) {
    const root = vscode.Uri.joinPath(host.extensionUri, ...WEBVIEW_DIR);
    this.panel = vscode.window.createWebviewPanel(
      'siyada.ask',
      l10n.t('Ask Siyada: {0}', conversation.subject.title),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      { enableScripts: true, localResourceRoots: [root] },
    );
    this.panel.webview.html = this.html(root);
    this.disposables.push(
      this.panel.webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
      this.panel.onDidDispose(() => this.dispose()),
    );
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    this.running?.cancel.cancel();
    for (const disposable of this.disposables.splice(0)) {
      disposable.dispose();
    }
    this.panel.dispose();
    this.disposedEmitter.fire();
    this.disposedEmitter.dispose();
  }

  private html(root: vscode.Uri): string {
    const webview = this.panel.webview;
    return panelHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'ask.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'ask.css')).toString(),
      nonce: randomBytes(18).toString('base64'),
      lang: this.host.locale,
      rtl: isRightToLeft(this.host.locale),
      labels: {
        title: l10n.t('Ask Siyada'),
        conversation: l10n.t('Conversation with Siyada'),
        question: l10n.t('Your question'),
        placeholder: l10n.t('Why is this a problem? Show me another way.'),
        send: l10n.t('Send'),
        stop: l10n.t('Stop'),
        clear: l10n.t('Clear'),
        keys: l10n.t('Enter sends, Shift+Enter starts a new line, Escape stops the answer.'),
      },
    });
  }

  private post(message: HostMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private show(): void {
    this.post({ type: 'show', view: this.conversation.view(), strings: panelStrings() });
  }

  private receive(raw: unknown): void {
    const message = parsePanelMessage(raw);
    if (!message) {
      // Not its content: it may hold code, which the logs never do at their default level.
      this.host.output.warn('Ask panel: ignored a message of unexpected shape from the page');
      return;
    }
    void this.act(message);
  }

  private async act(message: PanelMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        return this.show();
      case 'ask':
        return this.ask(message.question);
      case 'stop':
        return this.running?.cancel.cancel();
      case 'clear':
        return this.clear();
      case 'apply':
        return this.apply(message.turn, message.block, message.code);
    }
  }

  private documentVersion(): number | undefined {
    const uri = this.conversation.target.uri;
    return vscode.workspace.textDocuments.find((document) => document.uri.toString() === uri)?.version;
  }

  private async ask(question: string): Promise<void> {
    if (this.conversation.busy) {
      return;
    }
    const client = this.host.client();
    const version = this.documentVersion();
    if (!client) {
      return;
    }
    if (version === undefined) {
      this.post({ type: 'status', text: l10n.t('Open the file again to ask about it.') });
      return;
    }
    const turn = this.conversation.begin(question, version);
    const cancel = new vscode.CancellationTokenSource();
    this.running = { turn, cancel };
    this.show();
    const workDoneToken = randomUUID();
    const progress = client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
      // Each report is the whole answer so far: a lost one is healed by the next.
      if (value.kind === 'report' && value.message !== undefined && this.conversation.progress(turn, value.message)) {
        const index = this.conversation.indexOf(turn);
        this.post({ type: 'partial', turn: index, answer: turn.answer });
      }
    });
    try {
      const args = [this.conversation.askParams(question)];
      const result = parseAskResult(await this.host.execute(client, 'siyada.ask', args, cancel.token, workDoneToken));
      this.conversation.finish(turn, result);
    } catch (error) {
      if (cancel.token.isCancellationRequested) {
        this.conversation.stopped(turn);
      } else {
        this.host.output.error(`siyada.ask: ${errorMessage(error)}`);
        this.conversation.failed(turn, errorMessage(error));
      }
    } finally {
      progress.dispose();
      cancel.dispose();
      if (this.running?.turn === turn) {
        this.running = undefined;
      }
    }
    this.show();
  }

  private async clear(): Promise<void> {
    this.running?.cancel.cancel();
    const id = this.conversation.conversationId;
    this.conversation.clear();
    this.show();
    this.post({ type: 'status', text: panelStrings().cleared });
    const client = id === null ? undefined : this.host.client();
    if (!client) {
      return;
    }
    try {
      await this.host.execute(client, 'siyada.askClear', [id]);
    } catch (error) {
      this.host.output.error(`siyada.askClear: ${errorMessage(error)}`);
    }
  }

  private async apply(turn: number, block: number, code: string): Promise<void> {
    const params = this.conversation.applyParams(turn, code);
    const reply = (applied: boolean, reason: string | null) => {
      this.conversation.recordApply(turn, { block, applied, reason });
      this.post({ type: 'applyResult', turn, block, applied, reason });
    };
    if (!params) {
      return reply(false, l10n.t('only a finished answer can be applied'));
    }
    const client = this.host.client();
    if (!client) {
      return reply(false, l10n.t("Siyada's language server is not running"));
    }
    try {
      const result = parseApplyResult(await this.host.execute(client, 'siyada.askApply', [params]));
      reply(result.applied, result.reason);
    } catch (error) {
      this.host.output.error(`siyada.askApply: ${errorMessage(error)}`);
      reply(false, errorMessage(error));
    }
  }
}

/** The open panels, one per conversation: asking again about the same finding shows its panel. */
export class AskPanels implements vscode.Disposable {
  private readonly panels = new Map<Conversation, AskPanel>();

  constructor(private readonly host: PanelHost) {}

  show(conversation: Conversation): AskPanel {
    const open = this.panels.get(conversation);
    if (open) {
      open.reveal();
      return open;
    }
    const panel = new AskPanel(this.host, conversation);
    this.panels.set(conversation, panel);
    panel.onDidDispose(() => this.panels.delete(conversation));
    return panel;
  }

  dispose(): void {
    for (const panel of [...this.panels.values()]) {
      panel.dispose();
    }
  }
}
