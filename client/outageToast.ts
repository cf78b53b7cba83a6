// Outages (Ollama not reachable, model missing) told as a notification with links
// that fix them, closed by itself when the outage ends. A message shown with
// showWarningMessage cannot be closed by an extension, nor can the one
// vscode-languageclient shows for window/showMessageRequest (its handler ignores
// $/cancelRequest); a progress notification closes when its task ends. So the client
// tells the server (the experimental capability below) that it shows these outages
// itself from `siyada/status`, and the server sends no window/showMessage for them.

import * as vscode from 'vscode';
import type { ClientCapabilities, StaticFeature } from 'vscode-languageclient/node';
import * as l10n from './l10n';
import { outageNotice } from './outage';
import type { SiyadaServer } from './server';
import { SECTION } from './settings';

/** The experimental client capability: "I show the outages of siyada/status myself". */
export const STATUS_MESSAGES_CAPABILITY = 'siyadaStatusMessages';

export const statusMessagesFeature: StaticFeature = {
  fillClientCapabilities(capabilities: ClientCapabilities): void {
    const current: unknown = capabilities.experimental;
    const others = typeof current === 'object' && current !== null ? current : {};
    capabilities.experimental = { ...others, [STATUS_MESSAGES_CAPABILITY]: true };
  },
  initialize(): void {},
  getState: () => ({ kind: 'static' }),
  clear(): void {},
};

/** Shows each outage the server reports once, until it ends or the user dismisses it. */
export function showOutages(server: SiyadaServer): vscode.Disposable {
  let shown: { key: string; close: () => void } | undefined;
  const update = () => {
    const provider = vscode.workspace.getConfiguration(SECTION).get<string>('provider') ?? 'ollama';
    const notice = outageNotice(server.currentStatus, provider);
    if (shown && shown.key === notice?.key) {
      return;
    }
    shown?.close();
    shown = undefined;
    if (notice) {
      shown = { key: notice.key, close: notify(notice.message) };
    }
  };
  update();
  const subscription = server.onDidChangeStatus(update);
  return new vscode.Disposable(() => {
    subscription.dispose();
    shown?.close();
  });
}

/** A notification with `message` (links included); the function returned closes it. */
function notify(message: string): () => void {
  let close = () => {};
  const closed = new Promise<void>((resolve) => (close = resolve));
  void vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: l10n.t('Siyada'), cancellable: true },
    (progress, token) => {
      progress.report({ message });
      // "Cancel" dismisses it; the same outage is not shown again.
      token.onCancellationRequested(() => close());
      return closed;
    },
  );
  return () => close();
}
