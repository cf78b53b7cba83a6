// Where the user is looking, in the shape of the server's `siyada/focus` notification.
// Reviews waiting for a slot go to the function at the cursor first, then to visible
// ones. Pure (no vscode import) so that it can be unit-tested.

export const FOCUS_NOTIFICATION = 'siyada/focus';

export interface LineRange {
  start: number;
  end: number;
}

export interface FocusParams {
  textDocument: { uri: string };
  position?: { line: number; character: number };
  visibleRanges: { start: { line: number; character: number }; end: { line: number; character: number } }[];
}

export function focusParams(
  uri: string,
  cursor: { line: number; character: number } | undefined,
  visible: LineRange[],
): FocusParams {
  return {
    textDocument: { uri },
    ...(cursor ? { position: { line: cursor.line, character: cursor.character } } : {}),
    visibleRanges: visible.map((range) => ({
      start: { line: range.start, character: 0 },
      end: { line: range.end, character: 0 },
    })),
  };
}

/** Same focus as last time: no need to tell the server again. */
export function sameFocus(a: FocusParams | undefined, b: FocusParams): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}
