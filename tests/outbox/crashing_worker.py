"""``flask --app app scrm worker --once`` that dies (exit 137) right after WeCom accepted a send
and before the row is marked sent, as a power cut would.

Run as a script by test_crash.py (with the project root on PYTHONPATH): it installs the crash
at the outbox's fault-injection point, in this process only, then runs the real worker CLI.
"""

from __future__ import annotations

import os
import sys

from flask.cli import main

from scrm import fault_injection

#: The exit status of a process killed by SIGKILL (the OOM killer, ``kill -9``).
KILLED = 137


def _power_cut(**_context: object) -> None:
    os._exit(KILLED)  # no cleanup, no commit, no atexit: the process is simply gone


if __name__ == "__main__":
    fault_injection.install(fault_injection.OUTBOX_AFTER_SEND, _power_cut)
    sys.argv = ["flask", "--app", "app", "scrm", "worker", "--once"]
    main()
