// What the status entry shows for each state of the server, kept free of the
// vscode module so the mapping is unit-tested.

/** Payload of the server's `siyada/status` notification (and `siyada.status` command). */
export interface ServerStatus {
  state: 'ready' | 'reviewing' | 'unreachable' | 'modelMissing' | 'unauthorized' | 'refused' | 'error';
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
export type StatusAction = 'showLogs' | 'pullModel' | 'explainUnreachable' | 'installServer';

export type Severity = 'information' | 'warning' | 'error';

export interface StatusView {
  text: string;
  detail: string;
  severity: Severity;
  busy: boolean;
  action: StatusAction;
  actionTitle: string;
}

const SHOW_LOGS = { action: 'showLogs', actionTitle: 'Show Logs' } as const;

function where(status: ServerStatus): string {
  return status.remote ? `${status.endpoint} (remote)` : status.endpoint;
}

/** The host (and port) of an endpoint URL, or the URL itself when it does not parse. */
export function hostOf(endpoint: string): string {
  try {
    return new URL(endpoint).host || endpoint;
  } catch {
    return endpoint;
  }
}

export function statusView(status: ServerStatus | ClientStatus): StatusView {
  const view = baseView(status);
  // A remote endpoint is named in the entry itself, in every state but `refused` (where
  // nothing is sent): the user always sees where their code goes.
  if ('remote' in status && status.remote && status.state !== 'refused') {
    return { ...view, text: `${view.text} → ${hostOf(status.endpoint)}` };
  }
  return view;
}

function baseView(status: ServerStatus | ClientStatus): StatusView {
  switch (status.state) {
    case 'starting':
      return {
        text: 'Siyada: starting',
        detail: 'Starting the language server',
        severity: 'information',
        busy: true,
        ...SHOW_LOGS,
      };
    case 'notInstalled':
      return {
        text: 'Siyada: server not installed',
        detail: `${status.python} cannot import siyada`,
        severity: 'error',
        busy: false,
        action: 'installServer',
        actionTitle: 'Install',
      };
    case 'stopped':
      return { text: 'Siyada: server stopped', detail: status.message, severity: 'error', busy: false, ...SHOW_LOGS };
    case 'ready':
    case 'reviewing':
      // Reviews in progress are shown once, by the server's work-done progress in the
      // status bar ("Siyada: Reviewing 2 functions…"), which every LSP editor shows;
      // the entry keeps naming the model instead of saying the same thing again.
      return {
        text: `Siyada: ${status.model}`,
        detail: status.state === 'ready' ? status.message || where(status) : where(status),
        severity: status.remote ? 'warning' : 'information',
        busy: false,
        ...SHOW_LOGS,
      };
    case 'unreachable':
      return {
        text: 'Siyada: Ollama not reachable',
        detail: status.message || `No answer from ${status.endpoint}`,
        severity: 'error',
        busy: false,
        action: 'explainUnreachable',
        actionTitle: 'How to fix',
      };
    case 'modelMissing':
      return {
        text: 'Siyada: model missing',
        detail: status.message || `${status.model} is not installed in Ollama`,
        severity: 'warning',
        busy: false,
        action: 'pullModel',
        actionTitle: 'Pull Model',
      };
    case 'unauthorized':
      return {
        text: 'Siyada: access refused',
        detail: status.message || `${status.endpoint} refused the API key; see siyada.apiKeyEnv`,
        severity: 'error',
        busy: false,
        ...SHOW_LOGS,
      };
    case 'refused':
      return {
        text: 'Siyada: endpoint refused',
        detail: status.message || `${status.endpoint} is not on this machine; see siyada.allowRemoteEndpoint`,
        severity: 'error',
        busy: false,
        ...SHOW_LOGS,
      };
    case 'error':
      return {
        text: 'Siyada: error',
        detail: status.message || 'See the logs',
        severity: 'error',
        busy: false,
        ...SHOW_LOGS,
      };
  }
}

/** The text of the message shown when Ollama cannot be reached. */
export function unreachableAdvice(endpoint: string): string {
  return (
    `Siyada cannot reach Ollama at ${endpoint}. Start Ollama (\`ollama serve\`), ` +
    'or set siyada.endpoint to where it listens.'
  );
}

/** Accepts a notification payload only if it has the documented shape. */
export function parseServerStatus(value: unknown): ServerStatus | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const v = value as Record<string, unknown>;
  const states = ['ready', 'reviewing', 'unreachable', 'modelMissing', 'unauthorized', 'refused', 'error'];
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
