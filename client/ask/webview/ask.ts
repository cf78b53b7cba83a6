// The chat panel's page script (bundled for the browser on its own). It shows what the
// host sends and posts back what the user does; the host owns the conversation, so a
// page that was hidden and comes back asks for it again ("ready"). Keyboard: Enter
// sends, Shift+Enter starts a new line, Escape stops the answer.

import {
  isHostMessage,
  type ApplyOutcome,
  submitsQuestion,
  type ConversationView,
  type HostMessage,
  type PanelMessage,
  type PanelStrings,
  type Subject,
  type TurnView,
} from '../protocol';
import { codeBlocks, createRenderer } from './markdown';

interface VsCodeApi {
  postMessage(message: PanelMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const render = createRenderer(window);

function byId<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) {
    throw new Error(`the page has no #${id}`);
  }
  return found as T;
}

const subjectArea = byId('subject');
const transcript = byId('transcript');
const note = byId('note');
const form = byId<HTMLFormElement>('ask');
const question = byId<HTMLTextAreaElement>('question');
const send = byId<HTMLButtonElement>('send');
const stop = byId<HTMLButtonElement>('stop');
const clear = byId<HTMLButtonElement>('clear');
const status = byId('status');

let strings: PanelStrings | undefined;
let busy = false;
// Streamed answers come faster than frames: only the latest text of a frame is rendered.
let partial: { turn: number; answer: string } | undefined;
let frame: number | undefined;

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

/** Code reads left to right whatever the panel's direction. */
function codeElement(code: string): HTMLPreElement {
  const pre = element('pre');
  pre.dir = 'ltr';
  pre.append(element('code', undefined, code));
  return pre;
}

function showSubject(subject: Subject): void {
  const heading = element('h1', undefined, subject.title);
  const where = element('p', 'location', subject.location);
  subjectArea.replaceChildren(heading, where);
  if (subject.explanation) {
    subjectArea.append(element('p', 'explanation', subject.explanation));
  }
  if (subject.code) {
    subjectArea.append(codeElement(subject.code));
  }
}

function fill(template: string, value: string | number): string {
  return template.replace('{0}', String(value));
}

function applyText(outcome: ApplyOutcome, labels: PanelStrings): string {
  return outcome.applied ? labels.applied : fill(labels.refused, outcome.reason ?? '');
}

/** Each code block of a finished answer gets its Apply button, and what its last Apply gave. */
function addApplyButtons(body: HTMLElement, turn: number, outcomes: ApplyOutcome[], labels: PanelStrings): void {
  codeBlocks(body).forEach((block, index) => {
    const pre = block.element as HTMLElement;
    pre.dir = 'ltr';
    const wrapper = element('div', 'code-block');
    pre.replaceWith(wrapper);
    const button = element('button', 'apply', labels.apply);
    button.type = 'button';
    button.setAttribute('aria-label', fill(labels.applyBlock, index + 1));
    button.dataset.turn = String(turn);
    button.dataset.block = String(index);
    const outcome = outcomes.find((known) => known.block === index);
    const result = element('p', 'apply-result', outcome && applyText(outcome, labels));
    result.classList.toggle('error', outcome?.applied === false);
    result.id = `apply-result-${turn}-${index}`;
    button.setAttribute('aria-describedby', result.id);
    button.addEventListener('click', () => {
      button.disabled = true;
      button.textContent = labels.applying;
      result.textContent = '';
      post({ type: 'apply', turn, block: index, code: block.code });
    });
    wrapper.append(pre, button, result);
  });
}

function showTurn(turn: TurnView, index: number, labels: PanelStrings): HTMLElement {
  const section = element('section', `turn ${turn.state}`);
  section.dataset.turn = String(index);
  const asked = element('div', 'question');
  asked.append(element('span', 'who', labels.you), element('p', 'text', turn.question));
  const answer = element('div', 'answer');
  const body = element('div', 'answer-body');
  body.replaceChildren(render(turn.answer));
  answer.append(element('span', 'who', labels.siyada), body);
  if (turn.state === 'done') {
    addApplyButtons(body, index, turn.applied, labels);
  } else if (turn.state === 'stopped') {
    answer.append(element('p', 'turn-state', labels.stopped));
  } else if (turn.state === 'failed') {
    const error = element('p', 'turn-state error', fill(labels.failed, turn.error ?? ''));
    error.setAttribute('role', 'alert');
    answer.append(error);
  }
  section.append(asked, answer);
  return section;
}

function setBusy(next: boolean, labels: PanelStrings): void {
  busy = next;
  send.disabled = next;
  stop.disabled = !next;
  transcript.setAttribute('aria-busy', String(next));
  status.textContent = next ? labels.answering : '';
}

function show(view: ConversationView, labels: PanelStrings): void {
  const hadFocus = document.activeElement;
  showSubject(view.subject);
  const turns = view.turns.map((turn, index) => showTurn(turn, index, labels));
  transcript.replaceChildren(...(turns.length ? turns : [element('p', 'empty', labels.empty)]));
  note.hidden = !view.note;
  note.textContent = view.note ?? '';
  setBusy(view.turns.at(-1)?.state === 'streaming', labels);
  transcript.scrollTop = transcript.scrollHeight;
  // A button that was replaced or disabled took the focus with it: give it to the question.
  if (!hadFocus || hadFocus === document.body || !hadFocus.isConnected || (hadFocus as HTMLButtonElement).disabled) {
    question.focus();
  }
}

function renderPartial(): void {
  frame = undefined;
  const latest = partial;
  partial = undefined;
  const body = latest && transcript.querySelector(`section[data-turn="${latest.turn}"] .answer-body`);
  if (latest && body) {
    body.replaceChildren(render(latest.answer));
    transcript.scrollTop = transcript.scrollHeight;
  }
}

function showApplyResult(message: Extract<HostMessage, { type: 'applyResult' }>, labels: PanelStrings): void {
  const button = transcript.querySelector<HTMLButtonElement>(
    `button.apply[data-turn="${message.turn}"][data-block="${message.block}"]`,
  );
  const result = document.getElementById(`apply-result-${message.turn}-${message.block}`);
  if (button) {
    button.disabled = false;
    button.textContent = labels.apply;
  }
  const text = applyText(message, labels);
  if (result) {
    result.textContent = text;
    result.classList.toggle('error', !message.applied);
  }
  status.textContent = text;
}

function handle(message: HostMessage): void {
  switch (message.type) {
    case 'show':
      strings = message.strings;
      partial = undefined;
      show(message.view, message.strings);
      return;
    case 'partial':
      partial = { turn: message.turn, answer: message.answer };
      frame ??= requestAnimationFrame(renderPartial);
      return;
    case 'applyResult':
      if (strings) {
        showApplyResult(message, strings);
      }
      return;
    case 'status':
      status.textContent = message.text;
      return;
  }
}

function post(message: PanelMessage): void {
  vscode.postMessage(message);
}

function submit(): void {
  const text = question.value.trim();
  if (!text || busy) {
    return;
  }
  post({ type: 'ask', question: text });
  question.value = '';
  vscode.setState({ draft: '' });
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (isHostMessage(event.data)) {
    handle(event.data);
  }
});
form.addEventListener('submit', (event) => {
  event.preventDefault();
  submit();
});
question.addEventListener('keydown', (event) => {
  if (submitsQuestion(event)) {
    event.preventDefault();
    submit();
  }
});
question.addEventListener('input', () => vscode.setState({ draft: question.value }));
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && busy) {
    event.preventDefault();
    post({ type: 'stop' });
  }
});
stop.addEventListener('click', () => post({ type: 'stop' }));
clear.addEventListener('click', () => post({ type: 'clear' }));

const saved = vscode.getState() as { draft?: unknown } | undefined;
question.value = typeof saved?.draft === 'string' ? saved.draft : '';
question.focus();
post({ type: 'ready' });
