// The messages between the chat panel's webview and the extension host. The webview
// is the less trusted side (it renders the model's text), so every message from it is
// checked here before the host acts on it. Neither vscode nor the DOM is imported:
// the host and the webview bundle both use this module.

/** What the panel is about: shown above the conversation. */
export interface Subject {
  kind: 'finding' | 'function';
  /** The finding's title, or the function's name (or where it is when unknown). */
  title: string;
  /** `load.py:2` */
  location: string;
  /** The function the conversation is about, when known. */
  functionName: string | null;
  /** The finding's explanation (the diagnostic's message). */
  explanation: string | null;
  /** The finding's evidence lines, shown as code. */
  code: string | null;
}

export type TurnState = 'streaming' | 'done' | 'stopped' | 'failed';

export interface TurnView {
  question: string;
  /** The answer so far (cumulative), Markdown. */
  answer: string;
  state: TurnState;
  /** Why the turn failed, in the user's words. */
  error: string | null;
  /** What became of each Apply of this answer's code blocks, by block index. */
  applied: ApplyOutcome[];
}

export interface ApplyOutcome {
  block: number;
  applied: boolean;
  reason: string | null;
}

export interface ConversationView {
  subject: Subject;
  turns: TurnView[];
  /** The server's note when older turns were dropped to fit the model's context. */
  note: string | null;
  model: string | null;
}

/** The panel's words, translated by the host (the webview has no l10n of its own). */
export interface PanelStrings {
  you: string;
  siyada: string;
  apply: string;
  applyBlock: string;
  applying: string;
  applied: string;
  refused: string;
  answering: string;
  stopped: string;
  failed: string;
  cleared: string;
  empty: string;
}

/** Webview → host. */
export type PanelMessage =
  | { type: 'ready' }
  | { type: 'ask'; question: string }
  | { type: 'stop' }
  | { type: 'clear' }
  | { type: 'apply'; turn: number; block: number; code: string };

/** Host → webview. */
export type HostMessage =
  | { type: 'show'; view: ConversationView; strings: PanelStrings }
  | { type: 'partial'; turn: number; answer: string }
  | { type: 'applyResult'; turn: number; block: number; applied: boolean; reason: string | null }
  | { type: 'status'; text: string };

/** Longest question accepted; a model's context holds far less anyway. */
export const MAX_QUESTION_CHARS = 20_000;
/** Longest code block that may be applied. */
export const MAX_CODE_CHARS = 200_000;

function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function isText(value: unknown, limit: number): value is string {
  return typeof value === 'string' && value.length <= limit;
}

/** A message from the webview as the host may act on it, or undefined for anything else. */
export function parsePanelMessage(value: unknown): PanelMessage | undefined {
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case 'ready':
    case 'stop':
    case 'clear':
      return { type: message.type };
    case 'ask':
      return isText(message.question, MAX_QUESTION_CHARS) && message.question.trim()
        ? { type: 'ask', question: message.question.trim() }
        : undefined;
    case 'apply':
      return isIndex(message.turn) && isIndex(message.block) && isText(message.code, MAX_CODE_CHARS) && message.code
        ? { type: 'apply', turn: message.turn, block: message.block, code: message.code }
        : undefined;
    default:
      return undefined;
  }
}

/** What the host sends, as the webview trusts it (it comes from the extension itself). */
export function isHostMessage(value: unknown): value is HostMessage {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const type = (value as { type?: unknown }).type;
  return type === 'show' || type === 'partial' || type === 'applyResult' || type === 'status';
}

/** The key that submits the question: Enter alone (Shift+Enter is a new line; IME composition is not done). */
export function submitsQuestion(key: { key: string; shiftKey: boolean; isComposing: boolean }): boolean {
  return key.key === 'Enter' && !key.shiftKey && !key.isComposing;
}
