// The display language of the extension's own strings, and the locale sent to the server.
//
// VS Code picks l10n/bundle.l10n.<language>.json and package.nls.<language>.json from
// its display language, which needs that language's pack installed. SIYADA_LOCALE is a
// hook for tests and for users without the pack: when set (a BCP 47 tag such as `ar`),
// the client loads l10n/bundle.l10n.<locale>.json itself for its strings and sends that
// locale to the server in `initialize`. It cannot reach what VS Code renders from the
// manifest (command titles, setting descriptions): those follow the display language.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { errorMessage } from './errors';
import {
  LOCALE_VARIABLE,
  bundleTranslator,
  format,
  overrideLocale,
  readBundle,
  useTranslator,
  type Translator,
} from './l10n';

/** `vscode.l10n.t` for the two argument shapes `t` accepts. */
const vscodeTranslator: Translator = (message, args) => {
  const [first] = args;
  return args.length === 1 && typeof first === 'object'
    ? vscode.l10n.t(message, first)
    : vscode.l10n.t(message, ...(args as (string | number | boolean)[]));
};

/**
 * Installs the translator for the client's strings and returns the locale the server
 * is told: SIYADA_LOCALE when set and valid, else VS Code's display language.
 * The log lines stay in English, like the server's log records they sit among.
 */
export function setUpLocalization(extensionPath: string, output: vscode.LogOutputChannel): string {
  const { locale, error } = overrideLocale(process.env);
  if (error) {
    output.error(error);
  }
  if (!locale) {
    useTranslator(vscodeTranslator);
    return vscode.env.language;
  }
  let bundle: Record<string, string> | undefined;
  try {
    bundle = readBundle(path.join(extensionPath, 'l10n'), locale);
  } catch (failure) {
    output.error(`${LOCALE_VARIABLE}=${locale}: ${errorMessage(failure)}; the extension's strings stay in English.`);
  }
  output.info(
    bundle
      ? `${LOCALE_VARIABLE}=${locale}: the extension's strings come from its bundle for ${locale}.`
      : `${LOCALE_VARIABLE}=${locale}: no bundle for it; the extension's strings stay in English.`,
  );
  // English, not VS Code's display language, fills in what the bundle lacks: one language at a time.
  useTranslator(bundleTranslator(bundle ?? {}, format));
  return locale;
}
