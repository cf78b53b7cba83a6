// What the status entry shows for each state of the server, kept free of the
// vscode module so the mapping is unit-tested.

import * as l10n from './l10n';

/** Payload of the server's `siyada/status` notification (and `siyada.status` command). */
export interface ServerStatus {
  state:
    | 'starting'
    | 'loading'
    | 'ready'
    | 'reviewing'
    | 'unreachable'
    | 'modelMissing'
    | 'unauthorized'
    | 'refused'
    | 'error';
  model: string;
  endpoint: string;
  remote: boolean;
  pending: number;
  message: string;
}

/** States only the client knows: before the server reports, or when it cannot run. */
export type ClientStatus =
  { state: 'starting' } | { state: 'notInstalled'; python: string } | { state: 'stopped'; message: string };

/** What clicking the entry does: each leads to the fix for its state. */
export type StatusAction = 'showLogs' | 'pullModel' | 'retry' | 'installServer';

export type Severity = 'information' | 'warning' | 'error';

export interface StatusView {
  text: string;
  /** Short, so the entry's action stays on screen beside it. */
  detail: string;
  /** The long text, shown on hovering the action. */
  tooltip: string;
  severity: Severity;
  busy: boolean;
  action: StatusAction;
  actionTitle: string;
}

function showLogs(): { action: 'showLogs'; actionTitle: string } {
  return { action: 'showLogs', actionTitle: l10n.t('Show Logs') };
}

/** The host (and port) of an endpoint URL, or the URL itself when it does not parse. */
export function hostOf(endpoint: string): string {
  try {
    return new URL(endpoint).host || endpoint;
  } catch {
    return endpoint;
  }
}

/** `text` cut at its first sentence, and at `limit` characters. */
export function brief(text: string, limit = 60): string {
  // Arabic ends a question with its own mark (؟).
  const sentence = /^(.*?[.!?\u061f])(\s|$)/s.exec(text)?.[1] ?? text;
  const line = sentence.replace(/\s+/g, ' ').trim();
  return line.length <= limit ? line : `${line.slice(0, limit - 1).trimEnd()}…`;
}

export function statusView(status: ServerStatus | ClientStatus): StatusView {
  const base = baseView(status);
  // Reviews in progress are the server's progress to tell, not the entry's hover.
  const told = 'message' in status && status.state !== 'reviewing' ? status.message : '';
  const view = { ...base, tooltip: told || base.detail };
  // A remote endpoint is named in the entry itself, in every state but `refused` (where
  // nothing is sent): the user always sees where their code goes.
  if ('remote' in status && status.remote && status.state !== 'refused') {
    return { ...view, text: l10n.t('{0} → {1}', view.text, hostOf(status.endpoint)) };
  }
  return view;
}

function baseView(status: ServerStatus | ClientStatus): Omit<StatusView, 'tooltip'> {
  switch (status.state) {
    case 'starting':
      if ('endpoint' in status) {
        return {
          text: l10n.t('Siyada: starting'),
          detail: l10n.t('Checking {0}', hostOf(status.endpoint)),
          severity: 'information',
          busy: true,
          ...showLogs(),
        };
      }
      return {
        text: l10n.t('Siyada: starting'),
        detail: l10n.t('Starting the language server'),
        severity: 'information',
        busy: true,
        ...showLogs(),
      };
    case 'notInstalled':
      return {
        text: l10n.t('Siyada: server not installed'),
        detail: l10n.t('{0} cannot import siyada', status.python),
        severity: 'error',
        busy: false,
        action: 'installServer',
        actionTitle: l10n.t('Install'),
      };
    case 'stopped':
      return {
        text: l10n.t('Siyada: server stopped'),
        detail: status.message,
        severity: 'error',
        busy: false,
        ...showLogs(),
      };
    case 'loading':
      return {
        text: l10n.t('Siyada: loading {0}', status.model),
        detail: l10n.t('Loading the model into memory'),
        severity: 'information',
        busy: true,
        ...showLogs(),
      };
    case 'ready':
    case 'reviewing':
      // Reviews in progress are shown once, by the server's work-done progress in the
      // status bar ("Siyada: Reviewing 2 functions…"), which every LSP editor shows;
      // the entry keeps naming the model instead of saying the same thing again.
      return {
        text: l10n.t('Siyada: {0}', status.model),
        detail: status.remote ? l10n.t('{0} (remote)', hostOf(status.endpoint)) : hostOf(status.endpoint),
        severity: status.remote ? 'warning' : 'information',
        busy: false,
        ...showLogs(),
      };
    case 'unreachable':
      return {
        text: l10n.t('Siyada: Ollama not reachable'),
        detail: l10n.t('No answer from {0}', hostOf(status.endpoint)),
        severity: 'error',
        busy: false,
        action: 'retry',
        actionTitle: l10n.t('Retry'),
      };
    case 'modelMissing':
      return {
        text: l10n.t('Siyada: model missing'),
        detail: l10n.t('{0} is not installed', status.model),
        severity: 'warning',
        busy: false,
        action: 'pullModel',
        actionTitle: l10n.t('Pull Model'),
      };
    case 'unauthorized':
      return {
        text: l10n.t('Siyada: access refused'),
        detail: l10n.t('API key refused; see {0}', 'siyada.apiKeyEnv'),
        severity: 'error',
        busy: false,
        ...showLogs(),
      };
    case 'refused':
      return {
        text: l10n.t('Siyada: endpoint refused'),
        detail: l10n.t('Remote endpoint not allowed'),
        severity: 'error',
        busy: false,
        ...showLogs(),
      };
    case 'error':
      return {
        text: l10n.t('Siyada: error'),
        detail: status.message ? brief(status.message) : l10n.t('See the logs'),
        severity: 'error',
        busy: false,
        ...showLogs(),
      };
  }
}

/** Accepts a notification payload only if it has the documented shape. */
export function parseServerStatus(value: unknown): ServerStatus | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const v = value as Record<string, unknown>;
  const states = [
    'starting',
    'loading',
    'ready',
    'reviewing',
    'unreachable',
    'modelMissing',
    'unauthorized',
    'refused',
    'error',
  ];
  if (typeof v.state !== 'string' || !states.includes(v.state)) {
    return undefined;
  }
  return {
    state: v.state as ServerStatus['state'],
    model: typeof v.model === 'string' ? v.model : '',
    endpoint: typeof v.endpoint === 'string' ? v.endpoint : '',
    remote: v.remote === true,
    pending: typeof v.pending === 'number' ? v.pending : 0,
    message: typeof v.message === 'string' ? v.message : '',
  };
}

/** Human-readable byte counts for pull progress and the model list. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${value} ${units[unit]}` : `${value.toFixed(1)} ${units[unit]}`;
}
