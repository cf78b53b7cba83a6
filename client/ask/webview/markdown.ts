// The model's answer as HTML that cannot run anything: markdown-it renders it with raw
// HTML turned off (a tag in the answer stays text), and DOMPurify keeps only the
// elements Markdown itself produces, with no attribute that loads or runs anything.
// The page's content security policy is the third wall. Takes the window it renders
// for, so the unit tests can hand it jsdom's.

import createDOMPurify, { type WindowLike } from 'dompurify';
import MarkdownIt from 'markdown-it';

/** What Markdown produces; nothing that loads (img, iframe), runs (script) or takes input (form). */
const ALLOWED_TAGS = [
  'p',
  'br',
  'hr',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'strong',
  'em',
  's',
  'code',
  'pre',
  'blockquote',
  'ul',
  'ol',
  'li',
  'a',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
];
/** `class` carries a code block's language (`language-python`), `start` an ordered list's first number. */
const ALLOWED_ATTR = ['href', 'title', 'class', 'start'];
/** Web and mail links only; a relative link would point into the webview itself. */
const ALLOWED_URI_REGEXP = /^(?:https?|mailto):/i;

export type RenderAnswer = (markdown: string) => DocumentFragment;

/** HTML reduced to Markdown's own elements, as a fragment of `window`'s document. */
export function createSanitizer(window: WindowLike): (html: string) => DocumentFragment {
  const purify = createDOMPurify(window);
  return (html) =>
    purify.sanitize(html, {
      ALLOWED_TAGS,
      ALLOWED_ATTR,
      ALLOWED_URI_REGEXP,
      ALLOW_DATA_ATTR: false,
      ALLOW_ARIA_ATTR: false,
      RETURN_DOM_FRAGMENT: true,
    });
}

export function createRenderer(window: WindowLike): RenderAnswer {
  const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false });
  const sanitize = createSanitizer(window);
  return (text) => sanitize(markdown.render(text));
}

export interface CodeBlock {
  /** The `pre` element the block is rendered in. */
  element: Element;
  /** The code as written in the answer, without the fence's closing line break. */
  code: string;
  language: string | null;
}

/** The fenced or indented code blocks of a rendered answer, in order. */
export function codeBlocks(root: ParentNode): CodeBlock[] {
  return [...root.querySelectorAll('pre > code')].map((code) => ({
    element: code.parentElement as Element,
    code: (code.textContent ?? '').replace(/\n$/, ''),
    language: /(?:^|\s)language-(\S+)/.exec(code.className)?.[1] ?? null,
  }));
}
