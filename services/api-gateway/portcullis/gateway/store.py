"""Compatibility: the decision store moved to `portcullis.gateway.decisions`."""

from portcullis.gateway.db import Base
from portcullis.gateway.decisions.models import DecisionRow
from portcullis.gateway.decisions.service import get_decision
from portcullis.gateway.decisions.writes import store_decisions

__all__ = ["Base", "DecisionRow", "get_decision", "store_decisions"]
