"""The request loop shared by the benchmark's Python peers: one JSON request a line on stdin,
one JSON reply a line on stdout, errors returned to the caller instead of ending the process."""

import json
import sys
import traceback


def serve(handlers):
    """Answers requests `{"cmd": name, ...}` with `handlers[name](request)` until stdin closes."""
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            reply = handlers[req["cmd"]](req)
        except Exception as err:  # reported to the caller, which records the run as failed
            reply = {"error": f"{type(err).__name__}: {err}", "trace": traceback.format_exc()}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
