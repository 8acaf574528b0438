"""The map builder process's start (ui/builder_process.py), in a module of its own.

The worker imports its initializer's module before calling it. Were that ui/builder_process.py, its
imports (ui.run_gate, stunting.app_cache and their st.cache_data functions) would log "No runtime
found" and "missing ScriptRunContext" a few dozen times into the server's log before the logging
was quieted. This module imports nothing of the app.
"""

from __future__ import annotations


def quiet() -> None:
    """Streamlit's loggers at "error" in this process: outside a server every st.cache_data call
    logs "No runtime found, using MemoryCacheStorageManager" (the caches then live in this
    process's memory, as wanted), and every read of session state that it does not function."""
    # Streamlit reads its config files on first use and sets its loggers' level from them again:
    # read them first.
    from streamlit import config as streamlit_config
    from streamlit import logger

    streamlit_config.get_option("logger.level")
    logger.set_log_level("error")
