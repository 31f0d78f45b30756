#!/usr/bin/env python3
"""Runs real client libraries (tweepy, twarc2, google-api-python-client)
against a running tvarit-sim and checks that they and the sim agree: every
check is the library's own call, pointed at the sim (see sim.py for how),
and prints one line. Exits non-zero if any check fails.

    real_clients.py http://127.0.0.1:PORT

It starts nothing. The sim must run with (tests/it/real_clients.rs does):

    tvarit-sim --listen 127.0.0.1:0 --rate 0 --keepalive-secs 1 \\
      --x-app-token app-token \\
      --x-oauth-client confidential-app:app-secret --x-oauth-client public-app \\
      --x-oauth1 ck:cs:42-token:ts \\
      --youtube-daily-quota 200

Install the pinned clients first: pip install -r requirements.txt."""

import logging
import os
import sys
import time
import traceback

import check_x_oauth
import check_x_reads
import check_x_stream
import check_x_write
import check_youtube
from context import Context

# The quota check spends the rest of the day's units: it goes last.
CHECKS = (
    check_x_reads.CHECKS
    + check_x_stream.CHECKS
    + check_x_write.CHECKS
    + check_x_oauth.CHECKS
    + check_youtube.CHECKS
)


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    # httplib2 (googleapiclient) reads proxies from the environment.
    local = "127.0.0.1,localhost"
    for name in ("NO_PROXY", "no_proxy"):
        os.environ[name] = ",".join(filter(None, [os.environ.get(name), local]))
    # tweepy warns on stderr about parameters it does not know, which one
    # check sends on purpose; errors still show.
    logging.basicConfig(level=logging.ERROR, format="  %(name)s: %(message)s")
    ctx = Context(argv[1])
    failed = 0
    for check in CHECKS:
        name = check.__doc__.strip().splitlines()[0]
        started = time.monotonic()
        try:
            detail = check(ctx)
        except Exception as e:  # noqa: BLE001 - every failure is reported, then the next check runs
            failed += 1
            where = traceback.extract_tb(e.__traceback__)[-1]
            print(f"FAIL {name}: {type(e).__name__}: {e} [{os.path.basename(where.filename)}:{where.lineno}]")
            continue
        ms = (time.monotonic() - started) * 1000
        print(f"ok   {name} ({ms:.0f} ms{'; ' + detail if detail else ''})")
        sys.stdout.flush()
    print(f"{len(CHECKS) - failed} of {len(CHECKS)} checks agree with the sim")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
