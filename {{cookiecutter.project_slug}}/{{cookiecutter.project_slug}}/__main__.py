{% from "variant.jinja" import slug with context %}
"""Serve the app on HOST:PORT with WEB_CONCURRENCY worker processes: ``python -m`` this package.

Behind a load balancer: FORWARDED_ALLOW_IPS names the proxies trusted to say who the client
is; on SIGTERM the requests in flight get SHUTDOWN_TIMEOUT seconds to finish.

Unlike the ``uvicorn`` command, this logs through the app's configuration in every process,
the one that supervises several workers included (so all lines are JSON with LOG_FORMAT=json).
"""

import uvicorn

from .config import get_settings
from .observability import logging_config


def main() -> None:
    settings = get_settings()
    uvicorn.run(
        "{{ slug }}.main:app",
        host=settings.host,
        port=settings.port,
        workers=settings.web_concurrency,
        # Client addresses and schemes from the trusted proxies' X-Forwarded-* headers.
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        timeout_graceful_shutdown=settings.shutdown_timeout,
        log_config=logging_config(settings),
        access_log=False,  # the app writes its own access line, with the request id
    )


if __name__ == "__main__":
    main()
