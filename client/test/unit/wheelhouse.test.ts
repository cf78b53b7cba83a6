import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWheelhouse, pipInstallArgs, unsupportedPython } from '../../wheelhouse';

const linux = { target: 'linux-x64', pythons: ['3.11', '3.12', '3.13', '3.14'] };

describe('parseWheelhouse', () => {
  it('reads the target and the Python versions the build wrote', () => {
    assert.deepEqual(parseWheelhouse(JSON.stringify(linux)), linux);
  });

  it('rejects a manifest without Python versions', () => {
    assert.throws(() => parseWheelhouse('{"target": "linux-x64", "pythons": []}'), /Python versions/);
  });

  it('rejects versions that are not major.minor', () => {
    assert.throws(() => parseWheelhouse('{"target": "linux-x64", "pythons": ["3"]}'), /not like "3.12"/);
  });

  it('rejects what is not JSON or not an object', () => {
    assert.throws(() => parseWheelhouse('not json'), SyntaxError);
    assert.throws(() => parseWheelhouse('null'), /not an object/);
  });
});

describe('unsupportedPython', () => {
  it('accepts a version the package carries wheels for', () => {
    assert.equal(unsupportedPython('/usr/bin/python3', '3.12', linux), undefined);
  });

  it('names the interpreter, its version and every shipped version otherwise', () => {
    assert.equal(
      unsupportedPython('/usr/bin/python3.10', '3.10', linux),
      '/usr/bin/python3.10 is Python 3.10, but this Siyada package (linux-x64) carries wheels for ' +
        'Python 3.11, 3.12, 3.13, 3.14 only. Set siyada.interpreter to one of those, or select one ' +
        'in the Python extension, then install again.',
    );
  });
});

describe('pipInstallArgs', () => {
  const wheel = '/ext/dist/server/siyada-0.1.0-py3-none-any.whl';

  it('keeps pip off every index when the package carries the wheels', () => {
    assert.deepEqual(pipInstallArgs(wheel, '/ext/dist/server'), [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--upgrade',
      '--isolated',
      '--no-index',
      '--find-links',
      '/ext/dist/server',
      wheel,
    ]);
  });

  it('installs from the user package index for a package without wheels, as before', () => {
    assert.deepEqual(pipInstallArgs(wheel, undefined), [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--upgrade',
      wheel,
    ]);
  });
});
