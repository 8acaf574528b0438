"""Peta Stunting: `streamlit run app.py`. Opens on the map; builds the demo store on a first run.

The app is ui/app_shell.py's ``run``, called only under the name Streamlit gives its script's
runs, "__main__". A process started with ``spawn`` (the map builder, ui/builder_process.py) imports
the main module of the thread that started it again, as "__mp_main__": a page run's is this file,
which then ran the whole app there in bare mode, its page included, and the app's modules logged a
warning each before the builder could quiet its logging.
"""

if __name__ == "__main__":
    from ui.app_shell import run

    run()
