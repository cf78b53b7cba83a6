// One editor session for an end-to-end test: a fresh profile, the Ollama test
// double, code-server with the packaged extension installed, and a Chromium page
// on the workspace. Everything listens on 127.0.0.1 only.

import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import {
  CHROMIUM,
  PYTHON,
  REPO_ROOT,
  descendants,
  freePort,
  httpOk,
  killNow,
  runOrThrow,
  startGroup,
  waitFor,
  waitForLine,
  type ProcessGroup,
} from './harness';

export const E2E_DIR = path.join(REPO_ROOT, '.e2e');
export const SCREENSHOTS = path.join(E2E_DIR, 'screenshots');
export const STEP_MS = 60_000;

export interface SessionOptions {
  /** Names the log files under .e2e/. */
  name: string;
  /** The double's script: installed models and answers. */
  models: string[];
  rules: unknown[];
  /** Files of the workspace, by relative path. */
  files: Record<string, string>;
  /** Workspace settings, given the double's URL. */
  settings(endpoint: string): Record<string, unknown>;
  /** Environment variables for code-server (and so the extension host), e.g. SIYADA_LOCALE. */
  env?: Record<string, string>;
  /** More code-server flags, e.g. `--log trace`. */
  codeServerFlags?: string[];
}

const live = new Set<EditorSession>();
let handlersInstalled = false;

/** Interrupted (Ctrl+C, a CI timeout): the groups run detached, so end them here. */
function installSignalHandlers(): void {
  if (handlersInstalled) {
    return;
  }
  handlersInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const session of live) {
        killNow(session.groups);
      }
      process.exit(130);
    });
  }
}

export function writeJson(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** The vsix under test: SIYADA_VSIX if given (`npm run test:e2e` packages it once), else packaged now. */
function vsix(): string {
  const given = process.env.SIYADA_VSIX;
  if (given) {
    return path.resolve(REPO_ROOT, given);
  }
  runOrThrow('npm', ['run', '--silent', 'package'], { cwd: REPO_ROOT });
  return path.join(REPO_ROOT, 'siyada.vsix');
}

/** Installs what is missing and returns the code-server launcher. */
function codeServerLauncher(): string {
  const output = runOrThrow('bash', [path.join(REPO_ROOT, 'scripts', 'e2e-setup.sh')])
    .trim()
    .split('\n');
  return output[output.length - 1];
}

export class EditorSession {
  readonly groups: ProcessGroup[] = [];
  page!: Page;
  workspace = '';
  endpoint = '';
  vsixBytes = 0;
  private browser: Browser | undefined;
  private codeServer: ProcessGroup | undefined;
  private runDir = '';
  private readonly started = Date.now();
  private readonly logFile: string;

  private constructor(private readonly options: SessionOptions) {
    this.logFile = path.join(E2E_DIR, `${options.name}.log`);
  }

  static async start(options: SessionOptions): Promise<EditorSession> {
    installSignalHandlers();
    const session = new EditorSession(options);
    live.add(session);
    await session.launch();
    return session;
  }

  log(line: string): void {
    appendFileSync(this.logFile, `${new Date().toISOString()} ${line}\n`);
  }

  private async launch(): Promise<void> {
    mkdirSync(E2E_DIR, { recursive: true });
    writeFileSync(this.logFile, '');
    const launcher = codeServerLauncher();
    const packaged = vsix();
    this.vsixBytes = statSync(packaged).size;

    this.runDir = mkdtempSync(path.join(os.tmpdir(), 'siyada-e2e-'));
    const home = path.join(this.runDir, 'home');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, '.config'),
      XDG_DATA_HOME: path.join(home, '.local', 'share'),
      XDG_CACHE_HOME: path.join(home, '.cache'),
      XDG_STATE_HOME: path.join(home, '.local', 'state'),
      TMPDIR: path.join(this.runDir, 'tmp'),
      ...this.options.env,
    };
    mkdirSync(home, { recursive: true });
    mkdirSync(env.TMPDIR as string, { recursive: true });

    const script = path.join(this.runDir, 'rules.json');
    writeJson(script, { models: this.options.models, rules: this.options.rules });
    const log = (line: string) => this.log(line);
    const double = startGroup(
      'ollama-double',
      PYTHON,
      ['-m', 'tests.model_server', '--port', '0', '--script', script],
      { env, cwd: REPO_ROOT },
      log,
    );
    this.groups.push(double);
    [, this.endpoint] = await waitForLine(double, /^listening on (http:\/\/127\.0\.0\.1:\d+)/, 20_000);

    this.workspace = path.join(this.runDir, 'workspace');
    this.writeSettings(this.options.settings(this.endpoint));
    for (const [name, text] of Object.entries(this.options.files)) {
      mkdirSync(path.dirname(path.join(this.workspace, name)), { recursive: true });
      writeFileSync(path.join(this.workspace, name), text);
    }
    const user = path.join(this.runDir, 'user');
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

    const dirs = ['--user-data-dir', user, '--extensions-dir', path.join(this.runDir, 'extensions')];
    this.log(runOrThrow(launcher, [...dirs, '--install-extension', packaged], { env }));
    const port = await freePort();
    const flags = [
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      ...(this.options.codeServerFlags ?? []),
    ];
    this.codeServer = startGroup('code-server', launcher, [...flags, ...dirs, this.workspace], { env }, log);
    this.groups.push(this.codeServer);
    const url = `http://127.0.0.1:${port}`;
    await waitFor('code-server /healthz', () => httpOk(`${url}/healthz`), 30_000);

    this.browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    this.page = await this.browser.newPage({ viewport: { width: 1400, height: 900 } });
    this.page.on('console', (message) => this.log(`[browser ${message.type()}] ${message.text()}`));
    await this.page.goto(`${url}/?folder=${encodeURIComponent(this.workspace)}`);
    await this.page.locator('.monaco-workbench').waitFor({ timeout: STEP_MS });
  }

  /** Replaces .vscode/settings.json; VS Code notices the change by itself. */
  writeSettings(settings: Record<string, unknown>): void {
    writeJson(path.join(this.workspace, '.vscode', 'settings.json'), settings);
  }

  async openFile(name: string, firstLine: string): Promise<void> {
    await this.page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).click({ timeout: STEP_MS });
    await this.page.locator('.monaco-editor .view-line', { hasText: firstLine }).waitFor({ timeout: STEP_MS });
  }

  /** Runs a command from the palette (F1), as a user would. */
  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: STEP_MS });
    await input.fill(`>${title}`);
    await this.page
      .locator('.quick-input-widget .monaco-list-row', { hasText: title })
      .first()
      .waitFor({ timeout: STEP_MS });
    await this.page.keyboard.press('Enter');
  }

  /** The language status entry's accessible label, which lists each item's text. */
  async languageStatusLabel(): Promise<string> {
    return (
      (await this.page
        .locator('[id="status.languageStatus"] [aria-label]')
        .first()
        .getAttribute('aria-label', { timeout: 1000 })) ?? ''
    );
  }

  squiggles(): Locator {
    return this.page.locator('.monaco-editor .squiggly-warning');
  }

  /** Text of the editor's visible lines; Monaco renders spaces as no-break spaces. */
  async editorText(): Promise<string> {
    type LineNode = { textContent: string | null; getAttribute(name: string): string | null };
    const lines = await this.page.locator('.monaco-editor .view-lines .view-line').evaluateAll((nodes: LineNode[]) =>
      nodes
        .map((node) => ({
          top: parseFloat(/top:\s*([\d.]+)px/.exec(node.getAttribute('style') ?? '')?.[1] ?? '0'),
          text: node.textContent ?? '',
        }))
        .sort((a, b) => a.top - b.top)
        .map((line) => line.text),
    );
    return lines.join('\n').replace(/\u00a0/g, ' ');
  }

  async screenshot(name: string): Promise<void> {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await this.page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
  }

  /** Language server processes started by this code-server, with their command lines. */
  serverProcesses(): { pid: number; args: string }[] {
    return this.codeServer?.child.pid
      ? descendants(this.codeServer.child.pid).filter((process) => / -m siyada lsp/.test(process.args))
      : [];
  }

  /** The extension's output channel ("Siyada"), as VS Code writes it to the profile. */
  serverLog(): string {
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          walk(full);
        } else if (/Siyada\.log$/.test(entry.name)) {
          found.push(full);
        }
      }
    };
    try {
      walk(path.join(this.runDir, 'user', 'logs'));
    } catch {
      return '';
    }
    return found.map((file) => readFileSync(file, 'utf8')).join('\n');
  }

  /** How often the extension has logged that it starts the server. */
  startLines(): number {
    return this.serverLog()
      .split('\n')
      .filter((line) => line.includes('[info] Starting ')).length;
  }

  async close(): Promise<void> {
    try {
      if (this.page && !this.page.isClosed()) {
        await this.screenshot(`${this.options.name}-last`);
      }
    } catch (error) {
      this.log(`final screenshot: ${String(error)}`);
    }
    await this.browser?.close().catch(() => undefined);
    for (const group of [...this.groups].reverse()) {
      await group.kill();
    }
    live.delete(this);
    const seconds = Number(((Date.now() - this.started) / 1000).toFixed(1));
    const output = this.runDir ? this.serverLog() : '';
    if (output) {
      writeFileSync(path.join(E2E_DIR, `${this.options.name}-siyada-output.log`), output);
    }
    writeJson(path.join(E2E_DIR, `${this.options.name}-run.json`), { vsixBytes: this.vsixBytes, seconds });
    process.stdout.write(
      `# e2e ${this.options.name}: vsix ${(this.vsixBytes / 1024).toFixed(0)} KiB, session ${seconds} s\n`,
    );
    if (this.runDir && !process.env.SIYADA_E2E_KEEP) {
      rmSync(this.runDir, { recursive: true, force: true });
    }
  }
}
