#!/usr/bin/env python3
"""A real SMTP server for the tests: Debian's aiosmtpd, keeping every message it is given.

    smtp-sink.py PORT DIR

Listens on 127.0.0.1:PORT and writes each message it accepts to DIR as NNNNNN.eml (written
whole, then renamed), with one `X-Envelope-To:` line per recipient before the message itself.
Prints "ready" once it accepts connections. Stops on SIGTERM or SIGINT.

Installed by scripts/setup.sh --test (apt: python3-aiosmtpd).
"""
import itertools
import os
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, folder):
        self.folder = folder
        self.numbers = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            number = next(self.numbers)
        name = os.path.join(self.folder, f"{number:06d}.eml")
        partial = name + ".partial"
        head = b"".join(b"X-Envelope-To: " + to.encode() + b"\r\n" for to in envelope.rcpt_tos)
        with open(partial, "wb") as out:
            out.write(head + envelope.original_content)
        os.rename(partial, name)
        return "250 Message accepted for delivery"


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    port, folder = int(sys.argv[1]), sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    controller = Controller(Keep(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
