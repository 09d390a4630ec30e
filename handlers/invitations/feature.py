"""Staff invitations, as the engine sees them: an aside that takes an invitation's code."""

from handlers.engine.feature import Aside, Feature
from handlers.invitations.aside import take_invitation

FEATURE = Feature(name="invitations", provides=(Aside(take_invitation, before_onboarding=True),))
