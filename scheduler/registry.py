"""The services the running scheduler's jobs call, by name.

Jobs are stored in the database by reference (``scheduler.jobs:watch_deadlines``), so
they cannot carry the service they call; the host that holds the scheduler lease
installs its services here, and a job looks its service up when it runs.
"""

from typing import Any

_installed: dict[str, Any] = {}


def install(services: dict[str, Any]) -> None:
    _installed.clear()
    _installed.update(services)


def uninstall(services: dict[str, Any]) -> None:
    """Removes the services if they are still the installed ones (another host may have replaced them)."""
    if all(_installed.get(name) is service for name, service in services.items()):
        _installed.clear()


def running(name: str) -> Any:
    try:
        return _installed[name]
    except KeyError:
        raise LookupError(f"no running service {name!r}: is this process the scheduler lease holder?") from None
