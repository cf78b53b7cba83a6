// End-to-end: the packaged extension in a real VS Code (code-server) in headless
// Chromium, its server reviewing a file against the Ollama test double.
// Needs scripts/e2e-setup.sh (run below; it installs what is missing).

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, PYTHON, REPO_ROOT, descendants, freePort, httpOk, runOrThrow, startGroup, waitFor, waitForLine, type ProcessGroup } from './harness';

const MODEL = 'qwen2.5-coder:7b';
const FIXTURE = 'load.py';
const FIXTURE_TEXT = 'def load(path):\n    f = open(path)\n    return f.read()\n';
const FINDING = {
  category: 'bug',
  severity: 'warning',
  title: 'File is never closed',
  explanation: 'The file object is not closed when read() fails or returns; a with block closes it.',
  evidence: '    f = open(path)\n    return f.read()',
  replacement: '    with open(path) as f:\n        return f.read()',
  confidence: 0.9,
};
const FIXED_TEXT = 'def load(path):\n    with open(path) as f:\n        return f.read()\n';

const E2E_DIR = path.join(REPO_ROOT, '.e2e');
const SCREENSHOTS = path.join(E2E_DIR, 'screenshots');
const LOG = path.join(E2E_DIR, 'e2e.log');
const STEP_MS = 60_000;

const groups: ProcessGroup[] = [];
let browser: Browser | undefined;
let page: Page;
let runDir: string;
let workspace: string;
let started = 0;
let codeServer: ProcessGroup;
let workspaceSettings: Record<string, unknown>;
let vsixBytes = 0;

function log(line: string): void {
  appendFileSync(LOG, `${new Date().toISOString()} ${line}\n`);
}

/** The vsix under test: SIYADA_VSIX if given (CI packages it once), else packaged now. */
function vsix(): string {
  const given = process.env.SIYADA_VSIX;
  if (given) {
    return path.resolve(given);
  }
  runOrThrow('npm', ['run', '--silent', 'package'], { cwd: REPO_ROOT });
  return path.join(REPO_ROOT, 'siyada.vsix');
}

function codeServerLauncher(): string {
  const output = runOrThrow('bash', [path.join(REPO_ROOT, 'scripts', 'e2e-setup.sh')]).trim().split('\n');
  return output[output.length - 1];
}

function writeJson(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Text of the editor's visible lines; Monaco renders spaces as no-break spaces. */
async function editorText(): Promise<string> {
  type LineNode = { textContent: string | null; getAttribute(name: string): string | null };
  const lines = await page.locator('.monaco-editor .view-lines .view-line').evaluateAll((nodes: LineNode[]) =>
    nodes
      .map((node) => ({ top: parseFloat(/top:\s*([\d.]+)px/.exec(node.getAttribute('style') ?? '')?.[1] ?? '0'), text: node.textContent ?? '' }))
      .sort((a, b) => a.top - b.top)
      .map((line) => line.text),
  );
  return lines.join('\n').replace(/\u00a0/g, ' ');
}

async function screenshot(name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

/** Runs a command from the palette (F1), as a user would. */
async function runCommand(title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: STEP_MS });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor({ timeout: STEP_MS });
  await page.keyboard.press('Enter');
}

async function languageStatusLabel(): Promise<string> {
  return (await page.locator('[id="status.languageStatus"] [aria-label]').first().getAttribute('aria-label', { timeout: 1000 })) ?? '';
}

/** Language server processes started by this code-server. */
function serverProcesses(): number[] {
  return descendants(codeServer.child.pid as number)
    .filter((process) => / -m siyada lsp/.test(process.args))
    .map((process) => process.pid);
}

const squiggles = () => page.locator('.monaco-editor .squiggly-warning');

/** The Siyada server's log file in the profile, for failure reports. */
function serverLog(): string {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (/Siyada( Trace)?\.log$/.test(entry.name)) {
        found.push(full);
      }
    }
  };
  try {
    walk(path.join(runDir, 'user', 'logs'));
  } catch {
    return '';
  }
  return found.map((file) => readFileSync(file, 'utf8')).join('\n');
}

describe('Siyada in VS Code (code-server, headless Chromium)', { timeout: 600_000 }, () => {
  before(async () => {
    started = Date.now();
    mkdirSync(E2E_DIR, { recursive: true });
    writeFileSync(LOG, '');
    const launcher = codeServerLauncher();
    const packaged = vsix();
    vsixBytes = statSync(packaged).size;

    runDir = mkdtempSync(path.join(os.tmpdir(), 'siyada-e2e-'));
    const home = path.join(runDir, 'home');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, '.config'),
      XDG_DATA_HOME: path.join(home, '.local', 'share'),
      XDG_CACHE_HOME: path.join(home, '.cache'),
      XDG_STATE_HOME: path.join(home, '.local', 'state'),
      TMPDIR: path.join(runDir, 'tmp'),
    };
    for (const dir of [home, env.TMPDIR as string]) {
      mkdirSync(dir, { recursive: true });
    }

    const rules = path.join(runDir, 'rules.json');
    writeJson(rules, { models: [MODEL], rules: [{ match: 'f = open(path)', content: { findings: [FINDING] } }] });
    const double = startGroup('ollama-double', PYTHON, [path.join(REPO_ROOT, 'tests', 'ollama_double.py'), '--port', '0', '--script', rules], { env }, log);
    groups.push(double);
    const [, endpoint] = await waitForLine(double, /^listening on (http:\/\/127\.0\.0\.1:\d+)/, 20_000);

    workspace = path.join(runDir, 'workspace');
    workspaceSettings = { 'siyada.endpoint': endpoint, 'siyada.interpreter': PYTHON };
    if (process.env.SIYADA_E2E_TRACE) {
      // The LSP messages then land in .e2e/siyada-output.log (from the Siyada Trace channel).
      workspaceSettings['siyada.trace.server'] = 'verbose';
    }
    writeJson(path.join(workspace, '.vscode', 'settings.json'), workspaceSettings);
    writeFileSync(path.join(workspace, FIXTURE), FIXTURE_TEXT);
    const user = path.join(runDir, 'user');
    const extensions = path.join(runDir, 'extensions');
    writeJson(path.join(user, 'User', 'settings.json'), {
      'workbench.startupEditor': 'none',
      'security.workspace.trust.enabled': false,
      'telemetry.telemetryLevel': 'off',
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'workbench.tips.enabled': false,
      'editor.hover.delay': 150,
      'remote.autoForwardPorts': false,
    });

    const dirs = ['--user-data-dir', user, '--extensions-dir', extensions];
    log(runOrThrow(launcher, [...dirs, '--install-extension', packaged], { env }));
    const port = await freePort();
    const server = startGroup(
      'code-server',
      launcher,
      ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', ...dirs, workspace],
      { env },
      log,
    );
    groups.push(server);
    codeServer = server;
    const url = `http://127.0.0.1:${port}`;
    await waitFor('code-server /healthz', () => httpOk(`${url}/healthz`), 30_000);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (message) => log(`[browser ${message.type()}] ${message.text()}`));
    await page.goto(`${url}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: STEP_MS });
  });

  after(async () => {
    try {
      if (page && !page.isClosed()) {
        await screenshot('last');
      }
    } catch (error) {
      log(`final screenshot: ${String(error)}`);
    }
    await browser?.close().catch(() => undefined);
    for (const group of groups.reverse()) {
      await group.kill();
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const serverLogText = runDir ? serverLog() : '';
    if (serverLogText) {
      writeFileSync(path.join(E2E_DIR, 'siyada-output.log'), serverLogText);
    }
    writeJson(path.join(E2E_DIR, 'last-run.json'), { vsixBytes, seconds: Number(seconds) });
    process.stdout.write(`# e2e: vsix ${(vsixBytes / 1024).toFixed(0)} KiB, run ${seconds} s, screenshots in ${path.relative(REPO_ROOT, SCREENSHOTS)}/\n`);
    if (runDir && !process.env.SIYADA_E2E_KEEP) {
      rmSync(runDir, { recursive: true, force: true });
    }
  });

  it('activates when a Python file opens and shows the model in its status', async () => {
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: FIXTURE }).click({ timeout: STEP_MS });
    await page.locator('.monaco-editor .view-line', { hasText: 'def load(path):' }).waitFor({ timeout: STEP_MS });
    // The language status entry's accessible label lists each item's text.
    const label = await waitFor('the language status to show the model', async () => {
      const value = await languageStatusLabel();
      return value.includes(`Siyada: ${MODEL}`) ? value : undefined;
    }, STEP_MS);
    assert.match(label, new RegExp(`Siyada: ${MODEL.replace(/\./g, '\\.')}`));
    await page.locator('[id="status.languageStatus"]').click();
    await page.getByText(`Siyada: ${MODEL}`).first().waitFor({ timeout: STEP_MS });
    await screenshot('status');
    await page.keyboard.press('Escape');
  });

  it('offers its commands in the palette', async () => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: STEP_MS });
    await input.fill('>Siyada:');
    const titles = ['Review Current File', 'Select Model', 'Pull Model', 'Show Logs', 'Restart Server'];
    for (const title of titles) {
      await page.locator('.quick-input-widget .monaco-list-row', { hasText: `Siyada: ${title}` }).first().waitFor({ timeout: STEP_MS });
    }
    await page.keyboard.press('Escape');
  });

  it('underlines the evidence of the finding', async () => {
    await squiggles().first().waitFor({ timeout: STEP_MS });
  });

  it('lists the finding in the Problems panel with its category as code', async () => {
    await page.keyboard.press('Control+Shift+M');
    const row = page.locator('.markers-panel .monaco-list-row', { hasText: FINDING.title });
    await row.first().waitFor({ timeout: STEP_MS });
    const text = (await row.first().textContent()) ?? '';
    assert.match(text, /siyada\(bug\)|siyada.*bug/);
  });

  it('shows the explanation on hover', async () => {
    const squiggle = page.locator('.monaco-editor .squiggly-warning').first();
    const box = await squiggle.boundingBox();
    assert.ok(box, 'the squiggle has a bounding box');
    await page.mouse.move(box.x + Math.min(20, box.width / 2), box.y + box.height / 2);
    await page.locator('.monaco-hover', { hasText: FINDING.explanation }).first().waitFor({ timeout: STEP_MS });
    await screenshot('finding');
    await page.keyboard.press('Escape');
  });

  it('applies a settings change without a reload', async () => {
    writeJson(path.join(workspace, '.vscode', 'settings.json'), { ...workspaceSettings, 'siyada.minSeverity': 'error' });
    await waitFor('the warning to be hidden', async () => (await squiggles().count()) === 0, STEP_MS);
    writeJson(path.join(workspace, '.vscode', 'settings.json'), workspaceSettings);
    await squiggles().first().waitFor({ timeout: STEP_MS });
  });

  it('lists the installed models in Select Model', async () => {
    await runCommand('Siyada: Select Model');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: MODEL }).first().waitFor({ timeout: STEP_MS });
    await page.keyboard.press('Escape');
  });

  it('restarts once when asked twice in a row', async () => {
    const [before] = serverProcesses();
    assert.ok(before, 'a language server runs');
    await runCommand('Siyada: Restart Server');
    await runCommand('Siyada: Restart Server');
    await waitFor(
      'one new language server',
      async () => {
        const now = serverProcesses();
        return now.length === 1 && now[0] !== before && (await languageStatusLabel()).includes(`Siyada: ${MODEL}`);
      },
      STEP_MS,
    );
    await squiggles().first().waitFor({ timeout: STEP_MS });
    assert.equal(serverProcesses().length, 1);
  });

  it('applies the quick fix from the light-bulb menu (Ctrl+.)', async () => {
    await page.locator('.monaco-editor .view-line', { hasText: 'f = open(path)' }).click();
    await page.keyboard.press('Control+Period');
    const fix = page.locator('.action-widget .monaco-list-row', { hasText: `Siyada: ${FINDING.title}` }).first();
    await fix.waitFor({ timeout: STEP_MS });
    await screenshot('quick-fix-menu');
    // The menu takes keys, as for a user: move the focus to the fix, then Enter.
    await waitFor(
      'the fix to be focused in the menu',
      async () => {
        if ((await fix.getAttribute('class'))?.split(' ').includes('focused')) {
          return true;
        }
        await page.keyboard.press('ArrowDown');
        return false;
      },
      10_000,
    );
    await page.keyboard.press('Enter');
    await waitFor('the fixed text in the editor', async () => (await editorText()).trim() === FIXED_TEXT.trim(), STEP_MS);
    await screenshot('fixed');
  });
});
