"""Start one or more Nameko services: ``python -m maillage_shared.runner pkg.module:Class``.

Our own launcher instead of the ``nameko`` CLI: settings are validated before anything
starts, logs are JSON, and SIGTERM stops the services gracefully.
"""
import eventlet

eventlet.monkey_patch()  # noqa: E402 - must happen before anything else imports socket

import errno  # noqa: E402
import importlib  # noqa: E402
import logging  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402

from nameko.runners import ServiceRunner  # noqa: E402

from .logs import configure_logging  # noqa: E402
from .settings import SettingsError, get_settings  # noqa: E402

log = logging.getLogger("maillage.runner")


def load_service(path: str):
    module_name, _, class_name = path.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, class_name)


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m maillage_shared.runner package.module:ServiceClass [...]", file=sys.stderr)
        return 2
    try:
        settings = get_settings()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    services = [load_service(path) for path in argv]
    configure_logging("+".join(s.name for s in services), settings.log_level)
    config = settings.nameko_config()
    config["MAILLAGE_SETTINGS"] = settings
    runner = ServiceRunner(config)
    for service in services:
        runner.add_service(service)

    def shutdown(signum, frame):
        eventlet.spawn_n(runner.stop)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    runner.start()
    log.info("services started", extra={"services": [s.name for s in services]})
    waiter = eventlet.spawn(runner.wait)
    while True:
        try:
            waiter.wait()
        except OSError as exc:
            if exc.errno == errno.EINTR:
                continue
            raise
        except KeyboardInterrupt:
            try:
                runner.stop()
            except KeyboardInterrupt:
                runner.kill()
        else:
            break
    log.info("services stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
