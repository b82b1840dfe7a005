"""Empty the trash of documents trashed more than MAILLAGE_DOCUMENTS_TRASH_DAYS days ago
(30 by default) and forget uploads that never finished. The service does the same every
hour; this command does it now.

    python -m services.documents.purge
"""
from __future__ import annotations

import argparse
import sys

from maillage_shared.settings import SettingsError, get_settings

from .domain import documents, uploads
from .wiring import command_context


def main(argv: list[str] | None = None, settings=None) -> int:
    argparse.ArgumentParser(prog="python -m services.documents.purge", description=__doc__.splitlines()[0]).parse_args(argv)
    try:
        settings = settings or get_settings()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    ctx, close = command_context(settings)
    try:
        purged = documents.purge_trash(ctx)
        expired = uploads.expire_uploads(ctx)
    finally:
        close()
    print(f"{purged['documents']} document(s) purged, {purged['objects']} object(s) deleted, "
          f"{expired} unfinished upload(s) forgotten.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
