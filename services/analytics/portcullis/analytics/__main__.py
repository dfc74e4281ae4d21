"""Run analytics: `python -m portcullis.analytics` (settings from PORTCULLIS_ANALYTICS_* and PORTCULLIS_KAFKA_*)."""

from portcullis.analytics.app import create_app
from portcullis.analytics.settings import AnalyticsSettings
from portcullis.shared.serve import serve

if __name__ == "__main__":
    serve(create_app, AnalyticsSettings())
