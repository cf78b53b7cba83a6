// Restarts requested in a burst (several settings changed at once, the Restart
// command pressed twice) must start the server once, never twice in parallel.

/**
 * Runs `task` one at a time. A call made while the task runs queues one more run;
 * further calls made before that queued run begins share it.
 */
export class CoalescingRunner {
  private tail: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;

  constructor(private readonly task: () => Promise<void>) {}

  run(): Promise<void> {
    if (this.queued) {
      return this.queued;
    }
    const next = this.tail.then(() => {
      this.queued = undefined;
      return this.task();
    });
    this.queued = next;
    // A failed run is reported to its callers; it must not stop later runs.
    this.tail = next.catch(() => undefined);
    return next;
  }
}
