// The client's strings and their catalogs. In Node rather than Python: the strings are
// calls in TypeScript, found here by the TypeScript parser, next to the client's other
// tests (`npm test`). English is the key of each l10n bundle entry (as in vscode.l10n)
// and package.nls.json holds the manifest's English; every other catalog must have
// exactly the same entries, with the same placeholders, code spans and links.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  L10N_DIR,
  bundles,
  clientModules,
  invariants,
  manifestReferences,
  manifestTranslations,
  readJson,
  translationCalls,
  usesVscodeL10n,
} from '../catalogs';
import {
  bundleCandidates,
  bundleTranslator,
  format,
  overrideLocale,
  readBundle,
  t,
  useTranslator,
  type Translator,
} from '../../l10n';
import { outageNotice } from '../../outage';
import { statusView } from '../../status';
import { REPO_ROOT, readManifest } from '../manifest';

const calls = clientModules().flatMap((file) => translationCalls(file));
const english = new Set(calls.flatMap((call) => (call.message === undefined ? [] : [call.message])));
const englishNls = readJson(path.join(REPO_ROOT, 'package.nls.json'));

/** The differences between a catalog's keys and the expected ones, as readable lines. */
function keyDifferences(name: string, expected: Iterable<string>, actual: Iterable<string>): string[] {
  const want = new Set(expected);
  const have = new Set(actual);
  return [
    ...[...want].filter((key) => !have.has(key)).map((key) => `${name} lacks ${JSON.stringify(key)}`),
    ...[...have].filter((key) => !want.has(key)).map((key) => `${name} has the stale ${JSON.stringify(key)}`),
  ];
}

function invariantDifferences(name: string, source: Record<string, unknown>, translated: Record<string, unknown>) {
  return Object.entries(translated).flatMap(([key, text]) => {
    if (typeof text !== 'string' || !text.trim()) {
      return [`${name}: ${JSON.stringify(key)} is not a text`];
    }
    const original = source[key];
    const want = invariants(typeof original === 'string' ? original : key);
    const have = invariants(text);
    return JSON.stringify(want) === JSON.stringify(have)
      ? []
      : [`${name}: ${JSON.stringify(key)} carries ${JSON.stringify(have)}, the English ${JSON.stringify(want)}`];
  });
}

describe('the client strings', () => {
  it('are found in the source, each with a literal English text', () => {
    assert.ok(english.has('Show Logs') && english.has('Siyada: starting'), 'the scan sees the calls');
    assert.ok(english.size >= 40, `${english.size} strings`);
    const computed = calls.filter((call) => call.message === undefined).map((call) => call.where);
    assert.deepEqual(computed, [], 'a computed text cannot be translated: pass a literal and placeholders');
  });

  it('all go through l10n.t: only localize.ts calls VS Code l10n API itself', () => {
    const direct = clientModules()
      .filter(usesVscodeL10n)
      .map((file) => path.basename(file));
    assert.deepEqual(direct, ['localize.ts']);
  });

  it('have an entry in every l10n bundle, with the same placeholders', () => {
    const found = bundles();
    assert.ok(found.has('ar'), `bundles in ${L10N_DIR}: ${[...found.keys()].join(', ')}`);
    for (const [language, bundle] of found) {
      const name = `bundle.l10n.${language}.json`;
      assert.deepEqual(keyDifferences(name, english, Object.keys(bundle)), []);
      assert.deepEqual(invariantDifferences(name, {}, bundle), []);
    }
  });

  it('are really translated into Arabic, code names kept in Latin script', () => {
    const arabic = bundles().get('ar') ?? {};
    const latinOnly = Object.entries(arabic).filter(([, text]) => !/[\u0600-\u06ff]/.test(String(text)));
    // Only what is a name or a layout stays as it is: the product, a model and a host.
    assert.deepEqual(latinOnly.map(([key]) => key).sort(), ['Siyada', 'Siyada: {0}', '{0} → {1}']);
    assert.match(String(arabic['Siyada: Ollama not reachable']), /^Siyada: .*Ollama$/);
  });
});

describe('the manifest strings', () => {
  const manifest = readManifest();
  const references = manifestReferences(manifest);

  it('are %key% references with their English in package.nls.json, none left unused', () => {
    assert.equal(manifest.l10n, './l10n');
    assert.ok(references.includes('command.reviewFile.title') && references.includes('setting.model.title'));
    assert.deepEqual(keyDifferences('package.nls.json', references, Object.keys(englishNls)), []);
  });

  it('show no English words outside the references', () => {
    const contributes = manifest.contributes as { commands: Record<string, string>[] };
    for (const command of contributes.commands) {
      assert.match(command.title, /^%[\w.-]+%$/, command.command);
      assert.match(command.category, /^%[\w.-]+%$/, command.command);
    }
    assert.match(String(manifest.displayName), /^%[\w.-]+%$/);
    assert.match(String(manifest.description), /^%[\w.-]+%$/);
  });

  it('have every entry in each translation, with the same placeholders, code spans and links', () => {
    const translations = manifestTranslations();
    assert.ok(translations.has('ar'), [...translations.keys()].join(', '));
    for (const [language, words] of translations) {
      const name = `package.nls.${language}.json`;
      assert.deepEqual(keyDifferences(name, Object.keys(englishNls), Object.keys(words)), []);
      assert.deepEqual(invariantDifferences(name, englishNls, words), []);
    }
  });

  it("name each command link by the command's title in that language", () => {
    for (const [language, words] of [['en', englishNls], ...manifestTranslations()] as const) {
      const text = Object.values(words).join('\n');
      for (const [, title, command] of text.matchAll(/\[([^\]]+)\]\(command:siyada\.(\w+)\)/g)) {
        assert.equal(
          title,
          `${String(words['command.category'])}: ${String(words[`command.${command}.title`])}`,
          language,
        );
      }
    }
  });
});

describe('l10n.t', () => {
  it('fills positional and named placeholders, leaving unknown ones as written', () => {
    assert.equal(format('Pulling {0} failed: {1}', ['m', 'boom']), 'Pulling m failed: boom');
    assert.equal(format('{model} on {host}', [{ model: 'm', host: 'h' }]), 'm on h');
    assert.equal(format('{0} and {1}', ['only']), 'only and {1}');
    assert.equal(t('Siyada: {0} is ready.', 'm'), 'Siyada: m is ready.');
  });

  it('prefers the bundle and falls back to the English text, never to a key name', () => {
    const translate = bundleTranslator({ 'Pulling {0}': 'جارٍ تنزيل {0}' }, format);
    assert.equal(translate('Pulling {0}', ['m']), 'جارٍ تنزيل m');
    assert.equal(translate('Retry', []), 'Retry');
    assert.equal(translate('toString', []), 'toString', 'an inherited property is not an entry');
  });

  it('puts the status item and the outage links in the language of the installed translator', () => {
    const arabic = readBundle(L10N_DIR, 'ar');
    assert.ok(arabic);
    const english: Translator = format;
    useTranslator(bundleTranslator(arabic, format));
    try {
      const status = { model: 'm', endpoint: 'http://127.0.0.1:9', remote: false, pending: 0, message: 'x' };
      const unreachable = statusView({ ...status, state: 'unreachable' });
      assert.equal(unreachable.text, 'Siyada: تعذّر الوصول إلى Ollama');
      assert.equal(unreachable.actionTitle, 'إعادة المحاولة');
      assert.equal(unreachable.detail, 'لا إجابة من \u2068127.0.0.1:9\u2069');
      assert.equal(statusView({ ...status, state: 'ready' }).actionTitle, 'عرض السجلات');
      const notice = outageNotice({ ...status, state: 'unreachable' }, 'ollama');
      assert.ok(notice);
      assert.ok(notice.message.includes('[إعادة المحاولة](command:siyada.retryConnection)'), notice.message);
      assert.ok(notice.message.includes('[تثبيت Ollama](https://ollama.com/download)'));
    } finally {
      useTranslator(english);
    }
    assert.equal(statusView({ state: 'starting' }).text, 'Siyada: starting');
  });
});

describe('SIYADA_LOCALE', () => {
  it('takes a language tag and refuses anything else', () => {
    assert.deepEqual(overrideLocale({}), {});
    assert.deepEqual(overrideLocale({ SIYADA_LOCALE: ' ' }), {});
    assert.deepEqual(overrideLocale({ SIYADA_LOCALE: 'ar' }), { locale: 'ar' });
    assert.deepEqual(overrideLocale({ SIYADA_LOCALE: 'ar-EG' }), { locale: 'ar-EG' });
    const refused = overrideLocale({ SIYADA_LOCALE: '../../etc' });
    assert.equal(refused.locale, undefined);
    assert.match(refused.error ?? '', /not a language tag/);
  });

  it("finds the region's bundle, else the language's", () => {
    assert.deepEqual(bundleCandidates('ar-EG'), ['bundle.l10n.ar-eg.json', 'bundle.l10n.ar.json']);
    assert.deepEqual(bundleCandidates('ar'), ['bundle.l10n.ar.json']);
    assert.equal(readBundle(L10N_DIR, 'ar-EG')?.Retry, 'إعادة المحاولة');
    assert.equal(readBundle(L10N_DIR, 'xx'), undefined);
  });

  it('says which bundle is broken rather than using it', () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'siyada-l10n-'));
    writeFileSync(path.join(folder, 'bundle.l10n.ar.json'), '{"Retry": 1}');
    assert.throws(() => readBundle(folder, 'ar'), /bundle\.l10n\.ar\.json is not a JSON object/);
    writeFileSync(path.join(folder, 'bundle.l10n.ar.json'), '{');
    assert.throws(() => readBundle(folder, 'ar'), SyntaxError);
  });
});
