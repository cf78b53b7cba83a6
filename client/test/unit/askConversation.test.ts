// The chat panel's bookkeeping and messages: conversations per finding or function,
// cumulative streamed answers, Stop and Clear, the version an Apply is checked against,
// and what the host accepts from the webview.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Conversation,
  ConversationBook,
  findingKey,
  functionKey,
  parseApplyResult,
  parseAskResult,
  type AskResult,
} from '../../ask/conversations';
import { MAX_QUESTION_CHARS, isHostMessage, parsePanelMessage, submitsQuestion } from '../../ask/protocol';

const URI = 'file:///work/load.py';
const FINDING = {
  version: 3,
  startLine: 1,
  endLine: 2,
  evidenceLines: ['    f = open(path)', '    return f.read()'],
  category: 'bug',
  replacement: null,
  title: 'File is never closed',
};
const SUBJECT = {
  kind: 'finding' as const,
  title: FINDING.title,
  location: 'load.py:2',
  functionName: 'load',
  explanation: 'File is never closed: a with block closes it.',
  code: FINDING.evidenceLines.join('\n'),
};

function conversation(): Conversation {
  return new Conversation(findingKey(URI, FINDING), SUBJECT, { uri: URI, finding: FINDING, position: null });
}

function result(overrides: Partial<AskResult> = {}): AskResult {
  return {
    conversationId: 'c1',
    answer: 'Use `with`.',
    doneReason: 'stop',
    droppedTurns: 0,
    note: null,
    model: 'qwen2.5-coder:7b',
    ...overrides,
  };
}

describe('a conversation', () => {
  it('asks the first question without an id and later ones with the id the server gave', () => {
    const chat = conversation();
    assert.deepEqual(chat.askParams('why?'), {
      uri: URI,
      finding: FINDING,
      position: null,
      question: 'why?',
      conversationId: null,
    });
    const turn = chat.begin('why?', 3);
    chat.finish(turn, result());
    assert.equal(chat.askParams('and then?').conversationId, 'c1');
    assert.equal(chat.model, 'qwen2.5-coder:7b');
  });

  it('takes each progress report as the whole answer so far, so a lost one heals', () => {
    const chat = conversation();
    const turn = chat.begin('why?', 3);
    assert.equal(chat.progress(turn, 'The'), true);
    // "The file" was lost on the way: the next report carries everything.
    assert.equal(chat.progress(turn, 'The file is'), true);
    assert.equal(chat.progress(turn, 'The file is'), false, 'the same text again changes nothing');
    assert.equal(chat.view().turns[0].answer, 'The file is');
    assert.equal(chat.view().turns[0].state, 'streaming');
    chat.finish(turn, result({ answer: 'The file is never closed.' }));
    assert.equal(chat.progress(turn, 'The file is never'), false, 'a late report does not undo the result');
    assert.deepEqual(chat.view().turns[0], {
      question: 'why?',
      answer: 'The file is never closed.',
      state: 'done',
      error: null,
      applied: [],
    });
  });

  it('asks one question at a time', () => {
    const chat = conversation();
    chat.begin('why?', 3);
    assert.equal(chat.busy, true);
    assert.throws(() => chat.begin('and?', 3), /still being answered/);
  });

  it('keeps the partial answer when stopped, by a cancelled result or by the request ending', () => {
    const chat = conversation();
    const first = chat.begin('why?', 3);
    chat.progress(first, 'Because the');
    chat.finish(first, result({ doneReason: 'cancelled', answer: 'Because the' }));
    assert.equal(chat.view().turns[0].state, 'stopped');
    assert.equal(chat.view().turns[0].answer, 'Because the');
    const second = chat.begin('again', 3);
    chat.progress(second, 'Once');
    chat.stopped(second);
    assert.deepEqual(
      chat.view().turns.map((turn) => [turn.state, turn.answer]),
      [
        ['stopped', 'Because the'],
        ['stopped', 'Once'],
      ],
    );
    assert.equal(chat.busy, false);
  });

  it('says why a turn failed', () => {
    const chat = conversation();
    const turn = chat.begin('why?', 3);
    chat.failed(turn, 'model server not reachable');
    assert.equal(chat.view().turns[0].state, 'failed');
    assert.equal(chat.view().turns[0].error, 'model server not reachable');
  });

  it('shows the note about dropped turns and keeps it until cleared', () => {
    const chat = conversation();
    chat.finish(chat.begin('one', 3), result({ droppedTurns: 2, note: 'The 2 oldest turns were dropped.' }));
    chat.finish(chat.begin('two', 3), result());
    assert.equal(chat.view().note, 'The 2 oldest turns were dropped.');
    chat.clear();
    assert.equal(chat.view().note, null);
  });

  it('forgets its turns and id on Clear; a request that ends afterwards changes nothing', () => {
    const chat = conversation();
    chat.finish(chat.begin('one', 3), result());
    const late = chat.begin('two', 3);
    chat.clear();
    assert.deepEqual(chat.view().turns, []);
    assert.equal(chat.askParams('x').conversationId, null);
    const fresh = chat.begin('three', 4);
    chat.finish(late, result({ conversationId: 'old', answer: 'stale' }));
    chat.stopped(late);
    assert.equal(chat.busy, true, 'the new question still streams');
    assert.equal(chat.askParams('x').conversationId, null, 'the cleared request did not bring its id back');
    chat.finish(fresh, result({ conversationId: 'c2' }));
    assert.equal(chat.view().turns.length, 1);
    assert.equal(chat.indexOf(late), -1);
  });

  it('applies a code block against the document version its question was asked at, once it is done', () => {
    const chat = conversation();
    const first = chat.begin('another way?', 3);
    assert.equal(chat.applyParams(0, 'code'), undefined, 'not while streaming');
    chat.finish(first, result());
    const second = chat.begin('and now?', 5);
    chat.finish(second, result({ doneReason: 'cancelled' }));
    assert.deepEqual(chat.applyParams(0, 'with open(p) as f:'), {
      uri: URI,
      version: 3,
      conversationId: 'c1',
      code: 'with open(p) as f:',
    });
    assert.equal(chat.applyParams(1, 'x'), undefined, 'a stopped answer is not applied');
    assert.equal(chat.applyParams(7, 'x'), undefined);
  });

  it('keeps the last outcome of each Apply, for the panel to show again', () => {
    const chat = conversation();
    chat.finish(chat.begin('another way?', 3), result());
    chat.recordApply(0, { block: 0, applied: true, reason: null });
    chat.recordApply(0, { block: 0, applied: false, reason: 'the document changed' });
    chat.recordApply(0, { block: 1, applied: true, reason: null });
    chat.recordApply(4, { block: 0, applied: true, reason: null });
    assert.deepEqual(chat.view().turns[0].applied, [
      { block: 0, applied: false, reason: 'the document changed' },
      { block: 1, applied: true, reason: null },
    ]);
  });
});

describe('conversation keys', () => {
  it('name a finding by its document and evidence, not by where it is now', () => {
    const moved = { ...FINDING, startLine: 5, endLine: 6, version: 9 };
    assert.equal(findingKey(URI, moved), findingKey(URI, FINDING));
    assert.notEqual(findingKey(URI, { ...FINDING, category: 'performance' }), findingKey(URI, FINDING));
    assert.notEqual(findingKey('file:///work/other.py', FINDING), findingKey(URI, FINDING));
  });

  it('name a function by its name when known, else by the line', () => {
    assert.equal(functionKey(URI, 'load', 1), functionKey(URI, 'load', 2));
    assert.notEqual(functionKey(URI, null, 1), functionKey(URI, null, 2));
    assert.notEqual(functionKey(URI, 'load', 1), findingKey(URI, FINDING));
  });

  it('find the same conversation again for the session', () => {
    const book = new ConversationBook();
    const first = book.open('k', conversation);
    first.finish(first.begin('why?', 3), result());
    const again = book.open('k', () => assert.fail('a second conversation for the same key'));
    assert.equal(again, first);
    assert.equal(again.view().turns.length, 1);
    assert.notEqual(book.open('other', conversation), first);
    assert.equal(book.size, 2);
  });
});

describe("the server's results", () => {
  it('are checked field by field', () => {
    assert.deepEqual(parseAskResult({ ...result(), note: undefined }), result());
    assert.throws(() => parseAskResult(null), /siyada\.ask answered null/);
    assert.throws(() => parseAskResult({ ...result(), answer: 3 }), /"answer"/);
    assert.throws(() => parseAskResult({ ...result(), droppedTurns: -1 }), /"droppedTurns"/);
    assert.deepEqual(parseApplyResult({ applied: false, reason: 'the document changed' }), {
      applied: false,
      reason: 'the document changed',
    });
    assert.throws(() => parseApplyResult({ applied: 'yes' }), /"applied"/);
  });
});

describe('messages from the webview', () => {
  it('are accepted in their exact shapes', () => {
    assert.deepEqual(parsePanelMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parsePanelMessage({ type: 'stop', extra: 1 }), { type: 'stop' });
    assert.deepEqual(parsePanelMessage({ type: 'ask', question: '  why?\n' }), { type: 'ask', question: 'why?' });
    assert.deepEqual(parsePanelMessage({ type: 'apply', turn: 0, block: 2, code: 'x = 1' }), {
      type: 'apply',
      turn: 0,
      block: 2,
      code: 'x = 1',
    });
  });

  it('are refused in any other shape', () => {
    for (const bad of [
      null,
      'ask',
      [],
      { type: 'run', command: 'rm -rf /' },
      { type: 'ask' },
      { type: 'ask', question: '   ' },
      { type: 'ask', question: 'x'.repeat(MAX_QUESTION_CHARS + 1) },
      { type: 'apply', turn: -1, block: 0, code: 'x' },
      { type: 'apply', turn: 0.5, block: 0, code: 'x' },
      { type: 'apply', turn: 0, block: 0, code: '' },
      { type: 'apply', turn: '0', block: 0, code: 'x' },
    ]) {
      assert.equal(parsePanelMessage(bad), undefined, JSON.stringify(bad));
    }
  });

  it('from the host are told apart from anything else posted to the page', () => {
    assert.equal(isHostMessage({ type: 'partial', turn: 0, answer: 'a' }), true);
    assert.equal(isHostMessage({ type: 'ask', question: 'x' }), false);
    assert.equal(isHostMessage(null), false);
  });

  it('send the question on Enter, not on Shift+Enter or while composing', () => {
    assert.equal(submitsQuestion({ key: 'Enter', shiftKey: false, isComposing: false }), true);
    assert.equal(submitsQuestion({ key: 'Enter', shiftKey: true, isComposing: false }), false);
    assert.equal(submitsQuestion({ key: 'Enter', shiftKey: false, isComposing: true }), false);
    assert.equal(submitsQuestion({ key: 'a', shiftKey: false, isComposing: false }), false);
  });
});
