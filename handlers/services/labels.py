"""Texts the resident's dialogs share across features (in the core catalog, ``messages``): a
feature with its own catalog uses these names, so each text lives in one catalog only."""

from handlers.i18n import N_, n_

CANCEL = N_("✖ Cancel")
DONE = N_("Done ▶")
SKIP = N_("Skip ▶")
CHOOSE_CATEGORY = N_("What is the problem about? Choose a category.")
DESCRIPTION = N_("Description: {text}")
ADDRESS = N_("Address: {address}")
PHONE = N_("Phone: {phone}")
ADDRESS_TOO_LONG = N_("The address is too long. Please write it shorter, up to {limit} characters.")
PHOTOS_ADDED = n_("{n} photo added.", "{n} photos added.")
