// Entry point: wires the output channel, the server, the status entry and commands.

import * as vscode from 'vscode';
import { registerAskCommands } from './ask/commands';
import { clientOrExplain, executeOnServer, registerCommands } from './commands';
import { trackFocus } from './focusTracker';
import { setUpLocalization } from './localize';
import { showOutages } from './outageToast';
import { SiyadaServer } from './server';
import { supportedLanguages, type Manifest } from './settings';
import { createStatusItem } from './statusItem';

let server: SiyadaServer | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Siyada', { log: true });
  const locale = setUpLocalization(context.extensionPath, output);
  server = new SiyadaServer(context, output, locale);
  const languages = supportedLanguages(context.extension.packageJSON as Manifest);
  context.subscriptions.push(
    output,
    createStatusItem(server, languages),
    showOutages(server),
    trackFocus(server, languages),
    ...registerCommands(server),
    ...registerAskCommands({
      extensionUri: context.extensionUri,
      locale,
      output,
      client: () => (server ? clientOrExplain(server) : undefined),
      execute: executeOnServer,
    }),
  );
  // Activation must not wait for Python probes and the server's start.
  void server.restart();
}

export async function deactivate(): Promise<void> {
  await server?.dispose();
  server = undefined;
}
