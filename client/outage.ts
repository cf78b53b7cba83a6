// What the notification about an outage says, and the links it offers, kept free of
// the vscode module so it is unit-tested. The notification itself is in outageToast.ts.

import * as l10n from './l10n';
import type { ClientStatus, ServerStatus } from './status';

export const INSTALL_OLLAMA_URL = 'https://ollama.com/download';

/** The client command behind "Retry": asks the server to check the endpoint now. */
export const RETRY_COMMAND = 'siyada.retryConnection';

/** One outage told to the user; a new `key` means a new outage and a new notification. */
export interface OutageNotice {
  key: string;
  message: string;
}

/** A link VS Code renders in a notification: `command:` links run the command with `args`. */
export function commandLink(label: string, command: string, args?: unknown[]): string {
  const query = args ? `?${encodeURIComponent(JSON.stringify(args))}` : '';
  return `[${label}](command:${command}${query})`;
}

/**
 * The outage `status` reports, with the links that fix it; undefined when there is
 * none. `provider` is the `siyada.provider` setting: Ollama's install page and Pull
 * Model mean nothing to an OpenAI-compatible server.
 */
export function outageNotice(status: ServerStatus | ClientStatus, provider: string): OutageNotice | undefined {
  if (!('endpoint' in status)) {
    return undefined;
  }
  const ollama = provider !== 'openai';
  const text = status.message.replace(/`/g, '');
  switch (status.state) {
    case 'unreachable': {
      const links = [
        commandLink(l10n.t('Retry'), RETRY_COMMAND),
        commandLink(l10n.t('Open Settings'), 'workbench.action.openSettings', ['siyada.endpoint']),
      ];
      if (ollama) {
        links.push(`[${l10n.t('Install Ollama')}](${INSTALL_OLLAMA_URL})`);
      }
      return { key: `unreachable ${status.endpoint}`, message: `${text} ${links.join(' · ')}` };
    }
    case 'modelMissing': {
      const link = ollama
        ? commandLink(l10n.t('Pull Model'), 'siyada.pullModel', [status.model])
        : commandLink(l10n.t('Select Model'), 'siyada.selectModel');
      return { key: `modelMissing ${status.endpoint} ${status.model}`, message: `${text} ${link}` };
    }
    default:
      return undefined;
  }
}
