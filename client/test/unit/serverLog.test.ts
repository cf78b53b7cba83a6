import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { levelOfLine, serverStdio, type LevelledLog, type LogLevel } from '../../serverLog';

describe('levelOfLine', () => {
  it('reads the level word the server writes before each record', () => {
    assert.deepEqual(levelOfLine('WARNING pygls.protocol.json_rpc: Server shutting down.'), {
      level: 'warn',
      text: 'pygls.protocol.json_rpc: Server shutting down.',
    });
    assert.equal(levelOfLine('INFO siyada.lsp: started').level, 'info');
    assert.equal(levelOfLine('DEBUG siyada.lsp: detail').level, 'debug');
    assert.equal(levelOfLine('ERROR siyada.tasks: failed').level, 'error');
    assert.equal(levelOfLine('CRITICAL x: y').level, 'error');
  });

  it('keeps lines without a level word, such as a traceback, as errors', () => {
    for (const line of ['Traceback (most recent call last):', '  File "x.py", line 1', 'WARNINGS ahead', '']) {
      assert.deepEqual(levelOfLine(line), { level: 'error', text: line });
    }
  });
});

describe('serverStdio', () => {
  it('files each stderr line at its level', async () => {
    const written: [LogLevel, string][] = [];
    const log: LevelledLog = {
      error: (m) => written.push(['error', m]),
      warn: (m) => written.push(['warn', m]),
      info: (m) => written.push(['info', m]),
      debug: (m) => written.push(['debug', m]),
    };
    const stderr = new PassThrough();
    serverStdio.stderr(stderr, log);
    stderr.end('WARNING a: late\nboom\n');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(written, [
      ['warn', 'a: late'],
      ['error', 'boom'],
    ]);
  });
});
