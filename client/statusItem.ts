// The language status entry (next to the language mode in the status bar).

import * as vscode from 'vscode';
import { STATUS_ACTION_COMMAND } from './commands';
import * as l10n from './l10n';
import type { SiyadaServer } from './server';
import { statusView, type Severity } from './status';

const SEVERITIES: Record<Severity, vscode.LanguageStatusSeverity> = {
  information: vscode.LanguageStatusSeverity.Information,
  warning: vscode.LanguageStatusSeverity.Warning,
  error: vscode.LanguageStatusSeverity.Error,
};

export function createStatusItem(server: SiyadaServer, languages: string[]): vscode.Disposable {
  const item = vscode.languages.createLanguageStatusItem('siyada.status', languages);
  item.name = l10n.t('Siyada');
  const update = () => {
    const view = statusView(server.currentStatus);
    item.text = view.text;
    item.detail = view.detail;
    item.severity = SEVERITIES[view.severity];
    item.busy = view.busy;
    item.command = { title: view.actionTitle, command: STATUS_ACTION_COMMAND, tooltip: view.tooltip };
  };
  update();
  const subscription = server.onDidChangeStatus(update);
  return vscode.Disposable.from(subscription, item);
}
