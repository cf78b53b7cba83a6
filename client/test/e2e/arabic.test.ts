// End to end in Arabic: the packaged extension in code-server with SIYADA_LOCALE=ar and
// the model double answering in Arabic. code-server cannot switch its own UI to Arabic
// (its language pack is unreachable here), so the extension loads its Arabic bundle by
// SIYADA_LOCALE: the status item, notifications and prompts the client owns are Arabic,
// the finding is the model's Arabic, and `initialize` carries the locale `ar`. Command
// titles and setting descriptions come from package.nls.ar.json, which VS Code reads
// only in an Arabic display language: they stay English here.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort, waitFor, PYTHON } from './harness';
import { EditorSession, STEP_MS } from './session';

const MODEL = 'qwen2.5-coder:7b';
const FIXTURE = 'tahmil.py';
// An Arabic comment before the finding: its range must still fall on the code.
const FIXTURE_TEXT = 'def load(path):\n    # اقرأ الملف كله\n    f = open(path)\n    return f.read()\n';
const FINDING = {
  category: 'bug',
  severity: 'warning',
  title: 'الملف لا يُغلق أبدًا',
  // Code inside the Arabic sentence: the server isolates it so it stays left to right.
  explanation: 'لا يُغلق الملف إذا فشلت القراءة، فاستعمل `with open(path) as f:` لتغلقه تلقائيًا.',
  evidence: '    f = open(path)\n    return f.read()',
  confidence: 0.9,
};

/** The words of the explanation outside its code, as the hover shows them. */
const EXPLANATION_WORDS = 'لا يُغلق الملف إذا فشلت القراءة';
const EXPLANATION_CODE = 'with open(path) as f:';

/** The server's words around a finding in Arabic (server/siyada/locale/ar). */
const SERVER_AR = { confidence: 'الثقة', reviewAgain: 'مراجعة هذا الملف من جديد' };

/** The client's own words in Arabic (l10n/bundle.l10n.ar.json). */
const AR = {
  showLogs: 'عرض السجلات',
  selectModelTitle: 'Siyada: اختيار نموذج',
  selectModelPlaceholder: 'النموذج الذي يراجع شيفرتك',
  current: '(الحالي)',
  unreachable: 'Siyada: تعذّر الوصول إلى Ollama',
  retry: 'إعادة المحاولة',
  openSettings: 'فتح الإعدادات',
  installOllama: 'تثبيت Ollama',
};

describe('Siyada in Arabic (code-server, SIYADA_LOCALE=ar)', { timeout: 600_000 }, () => {
  let session: EditorSession;
  let settings: Record<string, unknown>;

  before(async () => {
    session = await EditorSession.start({
      name: 'arabic',
      models: [MODEL],
      rules: [{ match: 'f = open(path)', content: { findings: [FINDING] } }],
      files: { [FIXTURE]: FIXTURE_TEXT },
      settings: (endpoint) =>
        (settings = {
          'siyada.endpoint': endpoint,
          'siyada.interpreter': PYTHON,
          // With the log at Trace, the language client logs `initialize` and its params.
          'siyada.trace.server': 'verbose',
        }),
      env: { SIYADA_LOCALE: 'ar' },
      codeServerFlags: ['--log', 'trace'],
    });
  });

  after(async () => {
    await session?.close();
  });

  it('tells the server the locale ar in initialize', async () => {
    await session.openFile(FIXTURE, 'def load(path):');
    await waitFor(
      'the initialize request in the log',
      () => Promise.resolve(/Sending request 'initialize[\s\S]*?"locale": "ar"/.test(session.serverLog())),
      STEP_MS,
      250,
    );
    assert.match(session.serverLog(), /SIYADA_LOCALE=ar: the extension's strings come from its bundle for ar/);
  });

  it('shows the status item with its action in Arabic', async () => {
    const { page } = session;
    await waitFor(
      'the language status to show the model',
      async () => (await session.languageStatusLabel()).includes(`Siyada: ${MODEL}`),
      STEP_MS,
    );
    await page.locator('[id="status.languageStatus"]').click();
    await page.getByText(AR.showLogs).first().waitFor({ timeout: STEP_MS });
    await session.screenshot('arabic-status');
    await page.keyboard.press('Escape');
  });

  it('lists the Arabic finding in Problems', async () => {
    const { page } = session;
    await page.keyboard.press('Control+Shift+M');
    const row = page.locator('.markers-panel .monaco-list-row', { hasText: FINDING.title }).first();
    await row.waitFor({ timeout: STEP_MS });
    // The evidence starts on line 3, below the Arabic comment.
    assert.match((await row.textContent()) ?? '', /\[Ln 3/);
  });

  it('shows the Arabic explanation on hover', async () => {
    const { page } = session;
    await session.squiggles().first().waitFor({ timeout: STEP_MS });
    const box = await session.squiggles().first().boundingBox();
    assert.ok(box, 'the squiggle has a bounding box');
    await page.mouse.move(box.x + Math.min(20, box.width / 2), box.y + box.height / 2);
    const hover = page.locator('.monaco-hover', { hasText: EXPLANATION_WORDS }).first();
    await hover.waitFor({ timeout: STEP_MS });
    await hover.getByText(FINDING.title).first().waitFor({ timeout: STEP_MS });
    // The code stays one code span (its isolates sit outside the backticks).
    await hover.locator('code', { hasText: EXPLANATION_CODE }).first().waitFor({ timeout: STEP_MS });
    // The server's words around the finding follow the locale too.
    const text = (await hover.textContent()) ?? '';
    assert.ok(text.includes(SERVER_AR.confidence), `the facts line is Arabic: ${text}`);
    assert.ok(text.includes(SERVER_AR.reviewAgain), `the links are Arabic: ${text}`);
    await session.screenshot('arabic-hover');
    await page.keyboard.press('Escape');
  });

  it("asks in Arabic in the client's own prompts (Select Model)", async () => {
    const { page } = session;
    await session.runCommand('Siyada: Select Model');
    const widget = page.locator('.quick-input-widget');
    await widget.locator('.quick-input-title', { hasText: AR.selectModelTitle }).waitFor({ timeout: STEP_MS });
    await waitFor(
      'the Arabic placeholder',
      async () => (await widget.locator('input').getAttribute('placeholder')) === AR.selectModelPlaceholder,
      STEP_MS,
    );
    await widget
      .locator('.monaco-list-row', { hasText: MODEL })
      .filter({ hasText: AR.current })
      .first()
      .waitFor({ timeout: STEP_MS });
    await session.screenshot('arabic-select-model');
    await page.keyboard.press('Escape');
  });

  it('tells an outage in Arabic, in the status item and the notification', async () => {
    const { page } = session;
    session.writeSettings({ ...settings, 'siyada.endpoint': `http://127.0.0.1:${await freePort()}` });
    await waitFor(
      'the Arabic unreachable status',
      async () => (await session.languageStatusLabel()).includes(AR.unreachable),
      STEP_MS,
    );
    const toast = page.locator('.notifications-toasts', { hasText: AR.retry }).first();
    await toast.waitFor({ timeout: STEP_MS });
    for (const link of [AR.retry, AR.openSettings, AR.installOllama]) {
      await toast.getByRole('link', { name: link }).waitFor({ timeout: STEP_MS });
    }
    await page.locator('[id="status.languageStatus"]').click();
    await session.screenshot('arabic-status-unreachable');
    await page.keyboard.press('Escape');
    session.writeSettings(settings);
    await waitFor(
      'the status to recover',
      async () => (await session.languageStatusLabel()).includes(`Siyada: ${MODEL}`),
      STEP_MS,
    );
    await waitFor('the outage notification to close', async () => (await toast.count()) === 0, STEP_MS);
  });
});
