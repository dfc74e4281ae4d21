"""A goods declaration, after the WCO data model and the columns of the Korea Customs data set.

Version 2 adds optional parts (parties by name, the transport, goods details per item; `declaration_parts.py`):
every version-1 declaration stays valid and means what it meant. A part left out is not written when the
declaration is serialised again (ingest publishes that JSON), so a version-1 declaration travels as the same bytes
as before and a scoring that knows only version 1 reads it unchanged (`docs/streams.md`, schema evolution).
"""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from portcullis.shared.schemas.codes import CountryCode, HS6Code, PartyId, ShortCode
from portcullis.shared.schemas.declaration_parts import (
    MAX_ITEM_DOCUMENTS,
    MAX_PARTIES,
    CurrencyCode,
    DeclarationParty,
    GoodsDescription,
    ItemDocument,
    ProcedureCode,
    QuantityUnit,
    Transport,
)
from portcullis.shared.schemas.moments import RecordedTime


def _absent(value: Any) -> bool:
    return value is None


DeclarationId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9-]{1,35}$")]


class DeclarationItem(BaseModel):
    """One goods item of a declaration (WCO data model: goods item, class 4)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hs6_code: HS6Code = Field(description="Harmonized System subheading, six digits", examples=["440890"])
    origin_country: CountryCode = Field(description="Country of origin, ISO 3166-1 alpha-2")
    departure_country: CountryCode = Field(description="Country of departure (dispatch), ISO 3166-1 alpha-2")
    origin_indicator: ShortCode = Field(description="How origin is evidenced (preference certificate ...)")
    tax_type: ShortCode = Field(description="Duty regime code, e.g. A (basic) or FEU1 (EU FTA)")
    tax_rate: float = Field(ge=0, le=1000, allow_inf_nan=False, description="Duty rate in percent")
    net_mass_kg: float = Field(ge=0, allow_inf_nan=False, description="Net mass in kilograms")
    item_price: float = Field(ge=0, allow_inf_nan=False, description="Declared customs value of the item")
    # Version 2 (optional; not written when absent).
    description: GoodsDescription | None = Field(
        default=None, exclude_if=_absent, description="Description of the goods in plain language, up to 512"
    )
    quantity: float | None = Field(
        default=None, ge=0, allow_inf_nan=False, exclude_if=_absent, description="Quantity in `quantity_unit`"
    )
    quantity_unit: QuantityUnit | None = Field(
        default=None,
        validate_default=True,
        exclude_if=_absent,
        description="UN/ECE Recommendation 20 unit of `quantity` (KGM, LTR, NAR ...); required with a quantity",
    )
    gross_mass_kg: float | None = Field(
        default=None,
        ge=0,
        allow_inf_nan=False,
        exclude_if=_absent,
        description="Gross mass in kilograms (packing included); not below the net mass",
    )
    packages: int | None = Field(default=None, ge=0, le=9_999_999, exclude_if=_absent, description="Number of packages")
    invoice_amount: float | None = Field(
        default=None, ge=0, allow_inf_nan=False, exclude_if=_absent, description="Invoiced amount in `currency`"
    )
    currency: CurrencyCode | None = Field(
        default=None,
        validate_default=True,
        exclude_if=_absent,
        description="ISO 4217 currency of the invoice amount; required with an invoice amount",
    )
    procedure_code: ProcedureCode | None = Field(
        default=None,
        exclude_if=_absent,
        description="Customs procedure: requested and previous procedure, e.g. 4000 (free circulation)",
    )
    documents: list[ItemDocument] | None = Field(
        default=None,
        max_length=MAX_ITEM_DOCUMENTS,
        exclude_if=_absent,
        description=f"Licences, certificates and invoices for the item (type code and reference), at most "
        f"{MAX_ITEM_DOCUMENTS}",
    )

    # Field validators (not one model validator) so that a 422 names the field at fault.
    @field_validator("quantity_unit")
    @classmethod
    def _unit_with_quantity(cls, unit: str | None, info: ValidationInfo) -> str | None:
        if unit is None and info.data.get("quantity") is not None:
            raise ValueError("quantity_unit is required with a quantity")
        return unit

    @field_validator("gross_mass_kg")
    @classmethod
    def _gross_not_below_net(cls, gross: float | None, info: ValidationInfo) -> float | None:
        net = info.data.get("net_mass_kg")
        if gross is not None and net is not None and gross < net:
            raise ValueError(f"gross_mass_kg {gross} is below the net mass {net}")
        return gross

    @field_validator("currency")
    @classmethod
    def _currency_with_amount(cls, currency: str | None, info: ValidationInfo) -> str | None:
        if currency is None and info.data.get("invoice_amount") is not None:
            raise ValueError("currency is required with an invoice amount")
        return currency


class Declaration(BaseModel):
    """An import goods declaration as port and declaration systems submit it."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "declaration_id": "97061800",
                    "submitted_at": "2021-01-04T09:00:00Z",
                    "office_id": "30",
                    "process_type": "B",
                    "import_type": "11",
                    "import_use": "21",
                    "payment_type": "11",
                    "transport_mode": "10",
                    "declarant_id": "ZZR1LT6",
                    "importer_id": "QLRUBN9",
                    "seller_id": "0VKY2BR",
                    "courier_id": None,
                    "items": [
                        {
                            "hs6_code": "440890",
                            "origin_country": "BE",
                            "departure_country": "BE",
                            "origin_indicator": "G",
                            "tax_type": "FEU1",
                            "tax_rate": 0.0,
                            "net_mass_kg": 108.0,
                            "item_price": 372254.4,
                        }
                    ],
                }
            ]
        },
    )

    declaration_id: DeclarationId = Field(description="The declaration's reference, unique per agency")
    submitted_at: RecordedTime = Field(
        description="When the declarant lodged it, with a time zone; from 2000 to at most 366 days ahead"
    )
    office_id: ShortCode = Field(description="Customs office of lodgement")
    process_type: ShortCode = Field(description="Clearance process type")
    import_type: ShortCode = Field(description="Import type code")
    import_use: ShortCode = Field(description="Intended use of the goods")
    payment_type: ShortCode = Field(description="Duty payment method")
    transport_mode: ShortCode = Field(description="Mode of transport at the border (WCO code list)")
    declarant_id: PartyId = Field(description="Declarant (customs broker) identifier")
    importer_id: PartyId = Field(description="Importer identifier")
    # Optional: 8-10% of the Korea Customs declarations name no seller (the model treats that as its own category).
    seller_id: PartyId | None = Field(default=None, description="Seller (foreign supplier), when named")
    courier_id: PartyId | None = Field(default=None, description="Express courier, when there is one")
    items: list[DeclarationItem] = Field(min_length=1, max_length=999, description="Goods items, 1 to 999")
    # Version 2 (optional; not written when absent).
    parties: list[DeclarationParty] | None = Field(
        default=None,
        max_length=MAX_PARTIES,
        exclude_if=_absent,
        description=f"Parties by name and role (exporter, consignor, consignee ...), at most {MAX_PARTIES}",
    )
    transport: Transport | None = Field(
        default=None,
        exclude_if=_absent,
        description="Vessel or flight, ports of loading and discharge, transport document, containers",
    )
