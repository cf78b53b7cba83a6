import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoalescingRunner } from '../../serial';

/** A task whose runs finish only when the test says so. */
function gatedTask() {
  const releases: (() => void)[] = [];
  let running = 0;
  let maxRunning = 0;
  let runs = 0;
  const task = () =>
    new Promise<void>((resolve) => {
      runs += 1;
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      releases.push(() => {
        running -= 1;
        resolve();
      });
    });
  return { task, releases, stats: () => ({ runs, maxRunning }) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('CoalescingRunner', () => {
  it('never runs the task twice at once, and queues one run for a burst of calls', async () => {
    const { task, releases, stats } = gatedTask();
    const runner = new CoalescingRunner(task);
    const first = runner.run();
    await tick();
    const burst = [runner.run(), runner.run(), runner.run()];
    assert.equal(burst[0], burst[1]);
    assert.equal(burst[1], burst[2]);
    assert.deepEqual(stats(), { runs: 1, maxRunning: 1 });
    releases[0]();
    await first;
    await tick();
    assert.deepEqual(stats(), { runs: 2, maxRunning: 1 });
    releases[1]();
    await Promise.all(burst);
    assert.deepEqual(stats(), { runs: 2, maxRunning: 1 });
  });

  it('coalesces calls made before the first run starts', async () => {
    const { task, releases, stats } = gatedTask();
    const runner = new CoalescingRunner(task);
    const a = runner.run();
    const b = runner.run();
    assert.equal(a, b);
    await tick();
    releases[0]();
    await a;
    assert.equal(stats().runs, 1);
  });

  it('keeps running after a failed run', async () => {
    let calls = 0;
    const runner = new CoalescingRunner(() => {
      calls += 1;
      return calls === 1 ? Promise.reject(new Error('boom')) : Promise.resolve();
    });
    await assert.rejects(runner.run(), /boom/);
    await runner.run();
    assert.equal(calls, 2);
  });
});
