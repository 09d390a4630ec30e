"""Domain errors.

KairylError
 ├── NotFound            a row asked for does not exist (or is not visible to the asker)
 ├── NotAllowed          the actor lacks the role for the action
 ├── InvalidInput        input a person can fix (too long, empty, out of range)
 └── ConfigurationError  the deployment is set up wrong (no municipality, no category)
"""


class KairylError(Exception):
    """Base of all domain errors."""


class NotFound(KairylError):
    pass


class NotAllowed(KairylError):
    pass


class InvalidInput(KairylError):
    pass


class ConfigurationError(KairylError):
    pass
