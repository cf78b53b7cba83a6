// Processes for the editor end-to-end test: the Ollama test double, code-server (a
// real VS Code) and headless Chromium. Each process runs in its own process group,
// which is ended as a whole so no extension host or language server outlives a run.

import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { REPO_ROOT } from '../manifest';

export { REPO_ROOT };

export const CHROMIUM = process.env.SIYADA_E2E_CHROMIUM ?? '/usr/bin/chromium';

/** The Python with the server installed (editable) and the test double's interpreter. */
export const PYTHON = process.env.SIYADA_E2E_PYTHON ?? path.join(REPO_ROOT, '.venv', 'bin', 'python');

export class ProcessGroup {
  private exited: Promise<void>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * SIGTERM to the whole group, SIGKILL if it is still there after `graceMs`;
   * descendants that left the group (a new session or group) are killed too.
   */
  async kill(graceMs = 3000): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined) {
      return;
    }
    const family = descendants(pid);
    signalGroup(pid, 'SIGTERM');
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
    if ((await Promise.race([this.exited, timer])) === 'timeout') {
      signalGroup(pid, 'SIGKILL');
      await this.exited;
    } else {
      // The leader is gone; children it started (extension host, language server) may not be.
      signalGroup(pid, 'SIGKILL');
    }
    for (const process of family) {
      signalProcess(process.pid, 'SIGKILL');
    }
  }
}

/** Ends every group at once, for a test process that is being interrupted. */
export function killNow(groups: readonly ProcessGroup[]): void {
  for (const group of groups) {
    const pid = group.child.pid;
    if (pid !== undefined) {
      const family = descendants(pid);
      signalGroup(pid, 'SIGKILL');
      for (const process of family) {
        signalProcess(process.pid, 'SIGKILL');
      }
    }
  }
}

export interface ProcessInfo {
  pid: number;
  args: string;
}

/** All processes below `pid` in the process tree, from `ps`. */
export function descendants(pid: number): ProcessInfo[] {
  const table = spawnSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' }).stdout ?? '';
  const children = new Map<number, ProcessInfo[]>();
  for (const line of table.split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (match) {
      const parent = Number(match[2]);
      children.set(parent, [...(children.get(parent) ?? []), { pid: Number(match[1]), args: match[3] }]);
    }
  }
  const result: ProcessInfo[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      result.push(child);
      queue.push(child.pid);
    }
  }
  return result;
}

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already empty.
  }
}

/** Starts `command` as the leader of a new process group, output appended to `log`. */
export function startGroup(
  name: string,
  command: string,
  args: string[],
  options: SpawnOptions,
  log: (line: string) => void,
): ProcessGroup {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) {
      readline.createInterface({ input: stream }).on('line', (line) => log(`[${name}] ${line}`));
    }
  }
  return new ProcessGroup(name, child);
}

/** Runs a command to completion; throws with its output if it fails. */
export function runOrThrow(command: string, args: string[], options: SpawnOptions = {}): string {
  const result = spawnSync(command, args, {
    ...options,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/** The first stdout line of `group` matching `pattern`, or a timeout error. */
export function waitForLine(group: ProcessGroup, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const stdout = group.child.stdout;
    if (!stdout) {
      reject(new Error(`${group.name} has no stdout`));
      return;
    }
    const lines = readline.createInterface({ input: stdout });
    const timer = setTimeout(() => {
      lines.close();
      reject(new Error(`${group.name} printed no line matching ${String(pattern)} within ${timeoutMs} ms`));
    }, timeoutMs);
    lines.on('line', (line) => {
      const match = pattern.exec(line);
      if (match) {
        clearTimeout(timer);
        lines.close();
        resolve(match);
      }
    });
    group.child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${group.name} exited (${code}) before printing ${String(pattern)}`));
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a value other than undefined/false. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) {
        return value;
      }
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export async function httpOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(url);
    return response.ok;
  } catch {
    return false;
  }
}
