// End-to-end with the network switched off: the linux-x64 .vsix, which carries every
// wheel the server needs, installed into code-server; a Python without the server; a
// fresh extension storage; and every package index pointed at an address that cannot
// answer. Accepting the install offer must build the managed environment from the
// shipped wheels alone, and reviews must then work against the model double.
//
// `npm run test:e2e:offline` (scripts/e2e-offline.sh) starts this file inside a network
// namespace with loopback only. Anywhere else it is skipped, saying why; under CI=true
// it fails instead.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../e2e/harness';
import { EditorSession, STEP_MS } from '../e2e/session';

const MODEL = 'qwen2.5-coder:7b';
const BARE_PYTHON = process.env.SIYADA_E2E_BARE_PYTHON ?? 'python3';
const INSTALL_MS = 300_000;
// TEST-NET-1 (RFC 5737): documentation addresses, never routed anywhere.
const UNREACHABLE = '192.0.2.1';
// https, so pip really tries it (an http index on an untrusted host it would skip).
const UNREACHABLE_INDEX = `https://${UNREACHABLE}/simple`;
// What "fails fast" means: an error from the network stack, never a connect timeout.
const FAST_MS = 5_000;
// A public address (no name lookup) and the hosts of the usual package indexes.
const OUTSIDE: readonly [string, number][] = [
  ['1.1.1.1', 443],
  ['pypi.org', 443],
  ['files.pythonhosted.org', 443],
  ['registry.npmjs.org', 443],
  [UNREACHABLE, 80],
];
// Settings that could hand pip, uv or npm another source of packages, or the server
// another Python path: all removed before the index variables are pointed away.
const PACKAGE_SOURCES =
  /^(PIP_|UV_|PYTHONPATH$|PYTHONHOME$|PYTHONUSERBASE$|(HTTPS?|ALL|NO)_PROXY$|npm_config_registry$)/i;
const FINDING = {
  category: 'security',
  severity: 'warning',
  title: 'Shell injection',
  explanation: 'The name reaches a shell unquoted.',
  evidence: '    os.system("ls " + name)',
  confidence: 0.9,
};

/**
 * Leaves pip only the wheels it is given: no configuration file (this machine's may
 * name a local index on disk, which no network namespace cuts), no find-links, and
 * every index variable on an address that cannot answer. The session's processes
 * (code-server, the extension host, the installer's pip) inherit this environment.
 */
function cutPackageSources(env: NodeJS.ProcessEnv): void {
  for (const name of Object.keys(env)) {
    if (PACKAGE_SOURCES.test(name)) {
      delete env[name];
    }
  }
  Object.assign(env, {
    PIP_CONFIG_FILE: os.devNull,
    PIP_INDEX_URL: UNREACHABLE_INDEX,
    UV_INDEX_URL: UNREACHABLE_INDEX,
    UV_DEFAULT_INDEX: UNREACHABLE_INDEX,
    npm_config_registry: `https://${UNREACHABLE}/`,
  });
}

/** Why this machine cannot run the test now, or undefined when it can. */
function offlineProblem(): string | undefined {
  const given = process.env.SIYADA_VSIX;
  if (process.env.SIYADA_E2E_OFFLINE_PROBLEM) {
    return process.env.SIYADA_E2E_OFFLINE_PROBLEM;
  }
  if (!given) {
    return 'SIYADA_VSIX names no .vsix (npm run package:all writes dist/vsix/siyada-linux-x64.vsix)';
  }
  if (!existsSync(path.resolve(REPO_ROOT, given))) {
    return `${given} does not exist (npm run package:all writes it)`;
  }
  const outside = Object.entries(os.networkInterfaces())
    .filter(([, addresses]) => addresses?.some((address) => !address.internal))
    .map(([name]) => name);
  if (outside.length) {
    return `the network is on (${outside.join(', ')}): run it with npm run test:e2e:offline`;
  }
  if (spawnSync(BARE_PYTHON, ['-c', 'import siyada'], { stdio: 'ignore' }).status === 0) {
    return `${BARE_PYTHON} already has siyada; SIYADA_E2E_BARE_PYTHON names a Python without it`;
  }
  return undefined;
}

interface Attempt {
  target: string;
  connected: boolean;
  error: string;
  ms: number;
}

/** One TCP connection attempt, ended by its outcome or by `FAST_MS` at most. */
function tryConnect(host: string, port: number): Promise<Attempt> {
  const started = Date.now();
  const target = `${host}:${port}`;
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: FAST_MS });
    const done = (connected: boolean, error: string) => {
      socket.destroy();
      resolve({ target, connected, error, ms: Date.now() - started });
    };
    socket.once('connect', () => done(true, ''));
    socket.once('timeout', () => done(false, 'timeout'));
    socket.once('error', (error: NodeJS.ErrnoException) => done(false, error.code ?? error.message));
  });
}

/** The installer's part of the Siyada output: its pip command and what pip said. */
function installerLines(log: string): string[] {
  const lines = log.split('\n');
  const start = lines.findIndex((line) => / -m pip install /.test(line));
  const end = lines.findIndex((line, index) => index > start && /Installed siyada-.*\.whl into /.test(line));
  return start < 0 ? [] : lines.slice(start, end < 0 ? undefined : end + 1);
}

const problem = offlineProblem();
const mustRun = process.env.CI === 'true';

describe(
  'Installing and reviewing with the network switched off',
  { timeout: INSTALL_MS + 180_000, skip: !mustRun && problem },
  () => {
    before(() => {
      assert.equal(problem, undefined, `the offline test cannot run: ${problem}`);
      cutPackageSources(process.env);
    });

    it('has no network: connections outside fail at once, and pip has no index but an unreachable one', async () => {
      const attempts = await Promise.all(OUTSIDE.map(([host, port]) => tryConnect(host, port)));
      for (const attempt of attempts) {
        process.stdout.write(`${attempt.target}: ${attempt.error || 'connected'} after ${attempt.ms} ms\n`);
        assert.equal(attempt.connected, false, `${attempt.target} answered`);
        assert.notEqual(attempt.error, 'timeout', `${attempt.target} was not refused at once`);
        assert.ok(attempt.ms < FAST_MS, `${attempt.target} took ${attempt.ms} ms to fail`);
      }
      const config = spawnSync(BARE_PYTHON, ['-m', 'pip', 'config', 'list'], { encoding: 'utf8' });
      assert.equal(config.status, 0, config.stderr);
      const settings = config.stdout.trim().split('\n').sort();
      process.stdout.write(`pip config list: ${settings.join('; ')}\n`);
      assert.deepEqual(settings, [`:env:.config-file='${os.devNull}'`, `:env:.index-url='${UNREACHABLE_INDEX}'`]);
    });

    describe('in code-server, with a Python that lacks the server', () => {
      let session: EditorSession;

      before(async () => {
        session = await EditorSession.start({
          name: 'offline',
          models: [MODEL],
          rules: [{ match: 'os.system', content: { findings: [FINDING] } }],
          files: { 'listing.py': 'import os\n\n\ndef listing(name):\n    os.system("ls " + name)\n' },
          settings: (endpoint) => ({ 'siyada.endpoint': endpoint, 'siyada.interpreter': BARE_PYTHON }),
        });
      });

      after(async () => {
        await session?.close();
      });

      it('offers to install the server', async () => {
        await session.openFile('listing.py', 'import os');
        const toast = session.page
          .locator('.notifications-toasts .notification-toast', { hasText: 'is not installed for' })
          .first();
        await toast.waitFor({ timeout: STEP_MS });
        await session.screenshot('offline-install-offer');
        await toast.locator('.monaco-button', { hasText: 'Install' }).click();
      });

      it('installs from the shipped wheels only, then reviews against the double', async () => {
        const failed = session.page.locator('.notifications-toasts .notification-toast', {
          hasText: 'Installing the Siyada server failed',
        });
        await session.squiggles().first().or(failed).first().waitFor({ timeout: INSTALL_MS });
        const installer = installerLines(session.serverLog());
        process.stdout.write(installer.map((line) => `${line}\n`).join(''));
        assert.equal(await failed.count(), 0, `the install failed:\n${installer.join('\n')}`);

        const [command] = installer;
        assert.match(command ?? '', / -m pip install .*--no-index/, 'pip is told to use no index');
        assert.match(command ?? '', /--find-links[ =]\S+/, 'pip is given the shipped wheels');
        assert.match(installer.join('\n'), /Successfully installed .*tree[-_]sitter/i);
        const fetched = installer.filter((line) => /Looking in indexes|Downloading|https?:\/\//i.test(line));
        assert.deepEqual(fetched, [], 'nothing was looked up or downloaded');

        const [server] = session.serverProcesses();
        assert.ok(server, 'a language server runs');
        assert.match(server.args, /server-env/);
        // The squiggle is the double's finding: its explanation shows on hover.
        const box = await session.squiggles().first().boundingBox();
        assert.ok(box, 'the squiggle has a bounding box');
        await session.page.mouse.move(box.x + Math.min(20, box.width / 2), box.y + box.height / 2);
        await session.page
          .locator('.monaco-hover', { hasText: FINDING.explanation })
          .first()
          .waitFor({ timeout: STEP_MS });
        await session.screenshot('offline-reviewed');
      });
    });
  },
);
