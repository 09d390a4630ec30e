"""The core's configuration as the service builds it: the features, and the real channel adapters' capabilities."""

from bot.channels import CAPABILITIES
from handlers.config import CoreConfig
from handlers.features import core_config as with_features


def core_config(**changes) -> CoreConfig:
    """``CoreConfig`` with the features and the capabilities the adapters in ``bot/`` declare (and any changes)."""
    return with_features(capabilities=CAPABILITIES, **changes)
