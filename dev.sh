#!/usr/bin/env bash
# convviz set-up and tasks. On a fresh Debian machine (as root, or with sudo) it installs what is missing:
# the system packages Manim needs, a virtual environment in .venv and the project with its test extra.
# Re-running is quick: nothing is installed twice.
#
#   ./dev.sh notes [convviz notes options]   regenerate the notes' images/ folder (output/images)
#   ./dev.sh test  [pytest options]          run the test suite
#   ./dev.sh setup                           only install
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(libcairo2-dev libpango1.0-dev pkg-config texlive-latex-base texlive-latex-extra
          texlive-fonts-recommended dvisvgm fonts-noto-cjk gifsicle python3-venv python3-dev
          chromium)   # chromium: the browser the deck tests drive (Playwright, executable_path)

ensure_system() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  # a Python that already has venv (e.g. pyenv) does not need Debian's python3-venv/python3-dev
  if python3 -c "import ensurepip, venv, sysconfig, os; assert os.path.exists(sysconfig.get_paths()['include'] + '/Python.h')" 2>/dev/null; then
    missing=("${missing[@]/python3-venv}"); missing=("${missing[@]/python3-dev}")
  fi
  local todo=()
  for p in "${missing[@]}"; do [ -n "$p" ] && todo+=("$p"); done
  if [ ${#todo[@]} -gt 0 ]; then
    echo "convviz: installing system packages: ${todo[*]}" >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${todo[@]}" >/dev/null
  fi
}

ensure_venv() {
  local stamp=.venv/.convviz-installed
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "convviz: installing the project into .venv" >&2
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e '.[test]'
    touch "$stamp"
  fi
}

task="${1:-}"
[ $# -gt 0 ] && shift
case "$task" in
  setup) ensure_system; ensure_venv ;;
  notes) ensure_system; ensure_venv; exec .venv/bin/convviz notes "$@" ;;
  test)  ensure_system; ensure_venv; exec .venv/bin/python -m pytest -q "$@" ;;
  *) echo "usage: ./dev.sh notes|test|setup [options]" >&2; exit 2 ;;
esac
