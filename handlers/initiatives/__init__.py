"""Initiative groups (демилгелүү топ) and public hearings (коомдук угуу).

    groups.py         browse, join (the coordinator approves), leave; who coordinates what
    profile.py        optional gender and age group, for participation statistics only
    hearings.py       staff announce a hearing (through the announcements' machinery), record
                      attendance, check registered residents in, close it
    registrations.py  residents register ("I will come" under the notice, or from the menu)
    proposals.py      proposals before, during or after (kept, marked late) a hearing; outcomes
    report.py         the figures of a hearing, and across hearings and years
    reminders.py      the day-before reminder to registered residents (a scheduler job)
    notify.py         telling one person something in their language
    entries.py        the main menu entries
    flows/            the dialogs: groups, hearings and proposals, the coordinator's desk

Texts live in the gettext domain ``initiatives`` (locales/initiatives.cfg).
"""
