// Every user-facing string of the client goes through `t`, in the form of VS Code's
// `vscode.l10n.t`: the English text is the key, `{0}` or `{name}` its placeholders.
// This module does not import vscode, so the pure modules (status.ts, outage.ts) that
// call it stay unit-testable: until the extension installs a translator at
// activation (localize.ts), `t` fills the placeholders of the English text.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export type Placeholders = (string | number | boolean)[] | [Record<string, string | number | boolean>];

export type Translator = (message: string, args: Placeholders) => string;

/** `{0}` or `{name}` replaced by the matching argument; an unknown one is left as written. */
export function format(template: string, args: Placeholders): string {
  const named = args.length === 1 && typeof args[0] === 'object' ? args[0] : undefined;
  return template.replace(/\{([^}]+)\}/g, (match, name: string) => {
    const value = named ? named[name] : (args as (string | number | boolean)[])[Number(name)];
    return value === undefined ? match : String(value);
  });
}

let translator: Translator = format;

/** Installs the translator `t` uses (once, at activation). */
export function useTranslator(next: Translator): void {
  translator = next;
}

/** `message` in the display language, placeholders filled. */
export function t(message: string, ...args: Placeholders): string {
  return translator(message, args);
}

/**
 * A translator that prefers `bundle` (an l10n bundle: English text to translation) and
 * otherwise asks `fallback`. A key missing from the bundle falls back to the English
 * text, never to a key name, as VS Code does.
 */
export function bundleTranslator(bundle: Readonly<Record<string, string>>, fallback: Translator): Translator {
  return (message, args) => {
    const translated = Object.hasOwn(bundle, message) ? bundle[message] : undefined;
    return typeof translated === 'string' ? format(translated, args) : fallback(message, args);
  };
}

/** The environment variable that makes the client speak a language of its own bundles. */
export const LOCALE_VARIABLE = 'SIYADA_LOCALE';

/** A BCP 47 tag's shape; anything else (a path, words with spaces) is refused. */
const TAG = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/;

/** The override locale from the environment: undefined when unset, an error when malformed. */
export function overrideLocale(env: NodeJS.ProcessEnv): { locale?: string; error?: string } {
  const value = env[LOCALE_VARIABLE]?.trim();
  if (!value) {
    return {};
  }
  return TAG.test(value)
    ? { locale: value }
    : { error: `${LOCALE_VARIABLE}=${JSON.stringify(value)} is not a language tag such as "ar"; it is ignored.` };
}

/** The bundle files that may hold `locale`, most specific first: `ar-eg`, then `ar`. */
export function bundleCandidates(locale: string): string[] {
  const lower = locale.toLowerCase();
  return [...new Set([lower, lower.split('-')[0]])].map((tag) => `bundle.l10n.${tag}.json`);
}

/**
 * The first bundle of `folder` (the extension's l10n/) that holds `locale`; undefined
 * when there is none. A bundle that is not a JSON object of strings throws.
 */
export function readBundle(folder: string, locale: string): Record<string, string> | undefined {
  for (const name of bundleCandidates(locale)) {
    let text: string;
    try {
      text = readFileSync(path.join(folder, name), 'utf8');
    } catch {
      continue;
    }
    const bundle: unknown = JSON.parse(text);
    if (
      typeof bundle !== 'object' ||
      bundle === null ||
      Array.isArray(bundle) ||
      !Object.values(bundle).every((value) => typeof value === 'string')
    ) {
      throw new Error(`${name} is not a JSON object of English text to translation`);
    }
    return bundle as Record<string, string>;
  }
  return undefined;
}
