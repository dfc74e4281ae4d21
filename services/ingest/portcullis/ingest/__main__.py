"""Run ingest: `python -m portcullis.ingest` (settings from PORTCULLIS_INGEST_* and PORTCULLIS_KAFKA_*)."""

import uvicorn
from portcullis.ingest.app import create_app
from portcullis.ingest.settings import IngestSettings
from portcullis.shared.logging import configure_logging


def main() -> None:
    """Serve ingest with uvicorn."""
    settings = IngestSettings()
    configure_logging(settings.log_level)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
