// End to end: "Ask about this finding" in a real VS Code (code-server, headless
// Chromium) against the Ollama test double. The chat panel is a webview: its page runs
// in nested frames, found here by its own elements. The answer streams in (seen growing
// in the page), a code block is applied to the file (and refused once the file changed),
// a long answer is stopped, and the panel is shown in a dark and a light theme.

import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Frame } from 'playwright-core';
import { waitFor, PYTHON } from './harness';
import { E2E_DIR, EditorSession, STEP_MS, writeJson } from './session';

const MODEL = 'qwen2.5-coder:7b';
const FIXTURE = 'load.py';
const FIXTURE_TEXT = 'def load(path):\n    f = open(path)\n    return f.read()\n';
const FINDING = {
  category: 'bug',
  severity: 'warning',
  title: 'File is never closed',
  explanation: 'The file object is not closed when read() fails or returns; a with block closes it.',
  evidence: '    f = open(path)\n    return f.read()',
  confidence: 0.9,
};
const FIXED_TEXT = 'def load(path):\n    with open(path) as f:\n        return f.read()\n';

const OTHER = 'total.py';
const OTHER_TEXT =
  'def total(items):\n    result = 0\n    for item in items:\n        result += item\n    return result\n';

const ASK_ACTION = 'Siyada: Ask about this finding';
const ANOTHER_WAY = 'Show me another way';
const ANOTHER_WAY_ANSWER = [
  'A `with` block closes the file however `read()` ends, so nothing leaks when it raises.',
  '',
  'Here is the function written that way:',
  '',
  '```python',
  'def load(path):',
  '    with open(path) as f:',
  '        return f.read()',
  '```',
  '',
  'The **with** statement calls `f.close()` for you.',
].join('\n');

const TOTAL_QUESTION = 'What does total return?';
const TOTAL_ANSWER = 'It returns the **sum** of `items`; `sum(items)` says the same.';

const SLOWLY = 'Explain it slowly';
const SLOW_ANSWER = Array.from({ length: 40 }, (_, i) => `Step ${i + 1}: think about the file handle.`).join('\n\n');

describe('Ask about a finding (code-server, headless Chromium)', { timeout: 600_000 }, () => {
  let session: EditorSession;
  let settings: Record<string, unknown>;
  const measured: Record<string, unknown> = {};

  before(async () => {
    session = await EditorSession.start({
      name: 'ask',
      models: [MODEL],
      rules: [
        { match: 'f = open(path)', content: { findings: [FINDING] }, free: false },
        { match: ANOTHER_WAY, content: ANOTHER_WAY_ANSWER, chunk_delay: 0.06, free: true },
        { match: SLOWLY, content: SLOW_ANSWER, chunk_delay: 0.15, free: true },
        { match: TOTAL_QUESTION, content: TOTAL_ANSWER, free: true },
      ],
      files: { [FIXTURE]: FIXTURE_TEXT, [OTHER]: OTHER_TEXT },
      settings: (endpoint) =>
        (settings = {
          'siyada.endpoint': endpoint,
          'siyada.interpreter': PYTHON,
          'workbench.colorTheme': 'Default Dark Modern',
        }),
    });
  });

  after(async () => {
    writeJson(path.join(E2E_DIR, 'ask-measurements.json'), measured);
    await session?.close();
  });

  /** The frame of the chat panel's page (a webview: an iframe inside an iframe). */
  async function panel(): Promise<Frame> {
    return waitFor(
      'the chat panel',
      async () => {
        for (const frame of session.page.frames()) {
          if (
            (await frame
              .locator('#transcript')
              .count()
              .catch(() => 0)) > 0
          ) {
            return frame;
          }
        }
        return undefined;
      },
      STEP_MS,
      250,
    );
  }

  /** Records, in the page, when Enter was pressed, when the first answer text showed, and how it grew. */
  async function watchAnswer(frame: Frame): Promise<void> {
    await frame.evaluate(() => {
      const record = { enterAt: 0, firstAt: 0, lengths: [] as number[] };
      (window as unknown as { askRecord: typeof record }).askRecord = record;
      document.getElementById('question')?.addEventListener(
        'keydown',
        (event) => {
          if (event.key === 'Enter' && !event.shiftKey) {
            record.enterAt = performance.now();
          }
        },
        true,
      );
      const transcript = document.getElementById('transcript');
      if (transcript) {
        new MutationObserver(() => {
          const bodies = transcript.querySelectorAll('.turn.streaming .answer-body');
          const length = bodies[bodies.length - 1]?.textContent?.length ?? 0;
          if (length > 0) {
            record.firstAt ||= performance.now();
            if (record.lengths.at(-1) !== length) {
              record.lengths.push(length);
            }
          }
        }).observe(transcript, { childList: true, subtree: true, characterData: true });
      }
    });
  }

  async function answerRecord(frame: Frame): Promise<{ enterAt: number; firstAt: number; lengths: number[] }> {
    return frame.evaluate(
      () => (window as unknown as { askRecord: { enterAt: number; firstAt: number; lengths: number[] } }).askRecord,
    );
  }

  async function ask(frame: Frame, question: string): Promise<void> {
    const box = frame.locator('#question');
    await box.fill(question);
    await box.press('Enter');
  }

  const lastTurn = (frame: Frame) => frame.locator('section.turn').last();

  async function bodyBackground(frame: Frame): Promise<string> {
    return frame.evaluate(() => getComputedStyle(document.body).backgroundColor);
  }

  it("opens the panel from the finding's code action, starting from the finding and its explanation", async () => {
    const { page } = session;
    await session.openFile(FIXTURE, 'def load(path):');
    await session.squiggles().first().waitFor({ timeout: STEP_MS });
    const action = page.locator('.action-widget .monaco-list-row', { hasText: ASK_ACTION }).first();
    await waitFor(
      'Ask about this finding in the quick fix menu',
      async () => {
        await page.keyboard.press('Escape');
        await page.locator('.monaco-editor .view-line', { hasText: 'f = open(path)' }).click();
        await page.keyboard.press('Control+Period');
        return action.waitFor({ timeout: 5000 }).then(() => true);
      },
      STEP_MS,
    );
    // The menu takes keys, as for a user: move the focus to the action, then Enter.
    await waitFor(
      'the action to be focused in the menu',
      async () => {
        if ((await action.getAttribute('class'))?.split(' ').includes('focused')) {
          return true;
        }
        await page.keyboard.press('ArrowDown');
        return false;
      },
      10_000,
    );
    await page.keyboard.press('Enter');
    const frame = await panel();
    await frame.locator('#subject h1', { hasText: FINDING.title }).waitFor({ timeout: STEP_MS });
    await frame.locator('#subject .location', { hasText: `${FIXTURE}:2` }).waitFor({ timeout: STEP_MS });
    assert.match((await frame.locator('#subject .explanation').textContent()) ?? '', /File is never closed/);
    assert.match((await frame.locator('#subject pre').textContent()) ?? '', /f = open\(path\)/);
    await page
      .locator('.tab', { hasText: `Ask Siyada: ${FINDING.title}` })
      .first()
      .waitFor({ timeout: STEP_MS });
    // The question has the focus: the keyboard alone is enough from here.
    await waitFor(
      'the question to have the focus',
      () => frame.evaluate(() => document.activeElement?.id === 'question'),
      STEP_MS,
    );
  });

  it('streams the answer in, growing as it comes, then renders it as Markdown', async () => {
    const frame = await panel();
    await watchAnswer(frame);
    await ask(frame, ANOTHER_WAY);
    await lastTurn(frame).locator('.question', { hasText: ANOTHER_WAY }).waitFor({ timeout: STEP_MS });
    await frame.locator('button.apply').first().waitFor({ timeout: STEP_MS });
    const record = await answerRecord(frame);
    assert.ok(record.firstAt > record.enterAt && record.enterAt > 0, JSON.stringify(record));
    // Several sizes in between: it was shown while it streamed, not all at once at the end.
    assert.ok(record.lengths.length >= 3, `the answer grew in ${record.lengths.length} steps`);
    assert.deepEqual(
      record.lengths,
      [...record.lengths].sort((a, b) => a - b),
      'it only grows',
    );
    measured.firstTokenMs = Math.round(record.firstAt - record.enterAt);
    measured.growthSteps = record.lengths.length;
    process.stdout.write(`# ask: first streamed token shown ${String(measured.firstTokenMs)} ms after Enter\n`);
    const answer = lastTurn(frame).locator('.answer-body');
    assert.equal(await answer.locator('strong').first().textContent(), 'with');
    assert.match((await answer.locator('pre code').textContent()) ?? '', /with open\(path\) as f:/);
    assert.equal(
      await frame.locator('button.apply').first().getAttribute('aria-label'),
      'Apply code block 1 to the file',
    );
    await session.screenshot('ask-dark');
  });

  it('shows the same conversation again when the panel is reopened (from the palette, at the cursor)', async () => {
    const { page } = session;
    const tab = page.locator('.tab', { hasText: `Ask Siyada: ${FINDING.title}` }).first();
    await tab.click();
    await tab.locator('.tab-actions .action-label').first().click();
    await tab.waitFor({ state: 'detached', timeout: STEP_MS });
    await page.locator('.monaco-editor .view-line', { hasText: 'f = open(path)' }).click();
    await session.runCommand('Siyada: Ask about this finding');
    const frame = await panel();
    await frame.locator('section.turn .question', { hasText: ANOTHER_WAY }).waitFor({ timeout: STEP_MS });
    assert.equal(await frame.locator('section.turn').count(), 1);
  });

  it('applies a code block to the file with the keyboard, and refuses it once the file changed', async () => {
    const frame = await panel();
    const apply = frame.locator('button.apply').first();
    await apply.focus();
    await apply.press('Enter');
    await waitFor(
      'the applied code in the editor',
      async () => (await session.editorText()).trim() === FIXED_TEXT.trim(),
      STEP_MS,
    );
    await frame.locator('#apply-result-0-0', { hasText: 'Applied to the file.' }).waitFor({ timeout: STEP_MS });
    // The answer was for the document as it was: now it has changed, the server refuses.
    await apply.press('Enter');
    await frame.locator('#apply-result-0-0', { hasText: 'Not applied: ' }).waitFor({ timeout: STEP_MS });
    const reason = (await frame.locator('#apply-result-0-0').textContent()) ?? '';
    assert.match(reason, /changed/i);
    assert.equal((await session.editorText()).trim(), FIXED_TEXT.trim(), 'the file is left as it was');
    measured.refusal = reason;
  });

  it('stops a long answer with Escape, keeping what had come', async () => {
    const frame = await panel();
    await ask(frame, SLOWLY);
    // This question's own turn: the previous answer is on the page until the host shows the new one.
    const turn = frame.locator('section.turn', { hasText: SLOWLY });
    const answer = turn.locator('.answer-body');
    await waitFor('part of the long answer', async () => ((await answer.textContent()) ?? '').length > 40, STEP_MS);
    assert.equal(await frame.locator('#stop').isDisabled(), false);
    await frame.locator('#question').press('Escape');
    await turn.locator('.turn-state', { hasText: 'Stopped.' }).waitFor({ timeout: STEP_MS });
    const kept = (await answer.textContent()) ?? '';
    assert.ok(kept.startsWith('Step 1: think about the file handle.'), kept.slice(0, 80));
    assert.ok(kept.length < SLOW_ANSWER.length / 2, `${kept.length} of ${SLOW_ANSWER.length} characters`);
    assert.equal(await frame.locator('#send').isDisabled(), false, 'ready for the next question');
    // Nothing more arrives once stopped.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal((await answer.textContent()) ?? '', kept);
    assert.equal(await turn.locator('button.apply').count(), 0);
  });

  it('follows the theme: the same panel in a light theme', async () => {
    const frame = await panel();
    const dark = await bodyBackground(frame);
    session.writeSettings({ ...settings, 'workbench.colorTheme': 'Default Light Modern' });
    await waitFor('the light theme in the panel', async () => (await bodyBackground(frame)) !== dark, STEP_MS, 250);
    measured.backgrounds = { dark, light: await bodyBackground(frame) };
    await session.page.mouse.move(5, 5);
    await session.screenshot('ask-light');
    session.writeSettings(settings);
  });

  it('asks about the function at the cursor, then clears the conversation', async () => {
    const { page } = session;
    await session.openFile(OTHER, 'def total(items):');
    await page.locator('.monaco-editor .view-line', { hasText: 'result = 0' }).click();
    await session.runCommand('Siyada: Ask about this function');
    const tab = page.locator('.tab', { hasText: 'Ask Siyada: ' }).filter({ hasNotText: FINDING.title }).first();
    await tab.waitFor({ timeout: STEP_MS });
    const frame = await waitFor(
      'the function panel',
      async () => {
        for (const candidate of session.page.frames()) {
          const title = await candidate
            .locator('#subject .location')
            .textContent({ timeout: 500 })
            .catch(() => null);
          if (title?.startsWith(`${OTHER}:`)) {
            return candidate;
          }
        }
        return undefined;
      },
      STEP_MS,
      250,
    );
    await ask(frame, TOTAL_QUESTION);
    const answer = frame.locator('section.turn', { hasText: TOTAL_QUESTION }).locator('.answer-body');
    await answer.locator('strong', { hasText: 'sum' }).waitFor({ timeout: STEP_MS });
    await frame.locator('#clear').click();
    await frame.locator('#transcript .empty').waitFor({ timeout: STEP_MS });
    assert.equal(await frame.locator('section.turn').count(), 0);
    await frame.locator('#status', { hasText: 'The conversation was cleared.' }).waitFor({ timeout: STEP_MS });
  });
});
