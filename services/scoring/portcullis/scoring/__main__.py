"""Run scoring: `python -m portcullis.scoring` (settings from PORTCULLIS_SCORING_* and PORTCULLIS_KAFKA_*)."""

from portcullis.scoring.app import create_app
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.serve import serve

if __name__ == "__main__":
    serve(create_app, ScoringSettings())
