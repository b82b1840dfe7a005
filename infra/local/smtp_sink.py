"""Development SMTP sink: accepts every message and stores it as an ``.eml`` file.

Run as its own process (``python -m infra.local.smtp_sink --port 8025 --dir var/dev/mail``)
so that it can be started, found and stopped like the other embedded servers.

Each message is written to a hidden temporary file and then renamed to ``*.eml``, so a
reader globbing ``*.eml`` (a test, a developer looking for an invitation link) never sees a
half-written message. The SMTP envelope is prepended as ``X-Envelope-From`` /
``X-Envelope-To`` headers because Bcc recipients appear nowhere else.
"""
from __future__ import annotations

import argparse
import os
import signal
import threading
import time
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller


class EmlDirectoryHandler:
    """aiosmtpd handler that writes each accepted message into ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def handle_DATA(self, server, session, envelope) -> str:
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}"
        envelope_headers = (
            f"X-Envelope-From: {envelope.mail_from}\r\n"
            f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        content = envelope.original_content or b""
        tmp = self.directory / f".{name}.tmp"
        with open(tmp, "wb") as f:
            f.write(envelope_headers + content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.directory / f"{name}.eml")
        return "250 Message accepted for delivery"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", type=Path, required=True, help="where .eml files are written")
    args = parser.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    controller = Controller(EmlDirectoryHandler(args.dir), hostname=args.host, port=args.port, enable_SMTPUTF8=True)
    controller.start()  # returns once the port accepts connections (it checks itself)
    print(f"smtp sink listening on {args.host}:{args.port}, writing to {args.dir}", flush=True)
    try:
        stop.wait()
    finally:
        controller.stop()
        print("smtp sink stopped", flush=True)


if __name__ == "__main__":
    main()
