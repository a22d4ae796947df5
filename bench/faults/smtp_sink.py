#!/usr/bin/env python3
"""A small SMTP sink for the fault scripts: accepts every message and records its Message-ID.

    smtp_sink.py --port 2525 --log received.txt [--delay 0.2]

Each accepted message appends one line (its Message-ID) to --log, flushed and fsynced *before*
the server answers 250, so a line exists for every message the sender was told was accepted.
lost = expected - distinct lines; duplicated = lines - distinct lines.
--delay makes the sink slow (seconds to wait before answering DATA), to widen delivery runs.
A sender that goes away during that wait cancels the transaction (aiosmtpd cancels the handler on
EOF), so nothing is recorded for it: the recorded line and the 250 go out together, and what can
still double a message is only a sender dying between reading the 250 and noting the email sent.
Needs aiosmtpd (pinned: aiosmtpd==1.4.6; bench/faults/lib.sh installs it into a venv).
"""
import argparse
import asyncio
import os
import signal
from email.parser import BytesHeaderParser

from aiosmtpd.controller import Controller


class Recorder:
    def __init__(self, log_path: str, delay: float):
        self.log = open(log_path, "a", encoding="utf-8")
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        message_id = (headers.get("Message-ID") or "").strip() or "<missing>"
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        self.log.write(message_id + "\n")
        self.log.flush()
        os.fsync(self.log.fileno())
        return "250 Message accepted"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    controller = Controller(
        Recorder(args.log, args.delay), hostname="127.0.0.1", port=args.port, ready_timeout=10
    )
    controller.start()
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"smtp sink listening on 127.0.0.1:{args.port}, recording to {args.log}", flush=True)
    loop.run_until_complete(stop.wait())
    controller.stop()


if __name__ == "__main__":
    main()
