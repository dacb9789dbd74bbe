"""The background jobs' consumer for production, a process of its own next
to the web server (wsgi.py serves the web only):

    huey_consumer jobs_worker.huey -w 2 -k thread

It runs large imports and .xlsx exports (villageaid/jobs.py) and, every
hour, the cleanup of old previews and job files. Both processes must read
the same configuration (DATABASE_URL, VILLAGEAID_JOBS_URL, the instance
folder or VILLAGEAID_JOBS_FOLDER)."""
from app import create_app
from villageaid import jobs

app = create_app()
huey = jobs.queue(app)
