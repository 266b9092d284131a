#!/usr/bin/env bash
# Executes the TypeScript notebooks in examples/ headless under the tslab kernel and fails on the
# first cell that errors (type errors included: tslab type-checks each cell).
#
#   scripts/run-notebooks.sh             executed copies go to examples/out/ (git-ignored)
#   scripts/run-notebooks.sh --inplace   store the outputs in the notebooks themselves
#
# Installs what is missing: Debian packages jupyter-nbconvert, python3-ipykernel, python3-nbclient
# (apt-get, needs root) and tslab, pinned in tools/notebooks/package.json. tslab lives in its own
# folder because it brings its own TypeScript and would replace the project's node_modules/.bin/tsc.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/tools/notebooks"
NOTEBOOKS=(quantize-and-inspect.ipynb auto-mixed-precision.ipynb)
INPLACE=0
[[ "${1:-}" == "--inplace" ]] && INPLACE=1

log() { printf 'run-notebooks: %s\n' "$*" >&2; }

install_debian_packages() {
  local missing=()
  for pkg in jupyter-nbconvert python3-ipykernel python3-nbclient; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  log "installing ${missing[*]}"
  local sudo=()
  [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null ||
    { "${sudo[@]}" apt-get update >/dev/null && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
}

install_tslab() {
  if [[ ! -x "$TOOLS/node_modules/.bin/tslab" ]]; then
    log "installing tslab into tools/notebooks/"
    # --ignore-scripts: zeromq ships prebuilt binaries; its install script would try to compile.
    (cd "$TOOLS" && npm install --no-audit --no-fund --ignore-scripts >/dev/null)
  fi
  export PATH="$TOOLS/node_modules/.bin:$PATH"
  # The kernel spec runs `tslab` from PATH; install it for the python3 that nbconvert runs on.
  tslab install --python=/usr/bin/python3 >/dev/null
}

build_library() {
  # The notebooks import the compiled library from dist/.
  if [[ ! -f "$ROOT/dist/index.js" || -n "$(find "$ROOT/src" -newer "$ROOT/dist/index.js" -name '*.ts' -print -quit)" ]]; then
    log "building dist/"
    (cd "$ROOT" && npm run build >/dev/null)
  fi
}

run_notebook() {
  local name="$1" args=()
  if [[ $INPLACE -eq 1 ]]; then args=(--inplace); else args=(--output-dir "$ROOT/examples/out"); fi
  log "executing examples/$name"
  # nbconvert exits non-zero when a cell raises (CellExecutionError); the kernel starts in examples/.
  (cd "$ROOT/examples" && /usr/bin/python3 -m jupyter nbconvert --to notebook --execute "$name" \
    --ExecutePreprocessor.kernel_name=tslab --ExecutePreprocessor.timeout=600 "${args[@]}") ||
    { log "FAILED: examples/$name"; return 1; }
}

install_debian_packages
install_tslab
build_library
mkdir -p "$ROOT/examples/out"
for nb in "${NOTEBOOKS[@]}"; do run_notebook "$nb"; done
log "all ${#NOTEBOOKS[@]} notebooks ran without errors"
