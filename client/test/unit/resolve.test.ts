import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandPath, resolveServer, venvPython, type Probes } from '../../resolve';

interface FakeMachine {
  pythonExtension?: string;
  /** Interpreters that can `import siyada`. */
  withServer?: string[];
  managed?: string;
}

function probes(machine: FakeMachine, calls: string[] = []): Probes {
  return {
    pythonExtensionInterpreter: () => {
      calls.push('pythonExtension');
      return Promise.resolve(machine.pythonExtension);
    },
    hasServer: (python) => {
      calls.push(`hasServer ${python}`);
      return Promise.resolve((machine.withServer ?? []).includes(python));
    },
    managedPython: () => {
      calls.push('managed');
      return Promise.resolve(machine.managed);
    },
  };
}

describe('resolveServer', () => {
  it('runs siyada.server.path with `lsp` before anything else, without probing', async () => {
    const calls: string[] = [];
    const launch = await resolveServer(
      { serverPath: '/opt/siyada/bin/siyada', interpreter: '/usr/bin/python3.12' },
      probes({ pythonExtension: '/env/bin/python', withServer: ['/usr/bin/python3.12'] }, calls),
    );
    assert.deepEqual(launch, {
      kind: 'run',
      command: '/opt/siyada/bin/siyada',
      args: ['lsp'],
      source: 'siyada.server.path',
    });
    assert.deepEqual(calls, []);
  });

  it('runs siyada.interpreter with `-m siyada lsp` before the Python extension', async () => {
    const calls: string[] = [];
    const launch = await resolveServer(
      { serverPath: '  ', interpreter: '/usr/bin/python3.12' },
      probes({ pythonExtension: '/env/bin/python', withServer: ['/usr/bin/python3.12', '/env/bin/python'] }, calls),
    );
    assert.deepEqual(launch, {
      kind: 'run',
      command: '/usr/bin/python3.12',
      args: ['-m', 'siyada', 'lsp'],
      source: 'siyada.interpreter',
    });
    assert.deepEqual(calls, ['hasServer /usr/bin/python3.12']);
  });

  it("uses the Python extension's interpreter when no setting names one", async () => {
    const launch = await resolveServer(
      { serverPath: '', interpreter: '' },
      probes({ pythonExtension: '/env/bin/python', withServer: ['/env/bin/python'] }),
    );
    assert.deepEqual(launch, {
      kind: 'run',
      command: '/env/bin/python',
      args: ['-m', 'siyada', 'lsp'],
      source: 'Python extension',
    });
  });

  it('falls back to python3 without the Python extension', async () => {
    const launch = await resolveServer({ serverPath: '', interpreter: '' }, probes({ withServer: ['python3'] }));
    assert.deepEqual(launch, { kind: 'run', command: 'python3', args: ['-m', 'siyada', 'lsp'], source: 'python3' });
  });

  it('uses the managed environment when the chosen Python lacks the server', async () => {
    const launch = await resolveServer(
      { serverPath: '', interpreter: '' },
      probes({
        pythonExtension: '/env/bin/python',
        managed: '/storage/server-env/bin/python',
        withServer: ['/storage/server-env/bin/python'],
      }),
    );
    assert.deepEqual(launch, {
      kind: 'run',
      command: '/storage/server-env/bin/python',
      args: ['-m', 'siyada', 'lsp'],
      source: 'managed environment',
    });
  });

  it('reports the chosen Python as missing the server when nothing has it', async () => {
    const launch = await resolveServer(
      { serverPath: '', interpreter: '/usr/bin/python3.12' },
      probes({ managed: '/storage/server-env/bin/python' }),
    );
    assert.deepEqual(launch, { kind: 'missing', python: '/usr/bin/python3.12', source: 'siyada.interpreter' });
  });

  it('does not trust a managed environment whose server is broken', async () => {
    const launch = await resolveServer(
      { serverPath: '', interpreter: '' },
      probes({ managed: '/storage/server-env/bin/python' }),
    );
    assert.deepEqual(launch, { kind: 'missing', python: 'python3', source: 'python3' });
  });
});

describe('expandPath', () => {
  const context = { home: '/home/ada', workspaceFolder: '/work/project' };

  it('expands ~, ${userHome} and ${workspaceFolder}', () => {
    assert.equal(expandPath('~/venvs/a/bin/python', context), '/home/ada/venvs/a/bin/python');
    assert.equal(expandPath('${userHome}/bin/siyada', context), '/home/ada/bin/siyada');
    assert.equal(expandPath('${workspaceFolder}/.venv/bin/python', context), '/work/project/.venv/bin/python');
  });

  it('makes relative paths relative to the workspace folder but leaves bare names to PATH', () => {
    assert.equal(expandPath('.venv/bin/python', context), '/work/project/.venv/bin/python');
    assert.equal(expandPath('python3.12', context), 'python3.12');
    assert.equal(expandPath('', context), '');
    assert.equal(expandPath('/usr/bin/python3', { home: '/h', workspaceFolder: undefined }), '/usr/bin/python3');
  });
});

describe('venvPython', () => {
  it('knows where venv puts the interpreter on each platform', () => {
    assert.equal(venvPython('/s/env', 'linux'), '/s/env/bin/python');
    assert.equal(venvPython('/s/env', 'darwin'), '/s/env/bin/python');
    assert.equal(venvPython('C:\\s\\env', 'win32'), 'C:\\s\\env\\Scripts\\python.exe');
  });
});
