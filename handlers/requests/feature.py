"""The requests feature, as the engine and the service see it."""

from handlers.engine.feature import CommandSpec, Feature, MenuEntry
from handlers.i18n import N_
from handlers.requests.flows import feedback, my_requests, request

FEATURE = Feature(
    name="requests",
    flows=(request.FLOW, my_requests.FLOW, feedback.FLOW),
    menu=(MenuEntry("request:new", N_("📝 Submit a request"), request.FLOW.ref()),
          MenuEntry("requests:mine", N_("📋 My requests"), my_requests.FLOW.ref())),
    commands=(CommandSpec(my_requests.FLOW.ref(), ("/my", "/requests")),),
    help=(N_("/my: my requests"),),
)
NEW_REQUEST = request.FLOW.ref()
"""Where a resident who has just registered goes: straight to the categories."""
DESCRIBED_AT_HOME = request.FLOW.ref("from_words")
"""Where a problem described at the main menu goes."""
