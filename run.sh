#!/usr/bin/env bash
# The two commands of the README. Each sets itself up on a fresh machine (virtual environment in
# .venv, pinned installs) and re-installs only when a requirements file changed.
#   ./run.sh app    run the dashboard on http://127.0.0.1:8501 (builds the demo data on first run)
#   ./run.sh test   run the whole test suite
set -euo pipefail
cd "$(dirname "$0")"

VENV=.venv
PYTHON=${PYTHON:-python3}

install() {  # install requirements file $1 once per content
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    local stamp="$VENV/.installed-$1-$(sha256sum requirements*.txt | sha256sum | cut -c1-16)"
    if [ ! -f "$stamp" ]; then
        # Said out loud: a first install is silent for a minute or more otherwise.
        echo "Installing the pinned packages of $1 into $VENV (first run, or $1 changed):" \
             "about 1 minute with a fast package mirror, longer on a slow line..." >&2
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$1"
        touch "$stamp"
        echo "Installed." >&2
    fi
}

case "${1:-}" in
    app)
        install requirements.txt
        shift
        # Leaflet into static/ before streamlit starts: it warns "no static folder found" otherwise.
        "$VENV/bin/python" -c "from ui.assets import ensure_leaflet; ensure_leaflet()"
        echo "Starting Peta Stunting (default address http://127.0.0.1:8501) ..." >&2
        exec "$VENV/bin/python" -m streamlit run app.py "$@"
        ;;
    test)
        install requirements-dev.txt
        shift
        # --max-worker-restart=0: a test that takes its worker process down fails the run at once,
        # naming the test; with a restart, pytest-xdist 3.8's loadfile scheduling can wait forever
        # (pytest-xdist issue #784).
        exec "$VENV/bin/python" -m pytest -n 2 --dist loadfile --max-worker-restart=0 "$@"
        ;;
    *)
        echo "usage: ./run.sh app | test [pytest args]" >&2
        exit 2
        ;;
esac
