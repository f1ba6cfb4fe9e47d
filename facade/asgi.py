"""ASGI entry point for servers: reads the configuration named by $FACADE_CONFIG."""

from facade.api.app import create_app
from facade.config import load_settings

app = create_app(load_settings())
