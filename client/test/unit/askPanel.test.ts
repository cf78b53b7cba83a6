// The chat panel's page: the model's Markdown made harmless (a hostile answer runs and
// loads nothing), the content security policy, the theme's colours only, and the page
// script itself, bundled as for the webview and run in jsdom against a fake host.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { buildSync } from 'esbuild';
import { JSDOM } from 'jsdom';
import { contentSecurityPolicy, escapeHtml, isRightToLeft, panelHtml, type PageOptions } from '../../ask/html';
import type { ConversationView, HostMessage, PanelMessage, PanelStrings } from '../../ask/protocol';
import { codeBlocks, createRenderer, createSanitizer } from '../../ask/webview/markdown';
import { REPO_ROOT } from '../manifest';

const WEBVIEW = path.join(REPO_ROOT, 'client', 'ask', 'webview');

function jsdomWindow() {
  return new JSDOM('<!DOCTYPE html><body></body>').window;
}

/** Every element of `fragment` with what could run or load something. */
function dangerous(fragment: DocumentFragment): string[] {
  return [...fragment.querySelectorAll('*')].flatMap((element) => {
    const found: string[] = [];
    if (['SCRIPT', 'IMG', 'IFRAME', 'OBJECT', 'EMBED', 'STYLE', 'LINK', 'FORM', 'SVG'].includes(element.tagName)) {
      found.push(`<${element.tagName.toLowerCase()}>`);
    }
    for (const attribute of element.getAttributeNames()) {
      const value = element.getAttribute(attribute) ?? '';
      if (
        /^on/i.test(attribute) ||
        attribute === 'style' ||
        attribute === 'src' ||
        /^\s*(javascript|data):/i.test(value)
      ) {
        found.push(`${element.tagName.toLowerCase()}[${attribute}=${value}]`);
      }
    }
    return found;
  });
}

describe("the model's answer as Markdown", () => {
  const window = jsdomWindow();
  const render = createRenderer(window);

  it('renders Markdown: emphasis, lists, inline code, links', () => {
    const html = render('**Close** the file:\n\n- use `with`\n- see [the docs](https://docs.python.org/3/)');
    const holder = window.document.createElement('div');
    holder.append(html);
    assert.equal(holder.querySelector('strong')?.textContent, 'Close');
    assert.equal(holder.querySelector('li code')?.textContent, 'with');
    assert.equal(holder.querySelector('a')?.getAttribute('href'), 'https://docs.python.org/3/');
  });

  it('shows HTML in a hostile answer as text, running and loading nothing', () => {
    const hostile = [
      'Here is the fix <img src=x onerror="alert(1)">',
      '<script>alert(document.cookie)</script>',
      '<iframe src="https://attacker.example/"></iframe>',
      '[click me](javascript:alert(1)) and ![pixel](https://attacker.example/p.png)',
      '<a href="javascript:alert(2)" onclick="alert(3)">x</a>',
    ].join('\n\n');
    const fragment = render(hostile);
    assert.deepEqual(dangerous(fragment), []);
    const text = fragment.textContent ?? '';
    assert.ok(text.includes('<img src=x onerror="alert(1)">'), 'the tag is shown as text');
    assert.ok(text.includes('<script>alert(document.cookie)</script>'));
    assert.equal(fragment.querySelectorAll('a').length, 0, 'no link survives with a javascript: target');
  });

  it('strips what runs or loads even from HTML that reaches the sanitizer', () => {
    const sanitize = createSanitizer(window);
    const fragment = sanitize(
      '<p onclick="alert(1)" style="color:red">kept</p><img src=x onerror=alert(1)><script>alert(1)</script>' +
        '<svg><script>alert(1)</script></svg><a href="javascript:alert(1)">a</a><a href="https://ok.example/">b</a>' +
        '<form action="https://x.example"><input name=q></form><iframe srcdoc="<script>alert(1)</script>"></iframe>',
    );
    assert.deepEqual(dangerous(fragment), []);
    assert.equal(fragment.querySelector('p')?.textContent, 'kept');
    assert.deepEqual(
      [...fragment.querySelectorAll('a')].map((a) => a.getAttribute('href')),
      [null, 'https://ok.example/'],
    );
  });

  it('finds the code blocks with their code and language', () => {
    const fragment = render(
      'Try:\n\n```python\ndef load(path):\n    with open(path) as f:\n        return f.read()\n```\n',
    );
    const blocks = codeBlocks(fragment);
    assert.equal(blocks.length, 1);
    assert.equal(blocks[0].language, 'python');
    assert.equal(blocks[0].code, 'def load(path):\n    with open(path) as f:\n        return f.read()');
    assert.equal(blocks[0].element.tagName, 'PRE');
  });
});

const LABELS = {
  title: 'Ask Siyada',
  conversation: 'Conversation with Siyada',
  question: 'Your question',
  placeholder: 'Why?',
  send: 'Send',
  stop: 'Stop',
  clear: 'Clear',
  keys: 'Enter sends',
};

function page(overrides: Partial<PageOptions> = {}): string {
  return panelHtml({
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/out/webview/ask.js',
    styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/out/webview/ask.css',
    nonce: 'bm9uY2Vub25jZQ==',
    lang: 'en',
    rtl: false,
    labels: LABELS,
    ...overrides,
  });
}

describe('the panel page', () => {
  it('allows nothing by default, its script by nonce and its styles from the extension', () => {
    const policy = contentSecurityPolicy('https://csp.source', 'abc');
    assert.equal(policy, "default-src 'none'; script-src 'nonce-abc'; style-src https://csp.source");
    const document = new JSDOM(page()).window.document;
    const meta = document.querySelector('meta[http-equiv="Content-Security-Policy"]');
    assert.equal(
      meta?.getAttribute('content'),
      contentSecurityPolicy('https://file+.vscode-resource.vscode-cdn.net', 'bm9uY2Vub25jZQ=='),
    );
    const scripts = [...document.querySelectorAll('script')];
    assert.deepEqual(
      scripts.map((script) => [script.getAttribute('nonce'), script.textContent]),
      [['bm9uY2Vub25jZQ==', '']],
      'one script, loaded by nonce, nothing inline',
    );
  });

  it('has no inline handlers or styles, and labels every control', () => {
    const html = page();
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i);
    assert.doesNotMatch(html, /\sstyle\s*=|<style/i);
    const document = new JSDOM(html).window.document;
    assert.equal(document.querySelector('label[for="question"]')?.textContent, 'Your question');
    for (const button of document.querySelectorAll('button')) {
      assert.ok(button.textContent?.trim(), `${button.id} has a name`);
    }
    assert.equal(document.getElementById('transcript')?.getAttribute('aria-live'), 'polite');
  });

  it('escapes its words and reads right to left in Arabic', () => {
    assert.equal(escapeHtml(`<b a="1">'x'&</b>`), '&lt;b a=&quot;1&quot;&gt;&#39;x&#39;&amp;&lt;/b&gt;');
    const html = page({ labels: { ...LABELS, send: '<img src=x onerror=alert(1)>' }, lang: 'ar', rtl: true });
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.match(html, /<html lang="ar" dir="rtl">/);
    assert.equal(isRightToLeft('ar-EG'), true);
    assert.equal(isRightToLeft('en'), false);
  });

  it('takes every colour and font from the theme', () => {
    const css = readFileSync(path.join(WEBVIEW, 'ask.css'), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    assert.doesNotMatch(css, /#[0-9a-f]{3,8}\b|rgba?\(|hsla?\(/i, 'no colour of its own');
    const variables = [...css.matchAll(/var\((--[\w-]+)/g)].map((match) => match[1]);
    assert.ok(variables.length > 20);
    assert.deepEqual(
      variables.filter((name) => !name.startsWith('--vscode-')),
      [],
    );
    for (const [, value] of css.matchAll(/font-family:\s*([^;]+);/g)) {
      assert.match(value, /^var\(--vscode-(editor-)?font-family\)$/);
    }
  });
});

const STRINGS: PanelStrings = {
  you: 'You',
  siyada: 'Siyada',
  apply: 'Apply',
  applyBlock: 'Apply code block {0} to the file',
  applying: 'Applying…',
  applied: 'Applied to the file.',
  refused: 'Not applied: {0}',
  answering: 'Siyada is answering…',
  stopped: 'Stopped.',
  failed: 'Siyada could not answer: {0}',
  cleared: 'The conversation was cleared.',
  empty: 'Ask a question',
};

const VIEW: ConversationView = {
  subject: {
    kind: 'finding',
    title: 'File is never closed',
    location: 'load.py:2',
    functionName: 'load',
    explanation: 'The file object is not closed.',
    code: '    f = open(path)',
  },
  turns: [],
  note: null,
  model: 'qwen2.5-coder:7b',
};

/** The page script as the build bundles it, running in jsdom with a fake `acquireVsCodeApi`. */
function runPanel() {
  const bundle = buildSync({
    entryPoints: [path.join(WEBVIEW, 'ask.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
  }).outputFiles[0].text;
  const dom = new JSDOM(page(), { runScripts: 'outside-only', pretendToBeVisual: true });
  const { window } = dom;
  const posted: PanelMessage[] = [];
  let state: unknown;
  Object.assign(window, {
    acquireVsCodeApi: () => ({
      // Serialized, as VS Code does: what the page posts must survive the trip.
      postMessage: (message: PanelMessage) => posted.push(JSON.parse(JSON.stringify(message)) as PanelMessage),
      getState: () => state,
      setState: (next: unknown) => (state = JSON.parse(JSON.stringify(next)) as unknown),
    }),
  });
  window.eval(bundle);
  const send = (message: HostMessage) => window.dispatchEvent(new window.MessageEvent('message', { data: message }));
  const question = window.document.getElementById('question') as HTMLTextAreaElement;
  const key = (target: EventTarget, init: KeyboardEventInit) =>
    target.dispatchEvent(new window.KeyboardEvent('keydown', { bubbles: true, cancelable: true, ...init }));
  const frame = () => new Promise((resolve) => window.requestAnimationFrame(resolve));
  return { window, document: window.document, posted, send, question, key, frame, state: () => state };
}

describe('the panel script', () => {
  it('asks for the conversation when it loads, with the question focused', () => {
    const panel = runPanel();
    assert.deepEqual(panel.posted, [{ type: 'ready' }]);
    assert.equal(panel.document.activeElement, panel.question);
  });

  it('sends on Enter, keeps Shift+Enter for a new line, and stops on Escape while answering', () => {
    const panel = runPanel();
    panel.send({ type: 'show', view: VIEW, strings: STRINGS });
    assert.equal(panel.document.querySelector('#subject h1')?.textContent, 'File is never closed');
    panel.question.value = 'why?';
    assert.equal(panel.key(panel.question, { key: 'Enter', shiftKey: true }), true, 'Shift+Enter is left alone');
    assert.equal(panel.posted.length, 1);
    assert.equal(panel.key(panel.question, { key: 'Enter' }), false, 'Enter is taken');
    assert.deepEqual(panel.posted.at(-1), { type: 'ask', question: 'why?' });
    assert.equal(panel.question.value, '');
    // Escape does nothing until an answer streams.
    panel.key(panel.question, { key: 'Escape' });
    assert.equal(panel.posted.length, 2);
    panel.send({
      type: 'show',
      view: { ...VIEW, turns: [{ question: 'why?', answer: '', state: 'streaming', error: null, applied: [] }] },
      strings: STRINGS,
    });
    const stop = panel.document.getElementById('stop') as HTMLButtonElement;
    assert.equal(stop.disabled, false);
    assert.equal((panel.document.getElementById('send') as HTMLButtonElement).disabled, true);
    assert.equal(panel.document.getElementById('transcript')?.getAttribute('aria-busy'), 'true');
    panel.key(panel.question, { key: 'Escape' });
    assert.deepEqual(panel.posted.at(-1), { type: 'stop' });
  });

  it('grows the streamed answer, rendering only the latest text of a frame', async () => {
    const panel = runPanel();
    const streaming = {
      ...VIEW,
      turns: [{ question: 'why?', answer: '', state: 'streaming' as const, error: null, applied: [] }],
    };
    panel.send({ type: 'show', view: streaming, strings: STRINGS });
    panel.send({ type: 'partial', turn: 0, answer: 'The file' });
    panel.send({ type: 'partial', turn: 0, answer: 'The file is **never** closed <img src=x onerror=alert(1)>' });
    await panel.frame();
    const body = panel.document.querySelector('section[data-turn="0"] .answer-body');
    assert.equal(body?.querySelector('strong')?.textContent, 'never');
    assert.equal(body?.querySelector('img'), null);
    assert.match(body?.textContent ?? '', /<img src=x onerror=alert\(1\)>/);
  });

  it('gives each code block of a finished answer a labelled Apply button and shows a refusal', () => {
    const panel = runPanel();
    const answer = 'Like this:\n\n```python\nwith open(path) as f:\n    return f.read()\n```\n\nor\n\n```\npass\n```';
    panel.send({
      type: 'show',
      view: { ...VIEW, turns: [{ question: 'another way?', answer, state: 'done', error: null, applied: [] }] },
      strings: STRINGS,
    });
    const buttons = [...panel.document.querySelectorAll<HTMLButtonElement>('button.apply')];
    assert.deepEqual(
      buttons.map((button) => button.getAttribute('aria-label')),
      ['Apply code block 1 to the file', 'Apply code block 2 to the file'],
    );
    buttons[0].click();
    assert.deepEqual(panel.posted.at(-1), {
      type: 'apply',
      turn: 0,
      block: 0,
      code: 'with open(path) as f:\n    return f.read()',
    });
    assert.equal(buttons[0].disabled, true);
    panel.send({ type: 'applyResult', turn: 0, block: 0, applied: false, reason: 'the document changed' });
    assert.equal(buttons[0].disabled, false);
    assert.equal(panel.document.getElementById('apply-result-0-0')?.textContent, 'Not applied: the document changed');
    assert.equal(panel.document.getElementById('status')?.textContent, 'Not applied: the document changed');
    // Shown again when the page is drawn anew from the host's conversation.
    panel.send({
      type: 'show',
      view: {
        ...VIEW,
        turns: [
          {
            question: 'another way?',
            answer,
            state: 'done',
            error: null,
            applied: [{ block: 1, applied: true, reason: null }],
          },
        ],
      },
      strings: STRINGS,
    });
    assert.equal(panel.document.getElementById('apply-result-0-0')?.textContent, '');
    assert.equal(panel.document.getElementById('apply-result-0-1')?.textContent, 'Applied to the file.');
  });

  it('shows a stopped answer, the note about dropped turns, and Clear', () => {
    const panel = runPanel();
    panel.send({
      type: 'show',
      view: {
        ...VIEW,
        note: 'The 2 oldest turns were dropped to fit the model.',
        turns: [{ question: 'long?', answer: 'Part', state: 'stopped', error: null, applied: [] }],
      },
      strings: STRINGS,
    });
    assert.equal(panel.document.querySelector('.turn-state')?.textContent, 'Stopped.');
    assert.equal(panel.document.querySelectorAll('button.apply').length, 0);
    const note = panel.document.getElementById('note');
    assert.equal(note?.hidden, false);
    assert.equal(note?.textContent, 'The 2 oldest turns were dropped to fit the model.');
    (panel.document.getElementById('clear') as HTMLButtonElement).click();
    assert.deepEqual(panel.posted.at(-1), { type: 'clear' });
  });

  it('keeps a draft across a reload of the page', () => {
    const panel = runPanel();
    panel.question.value = 'half a question';
    panel.question.dispatchEvent(new panel.window.Event('input'));
    assert.deepEqual(panel.state(), { draft: 'half a question' });
  });
});
