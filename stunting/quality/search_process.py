"""The duplicate search's own process: ``python -m stunting.quality.search_process``.

stunting/quality/imported.py starts it (before the search is due, so that its imports overlap the
reading) and writes one request to its stdin, pickled: the import's Spill (with its key: in the pipe,
never on disk) and where the chunks' parts lie. It answers on stdout, pickled: ("ok", (pairs, scopes,
nik)) or ("error", exception); row numbers and counts, never a name. Anything else written to the
standard output while it runs (a library's progress bar) goes to stderr, so the answer stays whole.
A process of its own, started as a module rather than through multiprocessing's spawn or
forkserver, so that the importing program's main script is never run again in it (a script
without ``if __name__ == "__main__"`` would otherwise import again from the child).
"""

from __future__ import annotations

import os
import pickle
import sys


def main() -> int:
    answer = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints go to stderr: stdout carries only the answer
    from stunting.quality import imported  # the heavy imports, while the import still reads

    try:
        spill, chunks = pickle.load(sys.stdin.buffer)
    except EOFError:  # the import ended before its search was due: nothing to do
        return 0
    try:
        reply = ("ok", imported._search(spill, chunks))
    except BaseException as error:  # noqa: BLE001 - handed back to the import, which raises it
        reply = ("error", error)
    try:
        payload = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as error:  # noqa: BLE001 - an exception that does not pickle: its text
        payload = pickle.dumps(("error", RuntimeError(f"duplicate search failed: {error!r}")))
    answer.write(payload)
    answer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
