"""The initiative dialogs: groups (browse, join, leave), hearings (register, propose), and the
coordinator's desk (requests to join, a notice to the group)."""

from handlers.engine.flow import Flow, Step
from handlers.initiatives.flows import coordinator, groups, hearings

GROUPS_FLOW = Flow(name="groups", first="list", steps={
    "list": Step(groups.ask_list, groups.on_list),
    "group": Step(groups.ask_group, groups.on_group),
    "gender": Step(groups.ask_gender, groups.on_gender),
    "age": Step(groups.ask_age, groups.on_age),
})
HEARINGS_FLOW = Flow(name="hearings", first="list", steps={
    "list": Step(hearings.ask_list, hearings.on_list),
    "hearing": Step(hearings.ask_hearing, hearings.on_hearing),
    "speak_for": Step(hearings.ask_speak_for, hearings.on_speak_for),
    "proposal": Step(hearings.ask_proposal, hearings.on_proposal),
})
COORDINATOR_FLOW = Flow(name="coordinator", first="main", steps={
    "main": Step(coordinator.ask_main, coordinator.on_main),
    "pending": Step(coordinator.ask_pending, coordinator.on_pending),
    "notice_group": Step(coordinator.ask_notice_group, coordinator.on_notice_group),
    "notice_text": Step(coordinator.ask_notice_text, coordinator.on_notice_text),
})
