// The keys sent to the server are read from the manifest's `contributes.configuration`,
// which is generated from the server's settings table (server/siyada/review/settings_table.py,
// `python -m siyada.review.settings_docs --write`): a server setting added there reaches
// the client without a change here.

export const SECTION = 'siyada';

// Settings the extension itself uses to find and trace the server; the server
// never sees them.
const CLIENT_ONLY_PREFIXES = ['server.', 'interpreter', 'trace.'];

interface ConfigurationBlock {
  properties?: Record<string, unknown>;
}

/** The parts of package.json read at run time. */
export interface Manifest {
  activationEvents?: string[];
  contributes?: {
    configuration?: ConfigurationBlock | ConfigurationBlock[];
    commands?: { command: string }[];
  };
}

/** Language ids the server reviews: the manifest's `onLanguage:` activation events. */
export function supportedLanguages(manifest: Manifest): string[] {
  const prefix = 'onLanguage:';
  return (manifest.activationEvents ?? [])
    .filter((event) => event.startsWith(prefix))
    .map((event) => event.slice(prefix.length));
}

/** Keys (without the `siyada.` prefix) of the settings the server reads. */
export function serverSettingKeys(manifest: Manifest): string[] {
  const configuration = manifest.contributes?.configuration;
  const blocks = Array.isArray(configuration) ? configuration : configuration ? [configuration] : [];
  const keys: string[] = [];
  for (const block of blocks) {
    for (const name of Object.keys(block.properties ?? {})) {
      if (!name.startsWith(`${SECTION}.`)) {
        continue;
      }
      const key = name.slice(SECTION.length + 1);
      if (!CLIENT_ONLY_PREFIXES.some((prefix) => key.startsWith(prefix))) {
        keys.push(key);
      }
    }
  }
  return keys;
}

export type ServerSettings = Record<string, unknown>;

/**
 * The flat object the server receives as initializationOptions, in answer to
 * workspace/configuration for section "siyada", and in didChangeConfiguration.
 * `get` reads one key of the `siyada` section (VS Code fills in defaults). A key that
 * `isSet` says the user did not set is sent as null: the server then applies the
 * repository's team settings, else its default (the same as the manifest's).
 */
export function toServerSettings(
  keys: readonly string[],
  get: (key: string) => unknown,
  isSet: (key: string) => boolean = () => true,
): ServerSettings {
  const settings: ServerSettings = {};
  for (const key of keys) {
    const value = get(key);
    if (!isSet(key)) {
      settings[key] = null;
    } else if (value !== undefined) {
      // A deep copy: VS Code hands out frozen proxies that must not reach JSON-RPC.
      settings[key] = JSON.parse(JSON.stringify(value)) as unknown;
    }
  }
  return settings;
}

/** The scopes of VS Code's `WorkspaceConfiguration.inspect(key)` that the user sets. */
export interface InspectedSetting {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
  globalLanguageValue?: unknown;
  workspaceLanguageValue?: unknown;
  workspaceFolderLanguageValue?: unknown;
}

/** Whether the user set the key in any scope (rather than leaving the default). */
export function isExplicitlySet(inspected: InspectedSetting | undefined): boolean {
  if (inspected === undefined) {
    return false;
  }
  return [
    inspected.globalValue,
    inspected.workspaceValue,
    inspected.workspaceFolderValue,
    inspected.globalLanguageValue,
    inspected.workspaceLanguageValue,
    inspected.workspaceFolderLanguageValue,
  ].some((value) => value !== undefined);
}

/** Whether a change to `affects(section)` requires a new server process. */
export function needsRestart(affects: (section: string) => boolean): boolean {
  return affects(`${SECTION}.server`) || affects(`${SECTION}.interpreter`);
}
