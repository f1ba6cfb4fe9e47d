"""ASGI entry point for servers: reads the configuration named by $FACADE_CONFIG.

Every uvicorn worker process imports this module, so logging is set up here too (a worker
does not inherit the parent's logging set-up), and so is the garbage collector (`gc_policy`).
"""

from facade import gc_policy
from facade.api.app import create_app
from facade.config import load_settings
from facade.observability.logs import configure_logging

configure_logging()
app = create_app(load_settings())
gc_policy.tune_for_serving()  # after the app is built: what exists now lives as long as the process
