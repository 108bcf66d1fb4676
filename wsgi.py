"""The WSGI entry point: ``gunicorn wsgi:app``."""

import gunicorn.http.wsgi

from search import create_app, prepare

# gunicorn names itself and its version in every response (Server: gunicorn/23.0.0): no banner.
gunicorn.http.wsgi.SERVER = "-"

app = create_app()
prepare(app)  # templates compiled, jieba and the generation loaded: a worker's first search is like the rest
app.extensions["exports"].server.fork_from(app)  # the export server, sharing all that with the workers
