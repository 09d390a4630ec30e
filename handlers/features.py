"""The features this service runs: the one list the engine, the menu, /help and main.py read.

A new feature is one package that exports a ``Feature`` (``handlers/<name>/feature.py``), and
here its import and its entry in ``FEATURES``. The order is the order of the main menu and of /help.
"""

from typing import Any

from handlers.broadcasts.feature import FEATURE as BROADCASTS
from handlers.config import CoreConfig
from handlers.engine.feature import FeatureSet
from handlers.engine.menu import HOME, MAIN
from handlers.initiatives.feature import FEATURE as INITIATIVES
from handlers.invitations.feature import FEATURE as INVITATIONS
from handlers.legal.feature import FEATURE as LEGAL
from handlers.neighbours.feature import FEATURE as NEIGHBOURS
from handlers.numbers.feature import FEATURE as NUMBERS
from handlers.reminders.feature import FEATURE as REMINDERS
from handlers.requests.feature import DESCRIBED_AT_HOME, NEW_REQUEST
from handlers.requests.feature import FEATURE as REQUESTS
from handlers.residents.feature import FEATURE as RESIDENTS
from handlers.residents.onboarding import FLOW as ONBOARDING
from handlers.transparency.feature import FEATURE as TRANSPARENCY

FEATURES = (
    REQUESTS,
    RESIDENTS,
    HOME,
    INITIATIVES,
    BROADCASTS,
    LEGAL,
    REMINDERS,
    TRANSPARENCY,
    NUMBERS,
    INVITATIONS,
    NEIGHBOURS,
)

FEATURE_SET = FeatureSet(FEATURES, onboarding=ONBOARDING.ref(), home=MAIN, first_task=NEW_REQUEST,
                         words_at_home=DESCRIBED_AT_HOME)


def core_config(**values: Any) -> CoreConfig:
    """The core's configuration with these features; ``values`` as in ``CoreConfig``."""
    return CoreConfig(features=FEATURE_SET, **values)
