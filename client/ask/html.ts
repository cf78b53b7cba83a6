// The chat panel's page. Its content security policy allows nothing by default: the
// one script runs by its nonce, the stylesheet comes from the extension, and nothing
// else loads (no images, fonts, frames or connections; the model's text is sanitized
// Markdown, and even a tag that slipped through could fetch or run nothing).
// No vscode import: the page is unit-tested as text.

export interface PageOptions {
  /** The webview's `cspSource`: where the extension's own files are served from. */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  nonce: string;
  /** BCP 47 tag of the panel's words, and whether they read right to left. */
  lang: string;
  rtl: boolean;
  labels: PageLabels;
}

export interface PageLabels {
  title: string;
  conversation: string;
  question: string;
  placeholder: string;
  send: string;
  stop: string;
  clear: string;
  keys: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [`default-src 'none'`, `script-src 'nonce-${nonce}'`, `style-src ${cspSource}`].join('; ');
}

/** Languages written right to left, by their primary subtag. */
const RTL = new Set(['ar', 'fa', 'he', 'ur', 'ps', 'sd', 'ug', 'yi', 'dv', 'ckb']);

export function isRightToLeft(locale: string): boolean {
  return RTL.has(locale.toLowerCase().split('-')[0]);
}

export function panelHtml(options: PageOptions): string {
  const { labels } = options;
  const e = escapeHtml;
  return `<!DOCTYPE html>
<html lang="${e(options.lang)}" dir="${options.rtl ? 'rtl' : 'ltr'}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${e(contentSecurityPolicy(options.cspSource, options.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${e(options.styleUri)}">
<title>${e(labels.title)}</title>
</head>
<body>
<header id="subject"></header>
<main id="transcript" role="log" aria-live="polite" aria-label="${e(labels.conversation)}" tabindex="-1"></main>
<p id="note" role="note" hidden></p>
<form id="ask">
<label for="question">${e(labels.question)}</label>
<textarea id="question" rows="3" placeholder="${e(labels.placeholder)}" aria-describedby="keys"></textarea>
<p id="keys" class="hint">${e(labels.keys)}</p>
<div class="buttons">
<button id="send" type="submit">${e(labels.send)}</button>
<button id="stop" type="button" class="secondary" disabled>${e(labels.stop)}</button>
<button id="clear" type="button" class="secondary">${e(labels.clear)}</button>
</div>
</form>
<p id="status" role="status" aria-live="polite"></p>
<script nonce="${e(options.nonce)}" src="${e(options.scriptUri)}"></script>
</body>
</html>
`;
}
