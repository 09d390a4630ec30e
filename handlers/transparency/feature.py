"""Transparency, as the engine and the service see it: the admin commands for Open311 clients and
what a municipality publishes (the public page and the API are mounted by ``public/``)."""

from handlers.engine.feature import Feature
from handlers.transparency import models  # noqa: F401  (its tables join the metadata with the feature)
from handlers.transparency.admin import ADMIN_COMMANDS

FEATURE = Feature(
    name="transparency",
    admin=ADMIN_COMMANDS,
)
