// What the status entry shows for each state of the server, kept free of the
// vscode module so the mapping is unit-tested.

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

const SHOW_LOGS = { action: 'showLogs', actionTitle: 'Show Logs' } as const;

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
  const sentence = /^(.*?[.!?])(\s|$)/s.exec(text)?.[1] ?? text;
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
    return { ...view, text: `${view.text} → ${hostOf(status.endpoint)}` };
  }
  return view;
}

function baseView(status: ServerStatus | ClientStatus): Omit<StatusView, 'tooltip'> {
  switch (status.state) {
    case 'starting':
      if ('endpoint' in status) {
        return {
          text: 'Siyada: starting',
          detail: `Checking ${hostOf(status.endpoint)}`,
          severity: 'information',
          busy: true,
          ...SHOW_LOGS,
        };
      }
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
    case 'loading':
      return {
        text: `Siyada: loading ${status.model}`,
        detail: 'Loading the model into memory',
        severity: 'information',
        busy: true,
        ...SHOW_LOGS,
      };
    case 'ready':
    case 'reviewing':
      // Reviews in progress are shown once, by the server's work-done progress in the
      // status bar ("Siyada: Reviewing 2 functions…"), which every LSP editor shows;
      // the entry keeps naming the model instead of saying the same thing again.
      return {
        text: `Siyada: ${status.model}`,
        detail: status.remote ? `${hostOf(status.endpoint)} (remote)` : hostOf(status.endpoint),
        severity: status.remote ? 'warning' : 'information',
        busy: false,
        ...SHOW_LOGS,
      };
    case 'unreachable':
      return {
        text: 'Siyada: Ollama not reachable',
        detail: `No answer from ${hostOf(status.endpoint)}`,
        severity: 'error',
        busy: false,
        action: 'retry',
        actionTitle: 'Retry',
      };
    case 'modelMissing':
      return {
        text: 'Siyada: model missing',
        detail: `${status.model} is not installed`,
        severity: 'warning',
        busy: false,
        action: 'pullModel',
        actionTitle: 'Pull Model',
      };
    case 'unauthorized':
      return {
        text: 'Siyada: access refused',
        detail: 'API key refused; see siyada.apiKeyEnv',
        severity: 'error',
        busy: false,
        ...SHOW_LOGS,
      };
    case 'refused':
      return {
        text: 'Siyada: endpoint refused',
        detail: 'Remote endpoint not allowed',
        severity: 'error',
        busy: false,
        ...SHOW_LOGS,
      };
    case 'error':
      return {
        text: 'Siyada: error',
        detail: status.message ? brief(status.message) : 'See the logs',
        severity: 'error',
        busy: false,
        ...SHOW_LOGS,
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
