#!/bin/sh
# Installs Siyada from the wheels next to this script, without any network: a virtual
# environment is created and pip is told to use these wheels only (--no-index).
#   sh install.sh [folder]      default folder: ~/.local/share/siyada/venv
#   PYTHON=python3.12 sh install.sh   to choose the interpreter
set -eu

here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-python3}
venv=${1:-${HOME}/.local/share/siyada/venv}
shipped="@PYTHONS@"

if ! version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); then
  echo "error: cannot run $python; set PYTHON to a CPython $shipped interpreter" >&2
  exit 1
fi
case " $shipped " in
  *" $version "*) ;;
  *)
    echo "error: $python is Python $version; this wheelhouse carries wheels for Python $shipped only." >&2
    echo "Set PYTHON to one of those, e.g. PYTHON=python3.12 sh $0" >&2
    exit 1
    ;;
esac

"$python" -m venv "$venv"
# --isolated: the user's pip configuration (a constraint file, an index) stays out.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --isolated \
  --no-index --find-links "$here/wheels" "siyada==@VERSION@"

echo "Siyada @VERSION@ is installed in $venv"
echo "Start it with:  $venv/bin/siyada --help"
echo "  review files: $venv/bin/siyada check path/to/file.py"
echo "  as a language server for your editor: $venv/bin/siyada lsp"
