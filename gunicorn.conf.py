"""The server `make run` starts (gunicorn reads this file from the working directory).

Threads in a few processes: most requests wait on the database or the disk. PORT, WEB_WORKERS
and WEB_THREADS size it. The access log leaves out query strings, which may carry what a user
searched for (a name, a mobile number)."""

import os

wsgi_app = "ciic.wsgi:application"
bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
# Long enough for a version's PDF or an Excel export; uploads are streamed in chunks (tus).
timeout = 120
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
# No gunicornc: nothing uses it, and two servers on one machine would share its socket path.
control_socket_disable = True
