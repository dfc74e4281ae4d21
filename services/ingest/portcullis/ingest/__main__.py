"""Run ingest: `python -m portcullis.ingest` (settings from PORTCULLIS_INGEST_* and PORTCULLIS_KAFKA_*)."""

from portcullis.ingest.app import create_app
from portcullis.ingest.settings import IngestSettings
from portcullis.shared.serve import serve

if __name__ == "__main__":
    serve(create_app, IngestSettings())
