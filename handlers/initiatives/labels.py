"""Labels the initiative dialogs share."""

from handlers.i18n import N_

BACK_LABEL = N_("◀ All groups")
HEARINGS_LABEL = N_("◀ All hearings")
