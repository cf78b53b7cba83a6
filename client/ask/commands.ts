// "Ask about this finding" (the server's code action runs `siyada.askAboutFinding` with
// [uri, diagnosticData]; from the palette it takes the finding at the cursor) and
// "Ask about this function" (at the cursor). Both open the chat panel on the session's
// conversation for that finding or function.

import * as path from 'node:path';
import * as vscode from 'vscode';
import * as l10n from '../l10n';
import { ConversationBook, Conversation, findingKey, functionKey } from './conversations';
import { AskPanels, type PanelHost } from './panel';
import type { Subject } from './protocol';

const SOURCE = 'siyada';

type FindingData = Record<string, unknown>;

/** A Siyada diagnostic as vscode-languageclient hands it over: with the server's `data`. */
type SiyadaDiagnostic = vscode.Diagnostic & { data?: unknown };

function isFindingData(value: unknown): value is FindingData {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function siyadaDiagnostics(uri: vscode.Uri): SiyadaDiagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((diagnostic) => diagnostic.source === SOURCE);
}

function sameData(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function lines(data: FindingData): string | null {
  const evidence = data.evidenceLines;
  if (Array.isArray(evidence) && evidence.every((line) => typeof line === 'string')) {
    return evidence.join('\n');
  }
  return typeof data.evidence === 'string' ? data.evidence : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value ? value : null;
}

function findingSubject(uri: vscode.Uri, data: FindingData, diagnostic: vscode.Diagnostic | undefined): Subject {
  const startLine = typeof data.startLine === 'number' ? data.startLine : diagnostic?.range.start.line;
  const file = path.basename(uri.path);
  return {
    kind: 'finding',
    title: text(data.title) ?? diagnostic?.message ?? l10n.t('Siyada finding'),
    location: startLine === undefined ? file : `${file}:${startLine + 1}`,
    functionName: text(data.function),
    explanation: diagnostic?.message ?? null,
    code: lines(data),
  };
}

/** The innermost function or method around `position`, by the editor's document symbols (when a language extension gives them). */
async function functionAt(uri: vscode.Uri, position: vscode.Position): Promise<string | null> {
  let symbols: vscode.DocumentSymbol[] | undefined;
  try {
    symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[] | undefined>(
      'vscode.executeDocumentSymbolProvider',
      uri,
    );
  } catch {
    return null;
  }
  const kinds = new Set([vscode.SymbolKind.Function, vscode.SymbolKind.Method, vscode.SymbolKind.Constructor]);
  let found: string | null = null;
  let level = symbols ?? [];
  for (;;) {
    const around = level.find((symbol) => 'range' in symbol && symbol.range.contains(position));
    if (!around) {
      return found;
    }
    if (kinds.has(around.kind)) {
      found = around.name;
    }
    level = around.children ?? [];
  }
}

export function registerAskCommands(host: PanelHost): vscode.Disposable[] {
  const book = new ConversationBook();
  const panels = new AskPanels(host);

  function askAboutFinding(uriArg?: unknown, dataArg?: unknown): void {
    const editor = vscode.window.activeTextEditor;
    let uri: vscode.Uri | undefined =
      uriArg instanceof vscode.Uri ? uriArg : typeof uriArg === 'string' ? vscode.Uri.parse(uriArg) : undefined;
    let data = isFindingData(dataArg) ? dataArg : undefined;
    let diagnostic: SiyadaDiagnostic | undefined;
    if (uri && data) {
      diagnostic = siyadaDiagnostics(uri).find((candidate) => sameData(candidate.data, data));
    } else if (editor) {
      // From the palette: the Siyada finding under the cursor.
      uri = editor.document.uri;
      diagnostic = siyadaDiagnostics(uri).find(
        (candidate) => candidate.range.contains(editor.selection.active) && isFindingData(candidate.data),
      );
      data = diagnostic?.data as FindingData | undefined;
    }
    if (!uri || !data) {
      void vscode.window.showInformationMessage(
        l10n.t('Siyada: there is no Siyada finding at the cursor. Put the cursor on an underlined finding.'),
      );
      return;
    }
    const key = findingKey(uri.toString(), data);
    const subject = findingSubject(uri, data, diagnostic);
    const conversation = book.open(
      key,
      () => new Conversation(key, subject, { uri: uri.toString(), finding: data, position: null }),
    );
    panels.show(conversation);
  }

  async function askAboutFunction(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage(
        l10n.t('Open a file and put the cursor in a function to ask about it.'),
      );
      return;
    }
    const { document } = editor;
    const position = editor.selection.active;
    const name = await functionAt(document.uri, position);
    const file = path.basename(document.uri.path);
    const key = functionKey(document.uri.toString(), name, position.line);
    const subject: Subject = {
      kind: 'function',
      title: name ?? l10n.t('The function at line {0}', position.line + 1),
      location: `${file}:${position.line + 1}`,
      functionName: name,
      explanation: null,
      code: null,
    };
    const target = {
      uri: document.uri.toString(),
      finding: null,
      position: { line: position.line, character: position.character },
    };
    panels.show(book.open(key, () => new Conversation(key, subject, target)));
  }

  return [
    panels,
    vscode.commands.registerCommand('siyada.askAboutFinding', askAboutFinding),
    vscode.commands.registerCommand('siyada.askAboutFunction', askAboutFunction),
  ];
}
