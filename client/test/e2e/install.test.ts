// End-to-end: a Python without the server. The extension offers to install the
// server wheel shipped in the .vsix into an environment it manages, then starts it
// from there, also on later starts. Needs the package index for the server's
// dependencies, as a user's machine does.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { waitFor } from './harness';
import { EditorSession, STEP_MS } from './session';

const MODEL = 'qwen2.5-coder:7b';
const BARE_PYTHON = process.env.SIYADA_E2E_BARE_PYTHON ?? 'python3';
const INSTALL_MS = 600_000;
const FINDING = {
  category: 'security',
  severity: 'warning',
  title: 'Shell injection',
  explanation: 'The name reaches a shell unquoted.',
  evidence: '    os.system("ls " + name)',
  confidence: 0.9,
};

const bareHasServer = spawnSync(BARE_PYTHON, ['-c', 'import siyada'], { stdio: 'ignore' }).status === 0;

describe(
  'Installing the server into a managed environment',
  { timeout: INSTALL_MS + 120_000, skip: bareHasServer && `${BARE_PYTHON} already has siyada` },
  () => {
    let session: EditorSession;

    before(async () => {
      session = await EditorSession.start({
        name: 'install',
        models: [MODEL],
        rules: [{ match: 'os.system', content: { findings: [FINDING] } }],
        files: { 'listing.py': 'import os\n\n\ndef listing(name):\n    os.system("ls " + name)\n' },
        settings: (endpoint) => ({ 'siyada.endpoint': endpoint, 'siyada.interpreter': BARE_PYTHON }),
      });
    });

    after(async () => {
      await session?.close();
    });

    it('offers to install when the Python lacks the server', async () => {
      await session.openFile('listing.py', 'import os');
      const toast = session.page
        .locator('.notifications-toasts .notification-toast', { hasText: 'is not installed for' })
        .first();
      await toast.waitFor({ timeout: STEP_MS });
      assert.match(await session.languageStatusLabel(), /Siyada: server not installed/);
      await session.screenshot('install-offer');
      await toast.locator('.monaco-button', { hasText: 'Install' }).click();
    });

    it('installs the shipped wheel, then reviews with the server from that environment', async () => {
      await session.squiggles().first().waitFor({ timeout: INSTALL_MS });
      const [server] = session.serverProcesses();
      assert.ok(server, 'a language server runs');
      assert.match(server.args, /server-env/);
      await session.screenshot('installed');
    });

    it('starts from the managed environment later, without asking again', async () => {
      const [before] = session.serverProcesses();
      await session.runCommand('Siyada: Restart Server');
      await waitFor(
        'a new server from the managed environment',
        async () => {
          const now = session.serverProcesses();
          return (
            now.length === 1 &&
            now[0].pid !== before.pid &&
            /server-env/.test(now[0].args) &&
            (await session.languageStatusLabel()).includes(`Siyada: ${MODEL}`)
          );
        },
        STEP_MS,
      );
      await session.squiggles().first().waitFor({ timeout: STEP_MS });
    });
  },
);
