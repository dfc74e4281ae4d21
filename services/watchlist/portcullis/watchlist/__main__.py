"""Run watchlist: `python -m portcullis.watchlist` (settings from PORTCULLIS_WATCHLIST_* and PORTCULLIS_KAFKA_*)."""

from portcullis.shared.serve import serve
from portcullis.watchlist.app import create_app
from portcullis.watchlist.settings import WatchlistSettings

if __name__ == "__main__":
    serve(create_app, WatchlistSettings())
