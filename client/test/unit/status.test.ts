import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { brief, formatBytes, parseServerStatus, statusView, type ServerStatus } from '../../status';

const base: ServerStatus = {
  state: 'ready',
  model: 'qwen2.5-coder:7b',
  endpoint: 'http://127.0.0.1:11434',
  remote: false,
  pending: 0,
  message: '',
};

describe('statusView', () => {
  it('shows the model when ready, and opens the logs on click', () => {
    const view = statusView(base);
    assert.equal(view.text, 'Siyada: qwen2.5-coder:7b');
    assert.equal(view.severity, 'information');
    assert.equal(view.busy, false);
    assert.equal(view.action, 'showLogs');
  });

  it('warns when the endpoint is remote', () => {
    const view = statusView({ ...base, endpoint: 'http://gpu-box:11434', remote: true });
    assert.equal(view.severity, 'warning');
    assert.match(view.detail, /gpu-box.*remote/);
  });

  it('names the remote host in the entry in every state that sends code there', () => {
    const remote = { ...base, endpoint: 'https://gpu-box.lan:8080/v1', remote: true };
    for (const state of ['ready', 'reviewing', 'unreachable', 'modelMissing', 'unauthorized', 'error'] as const) {
      assert.match(statusView({ ...remote, state }).text, /→ gpu-box\.lan:8080$/, state);
    }
    assert.doesNotMatch(statusView({ ...remote, state: 'refused' }).text, /gpu-box/);
    assert.doesNotMatch(statusView(base).text, /→/);
  });

  it('shows an unauthorized server with the message naming apiKeyEnv', () => {
    const message =
      'The model server refused access (HTTP 401). Check the key in SIYADA_KEY (named by siyada.apiKeyEnv).';
    const view = statusView({ ...base, state: 'unauthorized', message });
    assert.equal(view.text, 'Siyada: access refused');
    assert.equal(view.severity, 'error');
    assert.equal(view.detail, 'API key refused; see siyada.apiKeyEnv');
    assert.equal(view.tooltip, message);
    assert.equal(parseServerStatus({ ...base, state: 'unauthorized' })?.state, 'unauthorized');
  });

  it('leaves reviews in progress to the server progress: one indicator, not two', () => {
    const reviewing = statusView({ ...base, state: 'reviewing', pending: 3, message: 'Reviewing 3 functions' });
    const ready = statusView({ ...base, state: 'ready', message: '' });
    assert.deepEqual(reviewing, ready);
    assert.equal(reviewing.busy, false);
    assert.doesNotMatch(reviewing.text + reviewing.detail, /review/i);
  });

  it('leads from each problem to its fix', () => {
    const unreachable = statusView({ ...base, state: 'unreachable' });
    assert.equal(unreachable.text, 'Siyada: Ollama not reachable');
    assert.equal(unreachable.severity, 'error');
    assert.equal(unreachable.action, 'retry');
    assert.equal(unreachable.actionTitle, 'Retry');

    const missing = statusView({ ...base, state: 'modelMissing' });
    assert.equal(missing.text, 'Siyada: model missing');
    assert.equal(missing.action, 'pullModel');
    assert.match(missing.detail, /qwen2\.5-coder:7b/);

    for (const state of ['refused', 'error'] as const) {
      const view = statusView({ ...base, state, message: 'details' });
      assert.equal(view.action, 'showLogs');
      assert.equal(view.severity, 'error');
      assert.equal(view.tooltip, 'details');
    }
  });

  it('keeps the detail short and puts the long message in the tooltip', () => {
    const long =
      'Ollama is not reachable at http://127.0.0.1:11434. Start it with `ollama serve` ' +
      '(install from ollama.com) or set siyada.endpoint.';
    for (const state of ['unreachable', 'modelMissing', 'unauthorized', 'refused', 'error'] as const) {
      const view = statusView({ ...base, state, message: long });
      assert.ok(view.detail.length <= 60, `${state}: ${view.detail}`);
      assert.equal(view.tooltip, long, state);
    }
    assert.equal(statusView({ ...base, state: 'unreachable', message: long }).detail, 'No answer from 127.0.0.1:11434');
    assert.equal(
      statusView({ ...base, state: 'error', message: long }).detail,
      'Ollama is not reachable at http://127.0.0.1:11434.',
    );
    const ready = statusView({ ...base, message: 'Ready' });
    assert.equal(ready.detail, '127.0.0.1:11434');
  });

  it('shows the server starting, then loading the model', () => {
    const starting = statusView({ ...base, state: 'starting', message: 'Checking the model server at x' });
    assert.equal(starting.text, 'Siyada: starting');
    assert.equal(starting.detail, 'Checking 127.0.0.1:11434');
    assert.equal(starting.busy, true);
    const loading = statusView({ ...base, state: 'loading', message: 'Loading qwen2.5-coder:7b into memory' });
    assert.equal(loading.text, 'Siyada: loading qwen2.5-coder:7b');
    assert.equal(loading.busy, true);
    assert.equal(loading.severity, 'information');
    assert.equal(loading.tooltip, 'Loading qwen2.5-coder:7b into memory');
    for (const state of ['starting', 'loading'] as const) {
      assert.equal(parseServerStatus({ ...base, state })?.state, state);
    }
  });

  it('covers the states only the client knows', () => {
    assert.equal(statusView({ state: 'starting' }).busy, true);
    const notInstalled = statusView({ state: 'notInstalled', python: '/usr/bin/python3' });
    assert.equal(notInstalled.action, 'installServer');
    assert.match(notInstalled.detail, /\/usr\/bin\/python3/);
    assert.equal(statusView({ state: 'stopped', message: 'crashed' }).action, 'showLogs');
  });

  it('cuts a message to its first sentence', () => {
    assert.equal(brief('One. Two.'), 'One.');
    assert.equal(brief('x'.repeat(100), 10), `${'x'.repeat(9)}…`);
    assert.equal(brief('no full stop'), 'no full stop');
    assert.equal(brief('هل يعمل الخادم؟ نعم.'), 'هل يعمل الخادم؟', 'the Arabic question mark ends a sentence');
  });
});

describe('parseServerStatus', () => {
  it('accepts the documented payload and fills in missing fields', () => {
    assert.deepEqual(parseServerStatus(base), base);
    assert.deepEqual(parseServerStatus({ state: 'reviewing', pending: 2 }), {
      ...base,
      state: 'reviewing',
      pending: 2,
      model: '',
      endpoint: '',
    });
  });

  it('rejects anything else', () => {
    assert.equal(parseServerStatus(null), undefined);
    assert.equal(parseServerStatus('ready'), undefined);
    assert.equal(parseServerStatus({ state: 'sleeping' }), undefined);
  });
});

describe('formatBytes', () => {
  it('uses decimal units as Ollama does', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(4_683_087_332), '4.7 GB');
  });
});
