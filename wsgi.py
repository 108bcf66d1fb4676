"""The WSGI entry point: ``gunicorn --preload wsgi:app`` (the score cache is warmed once,
before the workers are forked; see IndexHandle.warm_now)."""

import gunicorn.http.wsgi

from search import create_app

# gunicorn names itself and its version in every response (Server: gunicorn/23.0.0): no banner.
gunicorn.http.wsgi.SERVER = "-"

app = create_app()
app.extensions["search_index"].warm_now()
