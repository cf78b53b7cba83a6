import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dismissalItems, parseDismissals, when } from '../../dismissals';

const DISMISSAL = {
  id: 7,
  path: 'src/m.py',
  function: 'Loader.load',
  category: 'bug',
  title: 'File handle is never closed',
  createdAt: 1_764_633_600, // 2025-12-02 00:00 UTC
};

describe('parseDismissals', () => {
  it('takes the list the server answers', () => {
    assert.deepEqual(parseDismissals([DISMISSAL]), [DISMISSAL]);
    assert.deepEqual(parseDismissals([]), []);
  });

  it('refuses an answer that is not a list of dismissals, naming the bad item', () => {
    assert.throws(() => parseDismissals({ id: 1 }), /not answer with a list/);
    assert.throws(() => parseDismissals([DISMISSAL, { ...DISMISSAL, id: '7' }]), /dismissal 2 /);
    assert.throws(() => parseDismissals([{ ...DISMISSAL, id: 1.5 }]), /dismissal 1 /);
    assert.throws(() => parseDismissals([{ ...DISMISSAL, title: undefined }]), /dismissal 1 /);
    assert.throws(() => parseDismissals([null]), /dismissal 1 /);
  });
});

describe('dismissalItems', () => {
  it('names each finding, where it is, its category and when it was dismissed', () => {
    const [item] = dismissalItems([DISMISSAL]);
    assert.equal(item.label, 'File handle is never closed');
    assert.equal(item.description, 'src/m.py · Loader.load');
    assert.equal(item.detail, 'bug finding, dismissed 2025-12-02 00:00 UTC. Choose it to show it again.');
    assert.equal(item.dismissal.id, 7);
  });

  it('keeps the server order (newest first)', () => {
    const older = { ...DISMISSAL, id: 3, title: 'Older', createdAt: DISMISSAL.createdAt - 60 };
    assert.deepEqual(
      dismissalItems([DISMISSAL, older]).map((item) => item.dismissal.id),
      [7, 3],
    );
  });

  it('writes the time in UTC to the minute', () => {
    assert.equal(when(DISMISSAL.createdAt + 3_723), '2025-12-02 01:02');
  });
});
