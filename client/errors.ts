// How a failure reaches the user: one sentence, and the way to the logs.

import * as vscode from 'vscode';
import * as l10n from './l10n';

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function showErrorWithLogs(message: string, output: vscode.LogOutputChannel): Promise<void> {
  const logs = l10n.t('Show Logs');
  if ((await vscode.window.showErrorMessage(message, logs)) === logs) {
    output.show();
  }
}
