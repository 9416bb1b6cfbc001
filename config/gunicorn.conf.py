"""Gunicorn settings for production: `gunicorn -c config/gunicorn.conf.py app:app`.

Threads keep connections alive (Twilio and proxies reuse them) and overlap the short waits on
the database; several processes use both cores. Override any value with GUNICORN_CMD_ARGS.
"""

import os

bind = os.environ.get("EWN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("EWN_WEB_PROCESSES", "2"))
worker_class = "gthread"
threads = int(os.environ.get("EWN_WEB_THREADS", "8"))
keepalive = 30
# Twilio gives up after 15 s; answer or fail well before that.
timeout = 20
graceful_timeout = 20
# Never log request bodies or query strings: they could carry personal data.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
