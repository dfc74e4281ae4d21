"""Wire formats shared by the services: what travels over HTTP and Kafka."""

from portcullis.shared.schemas.decision import Decision, Lane, LaneOverride, Reason, ReasonKind, Stream
from portcullis.shared.schemas.declaration import Declaration, DeclarationItem

__all__ = ["Decision", "Declaration", "DeclarationItem", "Lane", "LaneOverride", "Reason", "ReasonKind", "Stream"]
