"""``flask --app app scrm worker`` that dies (exit 137, as under ``kill -9``) the first time it
has claimed rows of one queue and started none of them.

Run as a script by test_welcome_after_a_crash.py, with the project root on PYTHONPATH and the
queue's table as its argument (``inbound_event`` or ``outbound_delivery``). It installs the
crash at the claims' fault-injection point, in this process only, then runs the real worker
CLI. Just before dying it prints the ids it held, as one JSON line on stdout.
"""

from __future__ import annotations

import json
import os
import sys

from flask.cli import main

from scrm import fault_injection

#: The exit status of a process killed by SIGKILL (the OOM killer, ``kill -9``).
KILLED = 137


def _die_holding(table: str):
    def fault(**context: object) -> None:
        if context["table"] == table and context["ids"]:
            print(json.dumps({"table": table, "ids": context["ids"]}), flush=True)
            os._exit(KILLED)  # no cleanup, no commit, no release of the claims

    return fault


if __name__ == "__main__":
    fault_injection.install(fault_injection.ROWS_CLAIMED, _die_holding(sys.argv[1]))
    sys.argv = ["flask", "--app", "app", "scrm", "worker"]
    main()
