// The client's side of the conversations: one per finding or function for the session,
// each with its turns, the server's conversation id once it has answered, and the
// document version each question was asked at (what "Apply" must be validated against).
// No vscode import: the bookkeeping is unit-tested on its own.

import type { ApplyOutcome, ConversationView, Subject, TurnView } from './protocol';

export interface Position {
  line: number;
  character: number;
}

/** What `siyada.ask` needs besides the question: the document and the finding or position. */
export interface AskTarget {
  uri: string;
  finding: Record<string, unknown> | null;
  position: Position | null;
}

/** The argument object of `siyada.ask`. */
export interface AskParams extends AskTarget {
  question: string;
  conversationId: string | null;
}

/** The argument object of `siyada.askApply`. */
export interface ApplyParams {
  uri: string;
  version: number;
  conversationId: string;
  code: string;
}

/** The result of `siyada.ask`. */
export interface AskResult {
  conversationId: string;
  answer: string;
  doneReason: string;
  droppedTurns: number;
  note: string | null;
  model: string;
}

/** The result of `siyada.askApply`. */
export interface ApplyResult {
  applied: boolean;
  reason: string | null;
}

function field<T>(value: Record<string, unknown>, name: string, check: (v: unknown) => v is T, what: string): T {
  const found = value[name];
  if (!check(found)) {
    throw new Error(`the server's answer has no ${what} "${name}" (got ${JSON.stringify(found)})`);
  }
  return found;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isOptionalString = (v: unknown): v is string | null => v === null || v === undefined || typeof v === 'string';
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';

function asObject(value: unknown, command: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${command} answered ${JSON.stringify(value)}, not an object`);
  }
  return value as Record<string, unknown>;
}

/** `siyada.ask`'s result, checked; an unexpected shape throws with what is wrong. */
export function parseAskResult(value: unknown): AskResult {
  const result = asObject(value, 'siyada.ask');
  return {
    conversationId: field(result, 'conversationId', isString, 'text'),
    answer: field(result, 'answer', isString, 'text'),
    doneReason: field(result, 'doneReason', isString, 'text'),
    droppedTurns: field(result, 'droppedTurns', isCount, 'count'),
    note: field(result, 'note', isOptionalString, 'text or null') ?? null,
    model: field(result, 'model', isString, 'text'),
  };
}

/** `siyada.askApply`'s result, checked. */
export function parseApplyResult(value: unknown): ApplyResult {
  const result = asObject(value, 'siyada.askApply');
  return {
    applied: field(result, 'applied', isBoolean, 'boolean'),
    reason: field(result, 'reason', isOptionalString, 'text or null') ?? null,
  };
}

/** The conversation key of a finding: its document and what identifies it across edits elsewhere. */
export function findingKey(uri: string, data: Record<string, unknown>): string {
  const evidence = data.evidence ?? data.evidenceLines;
  return JSON.stringify(['finding', uri, data.functionHash ?? null, data.category, data.title, evidence]);
}

/** The conversation key of a function: by name when the editor knows it, else by the cursor's line. */
export function functionKey(uri: string, name: string | null, line: number): string {
  return JSON.stringify(['function', uri, name ?? `line ${line + 1}`]);
}

/** One question and its answer. The conversation hands it out so a request that ends
 * after a Clear updates its own (forgotten) turn, never a newer one. */
export interface Turn extends TurnView {
  /** The document's version when the question was asked: the answer's code is for that text. */
  readonly version: number;
}

export class Conversation {
  conversationId: string | null = null;
  note: string | null = null;
  model: string | null = null;
  private turns: Turn[] = [];

  constructor(
    readonly key: string,
    readonly subject: Subject,
    readonly target: AskTarget,
  ) {}

  /** Whether an answer is streaming; one question at a time. */
  get busy(): boolean {
    return this.turns.at(-1)?.state === 'streaming';
  }

  /** Where `turn` is in the conversation; -1 once it was cleared. */
  indexOf(turn: Turn): number {
    return this.turns.indexOf(turn);
  }

  /** Starts a turn. Throws while another answer streams. */
  begin(question: string, version: number): Turn {
    if (this.busy) {
      throw new Error('a question is still being answered');
    }
    const turn: Turn = { question, answer: '', state: 'streaming', error: null, applied: [], version };
    this.turns.push(turn);
    return turn;
  }

  /** The whole answer so far (progress is cumulative); false when nothing changed or the turn no longer streams. */
  progress(turn: Turn, answer: string): boolean {
    if (turn.state !== 'streaming' || turn.answer === answer) {
      return false;
    }
    turn.answer = answer;
    return true;
  }

  /** The server's result ends the turn; a cancelled one keeps what had come (or the partial result). */
  finish(turn: Turn, result: AskResult): void {
    if (turn.state !== 'streaming' || this.indexOf(turn) < 0) {
      return;
    }
    this.conversationId = result.conversationId;
    this.model = result.model;
    this.note = result.note ?? this.note;
    turn.answer = result.answer || turn.answer;
    turn.state = result.doneReason === 'cancelled' ? 'stopped' : 'done';
  }

  /** The request ended by the user's Stop without a result: the answer so far stays. */
  stopped(turn: Turn): void {
    if (turn.state === 'streaming') {
      turn.state = 'stopped';
    }
  }

  failed(turn: Turn, message: string): void {
    if (turn.state === 'streaming') {
      turn.state = 'failed';
      turn.error = message;
    }
  }

  /** Forgets the turns and the server's conversation; the subject stays. */
  clear(): void {
    for (const turn of this.turns) {
      this.stopped(turn);
    }
    this.turns = [];
    this.conversationId = null;
    this.note = null;
  }

  askParams(question: string): AskParams {
    return { ...this.target, question, conversationId: this.conversationId };
  }

  /** What `siyada.askApply` needs for a code block of the turn at `index`; undefined unless that answer is done. */
  applyParams(index: number, code: string): ApplyParams | undefined {
    const turn = this.turns[index];
    if (turn?.state !== 'done' || this.conversationId === null) {
      return undefined;
    }
    return { uri: this.target.uri, version: turn.version, conversationId: this.conversationId, code };
  }

  /** Keeps what an Apply of block `block` of the turn at `index` gave, so the panel shows it again. */
  recordApply(index: number, outcome: ApplyOutcome): void {
    const turn = this.turns[index];
    if (turn) {
      turn.applied = [...turn.applied.filter((known) => known.block !== outcome.block), outcome];
    }
  }

  view(): ConversationView {
    return {
      subject: this.subject,
      turns: this.turns.map(({ question, answer, state, error, applied }) => ({
        question,
        answer,
        state,
        error,
        applied: [...applied],
      })),
      note: this.note,
      model: this.model,
    };
  }
}

/** The session's conversations by key: reopening a finding finds its conversation again. */
export class ConversationBook {
  private readonly conversations = new Map<string, Conversation>();

  /** The conversation for `key`, made by `create` the first time. */
  open(key: string, create: () => Conversation): Conversation {
    let conversation = this.conversations.get(key);
    if (!conversation) {
      conversation = create();
      this.conversations.set(key, conversation);
    }
    return conversation;
  }

  get size(): number {
    return this.conversations.size;
  }
}
