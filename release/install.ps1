# Installs Siyada from the wheels next to this script, without any network: a virtual
# environment is created and pip is told to use these wheels only (--no-index).
#   powershell -ExecutionPolicy Bypass -File install.ps1 [-Venv folder] [-Python py.exe]
param(
  [string]$Venv = (Join-Path $env:LOCALAPPDATA 'siyada\venv'),
  [string]$Python = 'python'
)
$ErrorActionPreference = 'Stop'
$here = Split-Path -Parent $MyInvocation.MyCommand.Path
$shipped = '@PYTHONS@'.Split(' ')

# No double quotes in the code: Windows PowerShell 5 drops them from native arguments.
$version = & $Python -c 'import sys; print(*sys.version_info[:2], sep=chr(46))'
if ($LASTEXITCODE -ne 0) {
  Write-Error "cannot run $Python; pass -Python with a CPython $($shipped -join ', ') interpreter"
}
if ($shipped -notcontains $version) {
  Write-Error "$Python is Python $version; this wheelhouse carries wheels for Python $($shipped -join ', ') only. Pass -Python with one of those."
}

& $Python -m venv $Venv
if ($LASTEXITCODE -ne 0) { Write-Error "creating the environment $Venv failed" }
& (Join-Path $Venv 'Scripts\python.exe') -m pip install --quiet --disable-pip-version-check --isolated `
  --no-index --find-links (Join-Path $here 'wheels') 'siyada==@VERSION@'
if ($LASTEXITCODE -ne 0) { Write-Error 'pip install failed' }

$siyada = Join-Path $Venv 'Scripts\siyada.exe'
Write-Output "Siyada @VERSION@ is installed in $Venv"
Write-Output "Start it with:  $siyada --help"
Write-Output "  review files: $siyada check path\to\file.py"
Write-Output "  as a language server for your editor: $siyada lsp"
