"""The scheduler (APScheduler 3): one per deployment, jobs kept in the database.

    host.py      SchedulerHost: holds the lease, runs APScheduler while it holds it
    lease.py     the ``scheduler_lease`` row: acquire, renew, take over when expired, release
    jobs.py      the jobs (module-level functions) and their triggers: add a job here
    registry.py  how a job function finds the running service (jobs are stored by reference)
"""
