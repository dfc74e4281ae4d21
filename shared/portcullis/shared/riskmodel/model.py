"""The scoring side: a loaded model artifact that assesses batches of declarations."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from portcullis.shared.logging import get_logger
from portcullis.shared.riskmodel.explain import ReasonParts, as_reasons, top_reasons
from portcullis.shared.riskmodel.features import FeatureSpec, FeatureStats, build_features
from portcullis.shared.riskmodel.frame import HEADER_TEXT_COLUMNS, ITEM_TEXT_COLUMNS
from portcullis.shared.riskmodel.lanes import LaneThresholds
from portcullis.shared.riskmodel.pathcontrib import PathContributions
from portcullis.shared.riskmodel.serving import (
    DeclarationEncoder,
    EncodedBatch,
    header_value,
    item_key,
)
from portcullis.shared.schemas import Declaration, DeclarationItem, Lane, Reason

log = get_logger(__name__)

MODEL_FILE = "model.txt"
FEATURES_FILE = "features.json"
STATS_FILE = "stats.json"
LANES_FILE = "lanes.json"
CARD_FILE = "model_card.json"
ARTIFACT_FILES = (MODEL_FILE, FEATURES_FILE, STATS_FILE, LANES_FILE, CARD_FILE)

#: Threads per predict call: scoring scales out by replicas and Kafka partitions, and one thread per
#: batch of ~1000 rows avoids OpenMP spin-waiting on busy machines.
PREDICT_THREADS = 1

_LANE_ORDER = {lane: lane.strictness for lane in Lane}


class ArtifactError(ValueError):
    """A model artifact directory is missing files or is inconsistent."""


@dataclass(frozen=True)
class ModelAssessment:
    """The model's view of one declaration: score (max over items), lane and the top item's reasons."""

    declaration_id: str
    score: float
    lane: Lane
    reasons: list[Reason] = field(default_factory=list)
    #: Position of the highest-scoring item in the declaration (the one the reasons describe).
    item_index: int = 0


@dataclass
class ScoredBatch:
    """A batch of declarations scored by one model: what `RiskModel.explain` needs to give reasons later."""

    encoded: EncodedBatch
    #: Fraud probability of every goods item (matrix row order).
    item_scores: np.ndarray
    #: Declaration score: the maximum over its items.
    scores: np.ndarray
    #: Matrix row of each declaration's highest-scoring item (the first one on ties).
    top_rows: np.ndarray
    #: Each item's leaf in every tree (`PathContributions.leaves`), when the scores were computed from them.
    leaves: np.ndarray | None = None

    def item_index(self, position: int) -> int:
        """Position, inside its declaration, of the item that the declaration's reasons describe."""
        return int(self.top_rows[position] - self.encoded.starts[position])


@dataclass
class RiskModel:
    """A trained risk model with its feature statistics, lane thresholds and model card."""

    booster: lgb.Booster
    spec: FeatureSpec
    stats: FeatureStats
    thresholds: LaneThresholds
    card: dict[str, Any]
    #: Reasons from exact TreeSHAP (slow) instead of the tabulated tree paths (fast, the default).
    exact_reasons: bool = False
    _paths: PathContributions = field(init=False, repr=False, compare=False)
    _encoder: DeclarationEncoder = field(init=False, repr=False, compare=False)
    _feature_names: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._feature_names = tuple(self.booster.feature_name())
        self._paths = PathContributions(self.booster)
        self._encoder = DeclarationEncoder(self.stats, self.spec, self._feature_names)

    @property
    def version(self) -> str:
        """The artifact's unique, readable version string."""
        return str(self.card["version"])

    @property
    def reference_quantiles(self) -> tuple[float, ...]:
        """1001 quantiles of the reference (validation) score distribution, for drift (PSI) monitoring."""
        return self.thresholds.quantiles

    @property
    def feature_names(self) -> list[str]:
        """The model's features, in matrix order."""
        return list(self._feature_names)

    def features(self, items: pd.DataFrame) -> pd.DataFrame:
        """The feature matrix for an item frame."""
        return build_features(items, self.stats, self.spec)[self.feature_names]

    def score_items(self, items: pd.DataFrame) -> np.ndarray:
        """Fraud probability of each item of an item frame (one vectorised predict)."""
        if len(items) == 0:
            return np.zeros(0)
        return self._predict(self.features(items))

    def _predict(self, features: pd.DataFrame | np.ndarray) -> np.ndarray:
        return np.asarray(self.booster.predict(features, num_threads=PREDICT_THREADS), dtype=np.float64)

    def contributions(self, features: pd.DataFrame | np.ndarray, exact: bool | None = None) -> np.ndarray:
        """Per-feature contributions (log-odds) plus the bias as the last column; they sum to the raw score.

        `exact=True` gives TreeSHAP (`pred_contrib`), otherwise tree-path attribution, ~25x cheaper.
        """
        if exact if exact is not None else self.exact_reasons:
            contributions = self.booster.predict(features, pred_contrib=True, num_threads=PREDICT_THREADS)
            return np.asarray(contributions, dtype=np.float64)
        return self._paths(self.booster, features, num_threads=PREDICT_THREADS)

    def score_declarations(self, declarations: Sequence[Declaration]) -> ScoredBatch:
        """Score a batch: one feature matrix (no pandas) and one predict call; no lanes, no reasons."""
        encoded = self._encoder.encode(declarations)
        leaves: np.ndarray | None = None
        if not len(encoded.items):
            item_scores = np.zeros(0)
        elif self._paths.sigmoid is not None:
            # One walk down the trees: the leaves give the scores, and later the explained items' contributions.
            leaves = self._paths.leaves(self.booster, encoded.matrix, num_threads=PREDICT_THREADS)
            item_scores = self._paths.probabilities(leaves)
        else:
            item_scores = self._predict(encoded.matrix)
        if len(encoded.items) == len(declarations):  # one item each: the common case
            return ScoredBatch(encoded, item_scores, item_scores, np.arange(len(declarations)), leaves)
        scores = np.maximum.reduceat(item_scores, encoded.starts) if len(declarations) else np.zeros(0)
        top_rows = encoded.starts.copy()
        for position in np.flatnonzero(encoded.counts > 1):
            start, count = int(encoded.starts[position]), int(encoded.counts[position])
            top_rows[position] = start + int(np.argmax(item_scores[start : start + count]))
        return ScoredBatch(encoded, item_scores, scores, top_rows, leaves)

    def explain(self, batch: ScoredBatch, positions: Sequence[int]) -> list[list[ReasonParts]]:
        """Model reasons (code, sentence, weight) of the declarations at `positions`, from their top item."""
        if not len(positions):
            return []
        rows = batch.top_rows[np.asarray(positions, dtype=np.int64)]
        values = batch.encoded.matrix[rows]
        encoded = batch.encoded
        records = [_ItemFields(encoded.owners[row], encoded.items[row]) for row in rows.tolist()]
        used = set(self.spec.encoded_keys())

        def history(name: str, number: int) -> tuple[float, float] | None:
            return self._encoder.history(name, item_key(name, records[number])) if name in used else None

        if batch.leaves is not None and not self.exact_reasons:
            contributions = self._paths.from_leaves(batch.leaves[rows])
        else:
            contributions = self.contributions(values)
        return top_reasons(records, values, contributions, self.feature_names, history)

    def assess(
        self,
        declarations: Sequence[Declaration],
        explain_min_lane: Lane | None = Lane.YELLOW,
        thresholds: LaneThresholds | None = None,
    ) -> list[ModelAssessment]:
        """Score, lane and (for lanes at or above `explain_min_lane`) reasons for each declaration.

        `explain_min_lane=None` explains nothing; `thresholds` overrides the artifact's lane thresholds
        (a deployment's own lane rates).
        """
        if not declarations:
            return []
        batch = self.score_declarations(declarations)
        lanes = (thresholds or self.thresholds).lanes_for(batch.scores)
        threshold = _LANE_ORDER[explain_min_lane] if explain_min_lane is not None else len(_LANE_ORDER)
        to_explain = [i for i, lane in enumerate(lanes) if _LANE_ORDER[lane] >= threshold]
        reasons = dict(zip(to_explain, self.explain(batch, to_explain), strict=True))
        return [
            ModelAssessment(
                declaration_id=declaration.declaration_id,
                score=float(batch.scores[i]),
                lane=lanes[i],
                reasons=as_reasons(reasons.get(i, [])),
                item_index=batch.item_index(i),
            )
            for i, declaration in enumerate(declarations)
        ]

    def with_rates(self, red_rate: float, yellow_rate: float) -> RiskModel:
        """The same model with lane thresholds recomputed for other inspection capacities."""
        return RiskModel(
            self.booster,
            self.spec,
            self.stats,
            self.thresholds.with_rates(red_rate, yellow_rate),
            self.card,
            self.exact_reasons,
        )

    def save(self, directory: Path) -> Path:
        """Write the artifact directory (model text, feature spec, statistics, lanes, model card)."""
        directory.mkdir(parents=True, exist_ok=True)
        self.booster.save_model(str(directory / MODEL_FILE))
        _write_json(
            directory / FEATURES_FILE,
            {
                "spec": self.spec.to_json(),
                "feature_names": self.feature_names,
                "categorical_features": self.spec.categorical_features(),
            },
        )
        _write_json(directory / STATS_FILE, self.stats.to_json())
        _write_json(
            directory / LANES_FILE,
            {**self.thresholds.to_json(), "reference_quantiles": list(self.thresholds.quantiles)},
        )
        _write_json(directory / CARD_FILE, self.card, indent=2)
        return directory


class _ItemFields(Mapping[str, Any]):
    """One item's fields as the item frame names them (what the reason sentences read), each read when asked: a
    sentence reads two or three of them."""

    __slots__ = ("_declaration", "_item")

    def __init__(self, declaration: Declaration, item: DeclarationItem) -> None:
        self._declaration = declaration
        self._item = item

    def __getitem__(self, column: str) -> Any:
        if column in _ITEM_TEXT:
            return getattr(self._item, column)
        if column in _ITEM_NUMBERS:
            return float(getattr(self._item, column))
        if column in _HEADER_TEXT:
            return header_value(self._declaration, column)
        raise KeyError(column)

    def __iter__(self) -> Iterator[str]:
        return iter(_FIELDS)

    def __len__(self) -> int:
        return len(_FIELDS)


_HEADER_TEXT = frozenset(HEADER_TEXT_COLUMNS)
_ITEM_TEXT = frozenset(ITEM_TEXT_COLUMNS)
_ITEM_NUMBERS = frozenset(("tax_rate", "net_mass_kg", "item_price"))
_FIELDS = (*HEADER_TEXT_COLUMNS, *ITEM_TEXT_COLUMNS, "tax_rate", "net_mass_kg", "item_price")


def load_model(path: Path | str) -> RiskModel:
    """Load a model artifact directory."""
    directory = Path(path)
    missing = [name for name in ARTIFACT_FILES if not (directory / name).is_file()]
    if missing:
        raise ArtifactError(f"{directory} is not a model artifact: missing {', '.join(missing)}")
    features = _read_json(directory / FEATURES_FILE)
    lanes = _read_json(directory / LANES_FILE)
    booster = lgb.Booster(model_file=str(directory / MODEL_FILE))
    if list(booster.feature_name()) != list(features["feature_names"]):
        raise ArtifactError(f"{directory}: model features do not match {FEATURES_FILE}")
    thresholds = LaneThresholds.from_quantiles(lanes["reference_quantiles"], lanes["red_rate"], lanes["yellow_rate"])
    model = RiskModel(
        booster=booster,
        spec=FeatureSpec.from_json(features["spec"]),
        stats=FeatureStats.from_json(_read_json(directory / STATS_FILE)),
        thresholds=thresholds,
        card=_read_json(directory / CARD_FILE),
    )
    log.info("model_loaded", version=model.version, path=str(directory))
    return model


def _write_json(path: Path, data: Any, indent: int | None = None) -> None:
    path.write_text(json.dumps(data, indent=indent, separators=None if indent else (",", ":")))


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text())
