// A per-platform package carries every wheel the server needs in dist/server/, with
// wheelhouse.json naming its platform and the Python versions it has wheels for. Pure:
// what the installer reads from it and the pip command it runs.

export interface Wheelhouse {
  readonly target: string;
  readonly pythons: readonly string[];
}

/** The manifest's content; throws with the reason when it is not what the build writes. */
export function parseWheelhouse(text: string): Wheelhouse {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null) {
    throw new Error('wheelhouse.json is not an object');
  }
  const { target, pythons } = value as Record<string, unknown>;
  if (typeof target !== 'string' || !Array.isArray(pythons) || pythons.length === 0) {
    throw new Error('wheelhouse.json lacks its target or its Python versions');
  }
  if (!pythons.every((version) => typeof version === 'string' && /^\d+\.\d+$/.test(version))) {
    throw new Error(`wheelhouse.json's Python versions are not like "3.12": ${JSON.stringify(pythons)}`);
  }
  return { target, pythons: pythons as string[] };
}

/** Why `python` (whose version is `version`, "3.12") cannot use the shipped wheels, or
 * undefined when it can. */
export function unsupportedPython(python: string, version: string, wheelhouse: Wheelhouse): string | undefined {
  if (wheelhouse.pythons.includes(version)) {
    return undefined;
  }
  return (
    `${python} is Python ${version}, but this Siyada package (${wheelhouse.target}) carries wheels ` +
    `for Python ${wheelhouse.pythons.join(', ')} only. Set siyada.interpreter to one of those, or ` +
    `select one in the Python extension, then install again.`
  );
}

/** `pip install` arguments for the server's wheel: from the shipped wheels only, never
 * a network, when the package carries them (`--isolated`: pip's environment variables
 * and user configuration, such as a constraint file, cannot pull in other versions);
 * else from the user's package index. */
export function pipInstallArgs(wheel: string, shippedWheels: string | undefined): string[] {
  const args = ['-m', 'pip', 'install', '--disable-pip-version-check', '--upgrade'];
  if (shippedWheels !== undefined) {
    args.push('--isolated', '--no-index', '--find-links', shippedWheels);
  }
  return [...args, wheel];
}

/** Prints "major.minor" of the interpreter that runs it. */
export const PYTHON_VERSION_SCRIPT = 'import sys; print("%d.%d" % sys.version_info[:2])';
