// The server's stderr in the log channel, each line at the level it names.
//
// The server sends its log records as window/logMessage, at their level, once a
// session exists (server/siyada/lsp/editor_log.py). Before initialize and after
// shutdown it can only write to stderr, as "WARNING name: message"; the language
// client would file every such line as an error, so the level word is read here.
// Lines without one (a traceback, a crash) stay errors.

import * as readline from 'node:readline';
import type { Readable } from 'node:stream';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/** The part of a LogOutputChannel this module writes to. */
export type LevelledLog = Record<LogLevel, (message: string) => void>;

const LEVELS: Record<string, LogLevel> = {
  CRITICAL: 'error',
  ERROR: 'error',
  WARNING: 'warn',
  INFO: 'info',
  DEBUG: 'debug',
};

/** The level a stderr line names, and its text without the level word. */
export function levelOfLine(line: string): { level: LogLevel; text: string } {
  const match = /^(CRITICAL|ERROR|WARNING|INFO|DEBUG) (.*)$/.exec(line);
  return match ? { level: LEVELS[match[1]], text: match[2] } : { level: 'error', text: line };
}

function eachLine(input: Readable, onLine: (line: string) => void): void {
  readline.createInterface({ input, crlfDelay: Infinity, terminal: false, historySize: 0 }).on('line', onLine);
}

/** The language client's `stdioOptions`: stdout as the client's default, stderr by level. */
export const serverStdio = {
  stdout: (input: Readable, log: LevelledLog): void => eachLine(input, (line) => log.info(line)),
  stderr: (input: Readable, log: LevelledLog): void =>
    eachLine(input, (line) => {
      const { level, text } = levelOfLine(line);
      log[level](text);
    }),
};
