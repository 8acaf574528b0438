"""``python -m stunting serve --processes N``: the app in N processes behind one sticky address."""

from __future__ import annotations

import argparse

from stunting.cli import add_data_dir


def register(commands) -> None:
    parser = commands.add_parser(
        "serve",
        help="run the dashboard in several processes behind one address (more people at once)",
        description="Start N `streamlit run app.py` processes on free loopback ports, all on the same "
        "data folder, and a reverse proxy on the app's address that keeps each browser session on "
        "one process (a cookie). One process answers about 5 map reruns a second on one core: use "
        "one process per free core (docs/scale.md, 'Many people at once').",
    )
    add_data_dir(parser)
    parser.add_argument("--processes", type=int, default=2, help="streamlit processes (default 2)")
    parser.add_argument("--port", type=int, default=8501, help="the proxy's port (default 8501)")
    parser.add_argument(
        "--address",
        default=None,
        help="the proxy's address (default: server.address of .streamlit/config.toml, 127.0.0.1)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from stunting.serve import serve
    from ui.assets import ensure_leaflet

    ensure_leaflet()  # before the backends start: each serves Leaflet from static/
    serve(args.processes, args.port, args.address, args.data_dir)
    return 0
