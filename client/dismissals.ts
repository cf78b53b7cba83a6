// The dismissed findings as "Siyada: Manage Dismissed Findings" lists them. No vscode
// import: the server's answer is checked and made into QuickPick items here, so it is
// unit-testable; commands.ts shows the pick and undoes the chosen dismissal.

import * as l10n from './l10n';

/** One active dismissal, as `siyada.listDismissals` gives it. */
export interface Dismissal {
  id: number;
  path: string;
  function: string;
  category: string;
  title: string;
  createdAt: number; // seconds since the epoch
}

/** A QuickPick item that names the dismissal it undoes. */
export interface DismissalItem {
  label: string;
  description: string;
  detail: string;
  dismissal: Dismissal;
}

function isDismissal(value: unknown): value is Dismissal {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const item = value as Record<string, unknown>;
  const texts = ['path', 'function', 'category', 'title'].every((key) => typeof item[key] === 'string');
  return Number.isInteger(item.id) && typeof item.createdAt === 'number' && texts;
}

/** The server's answer to `siyada.listDismissals`; an error names what is wrong with it. */
export function parseDismissals(value: unknown): Dismissal[] {
  if (!Array.isArray(value)) {
    throw new Error(l10n.t('the server did not answer with a list of dismissals'));
  }
  const wrong = value.findIndex((item) => !isDismissal(item));
  if (wrong >= 0) {
    throw new Error(l10n.t('dismissal {0} in the server answer is malformed', wrong + 1));
  }
  return value as Dismissal[];
}

/** `createdAt` as "YYYY-MM-DD HH:MM" in UTC: the same on every machine and display language. */
export function when(createdAt: number): string {
  return new Date(createdAt * 1000).toISOString().slice(0, 16).replace('T', ' ');
}

/** The pick's items, in the server's order (newest first). */
export function dismissalItems(dismissals: Dismissal[]): DismissalItem[] {
  return dismissals.map((dismissal) => ({
    label: dismissal.title,
    description: `${dismissal.path} · ${dismissal.function}`,
    detail: l10n.t(
      '{0} finding, dismissed {1} UTC. Choose it to show it again.',
      dismissal.category,
      when(dismissal.createdAt),
    ),
    dismissal,
  }));
}
