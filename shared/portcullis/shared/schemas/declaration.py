"""A goods declaration, after the WCO data model and the columns of the Korea Customs data set."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from portcullis.shared.schemas.codes import CountryCode, HS6Code, PartyId, ShortCode
from portcullis.shared.schemas.moments import RecordedTime

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
