import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isExplicitlySet,
  needsRestart,
  serverSettingKeys,
  supportedLanguages,
  toServerSettings,
  type Manifest,
} from '../../settings';
import { readManifest } from '../manifest';

const manifest = readManifest() as Manifest;
type Property = { default: unknown; type: string; enum?: string[]; order?: number };
// One section per heading of the Settings editor (see settings_docs.configuration).
const sections = manifest.contributes?.configuration as { properties: Record<string, Property> }[];
const properties: Record<string, Property> = Object.fromEntries(sections.flatMap((s) => Object.entries(s.properties)));

/** What VS Code's getConfiguration('siyada').get(key) returns when nothing is set. */
const defaults = (key: string) => properties[`siyada.${key}`]?.default;

describe('the manifest', () => {
  // The manifest is generated from the server's settings table (python -m
  // siyada.review.settings_docs --write; tests/unit/test_settings_manifest.py checks it),
  // so the keys below are a sample of the contract, not the whole list.
  it('sends the server settings of the design with their defaults', () => {
    const sent = toServerSettings(serverSettingKeys(manifest), defaults);
    const design = {
      endpoint: '',
      model: 'qwen2.5-coder:7b',
      triggers: { onOpen: true, onSave: true, onType: true },
      debounceMs: 1000,
      maxConcurrentRequests: 1,
      minSeverity: 'hint',
      minConfidence: 0.5,
      categories: ['bug', 'security', 'performance', 'maintainability'],
      requestTimeoutSec: 120,
      keepAlive: '30m',
      allowRemoteEndpoint: false,
    };
    for (const [key, value] of Object.entries(design)) {
      assert.deepEqual(sent[key], value, key);
    }
  });

  it('test_case14: sends cacheDir, maxFileKb and maxFunctionsPerFile, once only known to the server', () => {
    const sent = toServerSettings(serverSettingKeys(manifest), defaults);
    assert.deepEqual(
      { cacheDir: sent.cacheDir, maxFileKb: sent.maxFileKb, maxFunctionsPerFile: sent.maxFunctionsPerFile },
      { cacheDir: '', maxFileKb: 512, maxFunctionsPerFile: 500 },
    );
  });

  it('test_case14: keeps back exactly the settings for finding and tracing the server', () => {
    const all = Object.keys(properties).map((name) => name.slice('siyada.'.length));
    const sent = new Set(serverSettingKeys(manifest));
    assert.deepEqual(
      all.filter((key) => !sent.has(key)),
      ['server.path', 'interpreter', 'trace.server'],
    );
  });

  it('test_case14: declares the bounds the server enforces', () => {
    const bounds = properties['siyada.maxConcurrentRequests'] as { minimum?: number; maximum?: number };
    assert.deepEqual([bounds.minimum, bounds.maximum], [1, 16]);
  });

  it('declares types and enums and describes every setting', () => {
    assert.equal(properties['siyada.debounceMs'].type, 'integer');
    assert.equal(properties['siyada.minConfidence'].type, 'number');
    assert.deepEqual(properties['siyada.minSeverity'].enum, ['error', 'warning', 'info', 'hint']);
    for (const [name, schema] of Object.entries(properties)) {
      const described = schema as { description?: string; markdownDescription?: string };
      assert.ok(described.description ?? described.markdownDescription, `${name} has no description`);
    }
  });

  it('has the client-only settings for finding the server', () => {
    assert.equal(properties['siyada.server.path'].type, 'string');
    assert.equal(properties['siyada.interpreter'].type, 'string');
  });

  it('activates on the languages the server reviews', () => {
    assert.deepEqual(supportedLanguages(manifest), [
      'python',
      'javascript',
      'javascriptreact',
      'typescript',
      'typescriptreact',
      'go',
      'rust',
      'java',
      'c',
      'cpp',
    ]);
  });
});

describe('serverSettingKeys', () => {
  it('keeps siyada.* keys, strips the prefix and leaves out the client-only ones', () => {
    const keys = serverSettingKeys({
      contributes: {
        configuration: [
          {
            properties: {
              'siyada.model': {},
              'siyada.server.path': {},
              'siyada.interpreter': {},
              'siyada.trace.server': {},
            },
          },
          { properties: { 'siyada.triggers': {}, 'other.setting': {} } },
        ],
      },
    });
    assert.deepEqual(keys, ['model', 'triggers']);
  });
});

describe('toServerSettings', () => {
  it('builds a flat object of plain JSON values and skips unset keys', () => {
    const frozen = Object.freeze({ onOpen: false, onSave: true, onType: false });
    const settings = toServerSettings(
      ['model', 'triggers', 'unknown'],
      (key) => ({ model: 'llama3.2:3b', triggers: frozen })[key],
    );
    assert.deepEqual(settings, { model: 'llama3.2:3b', triggers: { onOpen: false, onSave: true, onType: false } });
    assert.notEqual(settings.triggers, frozen);
    assert.ok(!('unknown' in settings));
  });
});

describe('settings the user did not set', () => {
  it('are sent as null, so the repository settings and then the defaults apply', () => {
    const settings = toServerSettings(
      ['model', 'minSeverity', 'endpoint'],
      (key) => ({ model: 'llama3.2:3b', minSeverity: 'hint', endpoint: '' })[key],
      (key) => key === 'model',
    );
    assert.deepEqual(settings, { model: 'llama3.2:3b', minSeverity: null, endpoint: null });
  });

  it('are told from set ones by any scope inspect() reports', () => {
    assert.equal(isExplicitlySet(undefined), false);
    assert.equal(isExplicitlySet({}), false);
    assert.equal(isExplicitlySet({ globalValue: 'hint' }), true);
    assert.equal(isExplicitlySet({ workspaceValue: false }), true);
    assert.equal(isExplicitlySet({ workspaceFolderValue: 0.5 }), true);
    assert.equal(isExplicitlySet({ workspaceLanguageValue: 'error' }), true);
  });
});

describe('needsRestart', () => {
  it('restarts for the settings that choose the server process only', () => {
    const changed = (names: string[]) => (section: string) =>
      names.some((name) => name === section || name.startsWith(`${section}.`));
    assert.equal(needsRestart(changed(['siyada.server.path'])), true);
    assert.equal(needsRestart(changed(['siyada.interpreter'])), true);
    assert.equal(needsRestart(changed(['siyada.model'])), false);
    assert.equal(needsRestart(changed(['siyada.endpoint', 'editor.fontSize'])), false);
  });
});
