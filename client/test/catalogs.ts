// The string catalogs of the extension, read as VS Code reads them, and the English
// strings of the client found in its source by the TypeScript parser (not a regular
// expression), so a template literal or a call spread over lines is seen as it is.

import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from './manifest';

export const CLIENT_DIR = path.join(REPO_ROOT, 'client');
export const L10N_DIR = path.join(REPO_ROOT, 'l10n');

export interface Call {
  /** `client/status.ts:96` */
  where: string;
  /** The English text, or undefined when the first argument is not a literal string. */
  message: string | undefined;
}

/** The client's modules (every .ts under client/ except its tests). */
export function clientModules(): string[] {
  return readdirSync(CLIENT_DIR, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && name.split(path.sep)[0] !== 'test')
    .sort()
    .map((name) => path.join(CLIENT_DIR, name));
}

/** Every call `<namespace>.t(...)` in `file`, e.g. `l10n.t('Retry')`. */
export function translationCalls(file: string, namespace = 'l10n'): Call[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const calls: Call[] = [];
  const visit = (node: ts.Node) => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === 't' &&
      ts.isIdentifier(node.expression.expression) &&
      node.expression.expression.text === namespace
    ) {
      const [first] = node.arguments;
      const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      calls.push({
        where: `${path.relative(REPO_ROOT, file)}:${line}`,
        message: first && ts.isStringLiteralLike(first) ? first.text : undefined,
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return calls;
}

/** Whether `file` uses VS Code's l10n API itself (`vscode.l10n`), bypassing `t`. */
export function usesVscodeL10n(file: string): boolean {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const visit = (node: ts.Node): boolean =>
    (ts.isPropertyAccessExpression(node) &&
      node.name.text === 'l10n' &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'vscode') ||
    (ts.forEachChild(node, visit) ?? false);
  return visit(source);
}

export function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/** The l10n bundles (`bundle.l10n.ar.json`, ...) by language. */
export function bundles(): Map<string, Record<string, unknown>> {
  return new Map(
    readdirSync(L10N_DIR)
      .map((name) => /^bundle\.l10n\.(.+)\.json$/.exec(name))
      .filter((match) => match !== null)
      .map((match) => [match[1], readJson(path.join(L10N_DIR, match[0]))]),
  );
}

/** The translations of the manifest (`package.nls.ar.json`, ...) by language; English is package.nls.json. */
export function manifestTranslations(): Map<string, Record<string, unknown>> {
  return new Map(
    readdirSync(REPO_ROOT)
      .map((name) => /^package\.nls\.(.+)\.json$/.exec(name))
      .filter((match) => match !== null)
      .map((match) => [match[1], readJson(path.join(REPO_ROOT, match[0]))]),
  );
}

/** Every `%key%` reference in the manifest, at any depth (VS Code replaces whole strings only). */
export function manifestReferences(value: unknown): string[] {
  if (typeof value === 'string') {
    const match = /^%([\w.-]+)%$/.exec(value);
    return match ? [match[1]] : [];
  }
  if (Array.isArray(value)) {
    return value.flatMap(manifestReferences);
  }
  if (typeof value === 'object' && value !== null) {
    return Object.values(value).flatMap(manifestReferences);
  }
  return [];
}

/**
 * What a translation must carry over unchanged, sorted: `{0}` / `{name}` placeholders,
 * `code spans`, `#siyada.key#` setting links and `command:` link targets.
 */
export function invariants(text: string): string[] {
  const found = [
    ...(text.match(/\{[^}\s]+\}/g) ?? []),
    ...(text.match(/`[^`]+`/g) ?? []),
    ...(text.match(/#siyada\.[\w.]+#/g) ?? []),
    ...(text.match(/\(command:[\w.]+\)/g) ?? []),
  ];
  return found.sort();
}
