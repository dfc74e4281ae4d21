"""The one internal item frame that both the CSV path and the `Declaration` path produce."""

from collections.abc import Sequence
from datetime import UTC

import numpy as np
import pandas as pd

from portcullis.shared.schemas import Declaration

#: Placeholder for a party the source did not name (the data set has declarations without a seller).
MISSING_PARTY = "UNKNOWN"

#: Text columns of the item frame read from the declaration header (repeated on each of its items).
HEADER_TEXT_COLUMNS: tuple[str, ...] = (
    "declaration_id",
    "office_id",
    "process_type",
    "import_type",
    "import_use",
    "payment_type",
    "transport_mode",
    "declarant_id",
    "importer_id",
    "seller_id",
    "courier_id",
)
#: Text columns of the item frame read from each goods item.
ITEM_TEXT_COLUMNS: tuple[str, ...] = ("hs6_code", "origin_country", "departure_country", "origin_indicator", "tax_type")
#: Text columns of the item frame: one row per goods item, declaration fields repeated on each item.
TEXT_COLUMNS: tuple[str, ...] = (*HEADER_TEXT_COLUMNS, *ITEM_TEXT_COLUMNS)
NUMERIC_COLUMNS: tuple[str, ...] = ("tax_rate", "net_mass_kg", "item_price")
ITEM_COLUMNS: tuple[str, ...] = ("item_index", "submitted_at", *TEXT_COLUMNS, *NUMERIC_COLUMNS)


def normalise_items(frame: pd.DataFrame) -> pd.DataFrame:
    """Bring an item frame to canonical dtypes and fill absent parties, whatever its source."""
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    out["item_index"] = np.asarray(frame["item_index"], dtype=np.int64)
    submitted = pd.to_datetime(pd.Series(frame["submitted_at"].to_numpy()), utc=True)
    out["submitted_at"] = submitted.dt.tz_convert(UTC)
    for column in TEXT_COLUMNS:
        values = pd.Series(frame[column].to_numpy(), dtype=object)
        values = values.where(values.notna(), "")
        out[column] = values.astype(str).str.strip()
    out["seller_id"] = out["seller_id"].replace("", MISSING_PARTY)
    for column in NUMERIC_COLUMNS:
        out[column] = np.asarray(frame[column], dtype=np.float64)
    return out


def declarations_to_items(declarations: Sequence[Declaration]) -> pd.DataFrame:
    """Flatten declarations into the item frame (one row per item, in declaration order)."""
    rows: dict[str, list[object]] = {column: [] for column in ITEM_COLUMNS}
    for declaration in declarations:
        for index, item in enumerate(declaration.items):
            rows["item_index"].append(index)
            rows["submitted_at"].append(declaration.submitted_at)
            rows["declaration_id"].append(declaration.declaration_id)
            rows["office_id"].append(declaration.office_id)
            rows["process_type"].append(declaration.process_type)
            rows["import_type"].append(declaration.import_type)
            rows["import_use"].append(declaration.import_use)
            rows["payment_type"].append(declaration.payment_type)
            rows["transport_mode"].append(declaration.transport_mode)
            rows["declarant_id"].append(declaration.declarant_id)
            rows["importer_id"].append(declaration.importer_id)
            rows["seller_id"].append(declaration.seller_id)
            rows["courier_id"].append(declaration.courier_id or "")
            rows["hs6_code"].append(item.hs6_code)
            rows["origin_country"].append(item.origin_country)
            rows["departure_country"].append(item.departure_country)
            rows["origin_indicator"].append(item.origin_indicator)
            rows["tax_type"].append(item.tax_type)
            rows["tax_rate"].append(item.tax_rate)
            rows["net_mass_kg"].append(item.net_mass_kg)
            rows["item_price"].append(item.item_price)
    return normalise_items(pd.DataFrame(rows))
