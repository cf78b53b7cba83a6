import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INSTALL_OLLAMA_URL, RETRY_COMMAND, commandLink, outageNotice } from '../../outage';
import type { ServerStatus } from '../../status';

const base: ServerStatus = {
  state: 'ready',
  model: 'qwen2.5-coder:7b',
  endpoint: 'http://127.0.0.1:11434',
  remote: false,
  pending: 0,
  message: '',
};
const UNREACHABLE =
  'Ollama is not reachable at http://127.0.0.1:11434. Start it with `ollama serve` (install from ollama.com) or set siyada.endpoint.';

describe('outageNotice', () => {
  it('offers Retry, Open Settings and the Ollama download page when unreachable', () => {
    const notice = outageNotice({ ...base, state: 'unreachable', message: UNREACHABLE }, 'ollama');
    assert.ok(notice);
    assert.ok(
      notice.message.startsWith('Ollama is not reachable at http://127.0.0.1:11434. Start it with ollama serve'),
    );
    assert.ok(notice.message.includes(`[Retry](command:${RETRY_COMMAND})`));
    assert.ok(
      notice.message.includes('[Open Settings](command:workbench.action.openSettings?%5B%22siyada.endpoint%22%5D)'),
    );
    assert.ok(notice.message.includes(`[Install Ollama](${INSTALL_OLLAMA_URL})`));
  });

  it('leaves out Ollama for an OpenAI-compatible server', () => {
    const notice = outageNotice({ ...base, state: 'unreachable', message: 'No model server.' }, 'openai');
    assert.ok(notice && !notice.message.includes('ollama.com'));
    const missing = outageNotice({ ...base, state: 'modelMissing', message: 'Not served.' }, 'openai');
    assert.ok(missing && missing.message.includes('[Select Model](command:siyada.selectModel)'));
    assert.ok(!missing.message.includes('Pull Model'));
  });

  it('offers Pull Model for the missing model', () => {
    const notice = outageNotice({ ...base, state: 'modelMissing', message: 'Run ollama pull x.' }, 'ollama');
    assert.ok(notice);
    assert.ok(notice.message.endsWith(commandLink('Pull Model', 'siyada.pullModel', ['qwen2.5-coder:7b'])));
    assert.ok(notice.message.includes('siyada.pullModel?%5B%22qwen2.5-coder%3A7b%22%5D'));
  });

  it('keys each outage, so the same one is not told twice and a new one replaces it', () => {
    const first = outageNotice({ ...base, state: 'unreachable', message: 'a' }, 'ollama');
    const again = outageNotice({ ...base, state: 'unreachable', message: 'a', pending: 3 }, 'ollama');
    const elsewhere = outageNotice({ ...base, state: 'unreachable', endpoint: 'http://127.0.0.1:9' }, 'ollama');
    assert.equal(first?.key, again?.key);
    assert.notEqual(first?.key, elsewhere?.key);
  });

  it('has nothing to say without an outage', () => {
    for (const state of ['starting', 'loading', 'ready', 'reviewing', 'unauthorized', 'refused', 'error'] as const) {
      assert.equal(outageNotice({ ...base, state }, 'ollama'), undefined, state);
    }
    assert.equal(outageNotice({ state: 'starting' }, 'ollama'), undefined);
  });
});
