"""Fast per-feature contributions: each tree's path from root to leaf, tabulated once per model.

Every split on the path of an item moves the tree's value from the parent node's to the child's; that
move is credited to the split's feature (Saabas attribution, as in `treeinterpreter`). Summed over trees
the contributions plus the bias are exactly the model's raw score, like TreeSHAP, but they cost one
`pred_leaf` call and a table lookup instead of TreeSHAP's O(leaves x depth^2) per tree and row.

The same leaves give a binary model's probabilities (`probabilities`): the leaf values summed tree after tree and the
sigmoid, as LightGBM computes them, so the same bits. Scoring takes the leaves of a batch once and has both the
scores and, for the rows it explains, the contributions, where a predict and a second `pred_leaf` would walk the
trees twice.
"""

from __future__ import annotations

import math
import re
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

#: Up to this many (row, tree) leaves, contributions are gathered in one step: a per-tree loop costs a numpy call
#: per tree, which dominates for the few rows of a small batch.
_GATHER_AT_ONCE = 4096


class PathContributions:
    """Leaf-to-contribution tables of every tree of a booster."""

    def __init__(self, booster: lgb.Booster) -> None:
        dump = booster.dump_model()
        feature_count = len(dump["feature_names"])
        self.feature_count = feature_count
        self.bias = 0.0
        tables: list[np.ndarray] = []
        leaf_values: list[np.ndarray] = []
        for tree in dump["tree_info"]:
            root = tree["tree_structure"]
            table = np.zeros((max(int(tree["num_leaves"]), 1), feature_count))
            values = np.zeros(table.shape[0])
            if "leaf_value" in root:  # a single-leaf tree moves nothing
                self.bias += float(root["leaf_value"])
                values[0] = float(root["leaf_value"])
            else:
                self.bias += float(root["internal_value"])
                _walk(root, np.zeros(feature_count), table, values)
            tables.append(table)
            leaf_values.append(values)
        self.offsets = np.cumsum([0] + [t.shape[0] for t in tables])[:-1]
        self.table = np.vstack(tables) if tables else np.zeros((0, feature_count))
        #: Every tree's leaf values, at the rows of `table`.
        self.leaf_values = np.concatenate(leaf_values) if leaf_values else np.zeros(0)
        #: The sigmoid's scale of a binary model with one tree per iteration (None otherwise: `probabilities` is
        #: only for those).
        objective = re.fullmatch(r"binary sigmoid:([0-9.eE+-]+)", str(dump.get("objective", "")))
        one_tree_each = int(dump.get("num_tree_per_iteration", 1)) == 1
        self.sigmoid = float(objective.group(1)) if objective is not None and one_tree_each else None

    def __call__(self, booster: lgb.Booster, features: pd.DataFrame | np.ndarray, num_threads: int = 1) -> np.ndarray:
        """Contributions per feature plus the bias as the last column (the layout of `pred_contrib`)."""
        return self.from_leaves(self.leaves(booster, features, num_threads))

    def leaves(self, booster: lgb.Booster, features: pd.DataFrame | np.ndarray, num_threads: int = 1) -> np.ndarray:
        """Each row's leaf in every tree, as a row number of the tables (rows x trees)."""
        leaves = np.asarray(booster.predict(features, pred_leaf=True, num_threads=num_threads), dtype=np.int64)
        leaves = leaves.reshape(len(features), -1)
        offset: np.ndarray = leaves + self.offsets[: leaves.shape[1]]
        return offset

    def probabilities(self, leaves: np.ndarray) -> np.ndarray:
        """A binary model's probability of each row of `leaves` (from `leaves`), bit for bit LightGBM's `predict`:
        the raw score summed from 0 tree after tree, then 1 / (1 + exp(-sigmoid * raw)) with the C library's exp."""
        if self.sigmoid is None:
            raise ValueError("probabilities from leaves are for binary models with one tree per iteration")
        values = self.leaf_values[leaves]
        raw = np.zeros(len(leaves))
        for tree in range(values.shape[1]):
            raw += values[:, tree]
        scale = -self.sigmoid
        return np.array([_logistic(scale * value) for value in raw.tolist()], dtype=np.float64)

    def from_leaves(self, leaves: np.ndarray) -> np.ndarray:
        """Contributions per feature plus the bias (as `__call__`) of rows given by their leaves (`leaves`)."""
        if leaves.size <= _GATHER_AT_ONCE:
            # Small batches: one (rows x trees x features) gather, summed tree after tree in order (cumsum is
            # sequential), so the values equal the loop's below to the last bit.
            rows = np.cumsum(self.table[leaves], axis=1)[:, -1, :]
        else:
            # Large batches: tree by tree, (rows x features) adds instead of one huge gather.
            rows = np.zeros((len(leaves), self.feature_count))
            for tree in range(leaves.shape[1]):
                rows += self.table[leaves[:, tree]]
        return np.hstack([rows, np.full((len(leaves), 1), self.bias)])


def _logistic(exponent: float) -> float:
    """1 / (1 + exp(exponent)), as C computes it (an exp beyond the largest double is infinite: 0)."""
    try:
        return 1.0 / (1.0 + math.exp(exponent))
    except OverflowError:
        return 0.0


def _walk(node: dict[str, Any], path: np.ndarray, table: np.ndarray, values: np.ndarray) -> None:
    for side in ("left_child", "right_child"):
        child = node[side]
        value = float(child["leaf_value"] if "leaf_value" in child else child["internal_value"])
        contribution = path.copy()
        contribution[int(node["split_feature"])] += value - float(node["internal_value"])
        if "leaf_value" in child:
            table[int(child["leaf_index"])] = contribution
            values[int(child["leaf_index"])] = float(child["leaf_value"])
        else:
            _walk(child, contribution, table, values)
