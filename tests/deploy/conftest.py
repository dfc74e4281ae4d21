"""The integration fixtures (broker topics, model registry, service processes) for the end-to-end scrape test."""

from tests.integration.conftest import http, kafka, model_registry, sample_declarations, services

__all__ = ["http", "kafka", "model_registry", "sample_declarations", "services"]
