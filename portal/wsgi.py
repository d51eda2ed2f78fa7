import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

# Import every URLconf and view now, while the worker boots, not in its first request: on a loaded host that
# import took longer than gunicorn's --timeout, which aborted the request with an empty 500.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018 - loads the URLconf
