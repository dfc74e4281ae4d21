"""The integration fixtures (broker topics, service processes) for the end-to-end scrape test; the model comes
from tests/conftest.py, trained once per session."""

from tests.integration.conftest import http, kafka, services

__all__ = ["http", "kafka", "services"]
