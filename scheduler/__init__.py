"""The scheduler (APScheduler 3): one per deployment, jobs kept in the database.

    host.py      SchedulerHost: holds the lease, runs APScheduler while it holds it
    lease.py     the ``scheduler_lease`` row: acquire, renew, take over when expired, release
    jobs.py      the features' jobs (handlers.engine.feature.ScheduledJob) as stored APScheduler jobs
"""
