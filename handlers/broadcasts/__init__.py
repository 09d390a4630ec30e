"""Announcements (кулактандыруу / объявление): kvartalkom heads and municipal staff write a
notice, see the audience, send it now or at a time; residents receive it once, on the
channel they last used, and can answer "I saw it" / "I will come" or mute ordinary notices.

    audience.py   who may address which quarters; who receives a notice
    notice.py     checks on the text, and the message each resident gets
    orders.py     ordering, cancelling, listing; quiet hours
    expansion.py  a due broadcast → one outbox row per recipient, in one transaction
    progress.py   progress edited in place, and the final report
    runner.py     the idempotent tick that starts what is due and reports progress
    answers.py    residents' "I saw it" / "I will come", and muting
    flows/        the dialogs (compose, scheduled list, resident's notice settings)

Texts live in the gettext domain ``broadcasts``.
"""
