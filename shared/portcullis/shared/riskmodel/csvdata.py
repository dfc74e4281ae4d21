"""Reading the customs declarations CSV (Korea Customs data set layout) into items, labels and declarations."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from portcullis.shared.riskmodel.frame import MISSING_PARTY, normalise_items
from portcullis.shared.schemas import Declaration, DeclarationItem

#: CSV column -> item frame column.
CSV_COLUMNS: dict[str, str] = {
    "Declaration ID": "declaration_id",
    "Date": "submitted_at",
    "Office ID": "office_id",
    "Process Type": "process_type",
    "Import Type": "import_type",
    "Import Use": "import_use",
    "Payment Type": "payment_type",
    "Mode of Transport": "transport_mode",
    "Declarant ID": "declarant_id",
    "Importer ID": "importer_id",
    "Seller ID": "seller_id",
    "Courier ID": "courier_id",
    "HS6 Code": "hs6_code",
    "Country of Departure": "departure_country",
    "Country of Origin": "origin_country",
    "Tax Rate": "tax_rate",
    "Tax Type": "tax_type",
    "Country of Origin Indicator": "origin_indicator",
    "Net Mass": "net_mass_kg",
    "Item Price": "item_price",
}
FRAUD_COLUMN = "Fraud"
CRITICAL_COLUMN = "Critical Fraud"


class CsvFormatError(ValueError):
    """The CSV is missing, unreadable or lacks required columns."""


@dataclass(frozen=True)
class LabelledItems:
    """Items of a CSV with their inspection outcomes (labels are None when the CSV has none)."""

    items: pd.DataFrame
    fraud: np.ndarray | None
    critical: np.ndarray | None


def read_items_csv(path: Path, require_labels: bool = False) -> LabelledItems:
    """Read a declarations CSV into the item frame; labels are returned separately, never as features."""
    if not path.is_file():
        raise CsvFormatError(f"file not found: {path}")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise CsvFormatError(f"cannot parse {path}: {exc}") from exc
    missing = [column for column in CSV_COLUMNS if column not in raw.columns]
    if require_labels and FRAUD_COLUMN not in raw.columns:
        missing.append(FRAUD_COLUMN)
    if missing:
        raise CsvFormatError(f"{path}: missing column(s) {', '.join(missing)}")
    frame = raw[list(CSV_COLUMNS)].rename(columns=CSV_COLUMNS)
    frame["item_index"] = frame.groupby("declaration_id", sort=False).cumcount()
    try:
        items = normalise_items(frame)
    except (ValueError, TypeError) as exc:
        raise CsvFormatError(f"{path}: bad value: {exc}") from exc
    fraud = _labels(raw, FRAUD_COLUMN, path)
    critical = _labels(raw, CRITICAL_COLUMN, path)
    return LabelledItems(items=items, fraud=fraud, critical=critical)


def _labels(raw: pd.DataFrame, column: str, path: Path) -> np.ndarray | None:
    if column not in raw.columns:
        return None
    values = pd.to_numeric(raw[column], errors="coerce")
    if values.isna().any():
        raise CsvFormatError(f"{path}: column {column!r} has missing or non-numeric values")
    labels: np.ndarray = values.to_numpy(dtype=np.int64)
    return labels


def items_to_declarations(items: pd.DataFrame) -> Iterator[Declaration]:
    """Rebuild `Declaration` objects from an item frame (items grouped by declaration id, in order)."""
    records = items.to_dict("records")
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        grouped.setdefault(str(record["declaration_id"]), []).append(record)
    for declaration_id, rows in grouped.items():
        first = rows[0]
        yield Declaration(
            declaration_id=declaration_id,
            submitted_at=first["submitted_at"].to_pydatetime().astimezone(UTC),
            office_id=first["office_id"],
            process_type=first["process_type"],
            import_type=first["import_type"],
            import_use=first["import_use"],
            payment_type=first["payment_type"],
            transport_mode=first["transport_mode"],
            declarant_id=first["declarant_id"],
            importer_id=first["importer_id"],
            seller_id=None if first["seller_id"] == MISSING_PARTY else first["seller_id"],
            courier_id=first["courier_id"] or None,
            items=[
                DeclarationItem(
                    hs6_code=row["hs6_code"],
                    origin_country=row["origin_country"],
                    departure_country=row["departure_country"],
                    origin_indicator=row["origin_indicator"],
                    tax_type=row["tax_type"],
                    tax_rate=float(row["tax_rate"]),
                    net_mass_kg=float(row["net_mass_kg"]),
                    item_price=float(row["item_price"]),
                )
                for row in rows
            ],
        )
