import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { focusParams, sameFocus } from '../../focus';

describe('focusParams', () => {
  it('carries the cursor and the visible line ranges in LSP shapes', () => {
    const params = focusParams('file:///a.py', { line: 12, character: 4 }, [{ start: 3, end: 40 }]);
    assert.deepEqual(params, {
      textDocument: { uri: 'file:///a.py' },
      position: { line: 12, character: 4 },
      visibleRanges: [{ start: { line: 3, character: 0 }, end: { line: 40, character: 0 } }],
    });
  });

  it('leaves the position out when there is no cursor', () => {
    const params = focusParams('file:///a.py', undefined, []);
    assert.equal('position' in params, false);
    assert.deepEqual(params.visibleRanges, []);
  });

  it('knows when nothing changed', () => {
    const a = focusParams('file:///a.py', { line: 1, character: 0 }, [{ start: 0, end: 9 }]);
    assert.equal(sameFocus(undefined, a), false);
    assert.equal(sameFocus(a, focusParams('file:///a.py', { line: 1, character: 0 }, [{ start: 0, end: 9 }])), true);
    assert.equal(sameFocus(a, focusParams('file:///a.py', { line: 2, character: 0 }, [{ start: 0, end: 9 }])), false);
  });
});
