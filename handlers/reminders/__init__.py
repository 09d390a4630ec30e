"""The deadline watch and the morning digest: reminders before a request's legal deadline,
escalations to the head of the municipality, and each morning's summary.

    watch.py        remind the assignee (or the staff chat), escalate near and past the deadline
    escalation.py   do_escalate_to_head: also called when a resident says "not solved"
    digest.py       the morning digest for each department's staff chat and each head
    recipients.py   who is told, and in which language (a group chat reads both)
    runs.py         a per-period job runs at most once (job_runs)
    service.py      Reminders: one unit of work per step, called by the scheduler

Texts live in the ``reminders`` catalog (locales/reminders.cfg).
"""
