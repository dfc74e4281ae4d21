"""Random selection's draw lives in shared/ (the analytics service's backtests replay it); re-exported here."""

from portcullis.shared.random_selection import RandomSelector, is_randomly_selected

__all__ = ["RandomSelector", "is_randomly_selected"]
