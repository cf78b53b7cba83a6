// Tells the server where the user is looking (active editor, cursor, visible lines),
// at most a few times a second.

import * as vscode from 'vscode';
import { FOCUS_NOTIFICATION, focusParams, sameFocus, type FocusParams } from './focus';
import type { SiyadaServer } from './server';

const QUIET_MS = 150;

export function trackFocus(server: SiyadaServer, languages: string[]): vscode.Disposable {
  let timer: NodeJS.Timeout | undefined;
  let last: FocusParams | undefined;

  const send = () => {
    timer = undefined;
    const editor = vscode.window.activeTextEditor;
    const client = server.running;
    if (!editor || !client || !languages.includes(editor.document.languageId)) {
      return;
    }
    const params = focusParams(
      editor.document.uri.toString(),
      editor.selection.active,
      editor.visibleRanges.map((range) => ({ start: range.start.line, end: range.end.line })),
    );
    if (!sameFocus(last, params)) {
      last = params;
      void client.sendNotification(FOCUS_NOTIFICATION, params);
    }
  };
  const schedule = () => {
    if (timer) {
      clearTimeout(timer);
    }
    timer = setTimeout(send, QUIET_MS);
  };

  return vscode.Disposable.from(
    vscode.window.onDidChangeActiveTextEditor(schedule),
    vscode.window.onDidChangeTextEditorSelection(schedule),
    vscode.window.onDidChangeTextEditorVisibleRanges(schedule),
    { dispose: () => timer && clearTimeout(timer) },
  );
}
