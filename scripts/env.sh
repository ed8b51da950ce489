# Sourced by main.sh and test.sh: make sure .venv exists and holds what they need.
# Usage: source scripts/env.sh EXTRAS   (EXTRAS: "" or a pip extra such as "test")
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
EXTRAS="${1:-}"

find_python() {
  for candidate in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "temdenoise: error: Python >= 3.11 not found (set PYTHON=/path/to/python3.11)" >&2
  return 1
}

if [ ! -x "$VENV/bin/python" ]; then
  PY="$(find_python)"
  echo "temdenoise: creating $VENV with $("$PY" --version)" >&2
  "$PY" -m venv "$VENV"
fi

# Reinstall when pyproject.toml, the constraints or the extras change.
STAMP="$VENV/.installed-$( (cat "$ROOT/pyproject.toml" "$ROOT/scripts/constraints.txt"; echo "$EXTRAS") | sha256sum | cut -c1-16)"
if [ ! -f "$STAMP" ]; then
  echo "temdenoise: installing into $VENV (first use; torch==2.13.0 first)" >&2
  PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
  "${PIP[@]}" install torch==2.13.0
  "${PIP[@]}" install -c "$ROOT/scripts/constraints.txt" -e "$ROOT${EXTRAS:+[$EXTRAS]}"
  if [ "$EXTRAS" = "test" ]; then
    # Packages that ship real instrument files (MRC, DM3, EMD, HDF5) for the reader tests;
    # installed without their dependencies and never imported. Tests skip without them.
    "${PIP[@]}" install --no-deps -c "$ROOT/scripts/constraints.txt" etspy temul-toolkit holospy ||
      echo "temdenoise: could not install the real-file packages; those tests will skip" >&2
  fi
  touch "$STAMP"
fi

export PATH="$VENV/bin:$PATH"
