"""The emergency numbers that are the same everywhere in Kyrgyzstan, shown before a municipality's own."""

from handlers.i18n import N_

NATIONAL_NUMBERS = (
    ("101", N_("Fire service")),
    ("102", N_("Police")),
    ("103", N_("Ambulance")),
    ("104", N_("Gas emergency service")),
)
