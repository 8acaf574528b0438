"""The duplicate search's own process: ``python -m stunting.quality.search_process``.

stunting/quality/imported.py starts it (before the search is due, so that its imports overlap the
reading) and streams to its stdin (imported._Stream, imported.serve): the import's Spill (with its key:
in the pipe, never on disk), each chunk's identities as the import stages it (Arrow IPC), which this
process buckets and seals into the spill folder while the import reads on, then the search's request
(where the chunks sealed elsewhere, on Dask workers, lie). It answers on stdout, pickled: ("ok",
(pairs, scopes, nik)) or ("error", exception); row numbers and counts, never a name. Anything else
written to the standard output while it runs (a library's progress bar) goes to stderr, so the answer
stays whole.
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
        found = imported.serve(sys.stdin.buffer)
        if found is None:  # the stream ended without a request: no answer is awaited
            return 0
        reply = ("ok", found[0])
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
