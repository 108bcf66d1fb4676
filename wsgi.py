"""The WSGI entry point: ``gunicorn --preload wsgi:app`` (the score cache is warmed once,
before the workers are forked; see IndexHandle.warm_now)."""

from search import create_app

app = create_app()
app.extensions["search_index"].warm_now()
