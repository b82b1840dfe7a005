"""Reconcile the documents bucket with the documents database, both ways, and report.

    python -m services.documents.reconcile            # report only (exit 1 if anything is wrong)
    python -m services.documents.reconcile --repair   # and repair what can be repaired
    python -m services.documents.reconcile --verify   # also re-hash every stored content
    python -m services.documents.reconcile --json     # one JSON object per finding

Settings come from the ``MAILLAGE_*`` environment, like the services. Safe to run while the
platform runs: objects younger than an hour are left alone (an upload may be filing them),
and every deletion re-checks, under the content's lock, that nothing uses the object.
"""
from __future__ import annotations

import argparse
import json
import sys

from maillage_shared.settings import SettingsError, get_settings

from .domain.reconcile import reconcile
from .wiring import command_context


def main(argv: list[str] | None = None, settings=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.documents.reconcile",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--repair", action="store_true", help="repair what can be repaired")
    parser.add_argument("--verify", action="store_true", help="read every content back and check its SHA-256")
    parser.add_argument("--json", action="store_true", help="print each finding as a JSON object")
    args = parser.parse_args(argv)
    try:
        settings = settings or get_settings()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    ctx, close = command_context(settings)
    try:
        findings = reconcile(ctx, repair=args.repair, verify=args.verify)
    finally:
        close()
    for finding in findings:
        if args.json:
            print(json.dumps(finding.as_dict(), ensure_ascii=False))
        else:
            state = f"repaired: {finding.action}" if finding.repaired else "not repaired"
            print(f"{finding.kind:<24} {finding.key}\n    {finding.detail} ({state})")
    if not args.json:
        left = sum(1 for f in findings if not f.repaired)
        print(f"{len(findings)} finding(s), {left} left to repair." if findings
              else "The store and the metadata agree.")
    return 1 if any(not f.repaired for f in findings) else 0


if __name__ == "__main__":
    sys.exit(main())
