// What the Python extension (ms-python.python) tells Siyada: the interpreter the user
// selected, and when that selection changes. Optional: without it both are absent.

import * as vscode from 'vscode';
import { errorMessage } from './errors';

interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string };
    resolveEnvironment(environment: { path: string }): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
  };
}

export class PythonExtension {
  constructor(private readonly output: vscode.LogOutputChannel) {}

  /** The python of the environment selected for the first workspace folder, if any. */
  async interpreter(): Promise<string | undefined> {
    const environments = (await this.api())?.environments;
    if (!environments) {
      return undefined;
    }
    try {
      const active = environments.getActiveEnvironmentPath(vscode.workspace.workspaceFolders?.[0]?.uri);
      const resolved = await environments.resolveEnvironment(active);
      return resolved?.executable.uri?.fsPath ?? active.path;
    } catch (error) {
      this.output.warn(`Asking the Python extension for its interpreter: ${errorMessage(error)}`);
      return undefined;
    }
  }

  /** Fires when another interpreter is selected; undefined without the extension. */
  async onDidChangeInterpreter(): Promise<vscode.Event<unknown> | undefined> {
    return (await this.api())?.environments?.onDidChangeActiveEnvironmentPath;
  }

  private async api(): Promise<PythonExtensionApi | undefined> {
    const extension = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
    if (!extension) {
      return undefined;
    }
    try {
      return extension.isActive ? extension.exports : await extension.activate();
    } catch (error) {
      this.output.warn(`The Python extension failed to activate: ${errorMessage(error)}`);
      return undefined;
    }
  }
}
