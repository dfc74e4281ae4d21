"""The parts a version-2 declaration adds: parties by name, the transport, and the goods details of an item.

Every part is optional on the declaration and validated when present; `docs/wco-data-model.md` maps each field to
its WCO Data Model element. Lists and strings have limits (hostile input); free text refuses control characters.
"""

import unicodedata
from enum import StrEnum
from typing import Annotated

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from portcullis.shared.schemas.codes import CountryCode, PartyId
from portcullis.shared.schemas.container import ContainerNumber, ImoNumber, Locode

#: Containers one declaration may name (a bill of lading for a full vessel load names a few hundred).
MAX_CONTAINERS = 500
#: Parties one declaration may name (one per role, several notify parties or carriers at most).
MAX_PARTIES = 20
#: Documents (licences, certificates, invoices) per goods item.
MAX_ITEM_DOCUMENTS = 20

#: ISO 4217 alphabetic currency codes.
CURRENCY_CODES: frozenset[str] = frozenset(c.alpha_3 for c in pycountry.currencies)


def _no_control_characters(text: str) -> str:
    # Letters of any script, marks, punctuation and spaces; no control, surrogate, private-use or unassigned ones.
    # Printable ASCII, most text, has none of them: answered without a look at each character.
    if text.isascii() and text.isprintable():
        return text
    if any(unicodedata.category(ch) in {"Cc", "Cs", "Co", "Cn"} for ch in text):
        raise ValueError("control characters are not allowed")
    return text


def _known_currency(code: str) -> str:
    if code not in CURRENCY_CODES:
        raise ValueError(f"unknown ISO 4217 currency code {code!r}")
    return code


PartyName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(_no_control_characters)
]
Address = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), AfterValidator(_no_control_characters)
]
GoodsDescription = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=512), AfterValidator(_no_control_characters)
]
VesselName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), AfterValidator(_no_control_characters)
]
CurrencyCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, min_length=3, max_length=3),
    AfterValidator(_known_currency),
]
#: A transport document number (bill of lading, air waybill, CMR): letters, digits, dashes and slashes.
TransportDocumentNumber = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9/-]{1,35}$")]
#: UN/ECE Recommendation 20 unit code (KGM kilogram, LTR litre, NAR number of articles, MTK square metre ...).
QuantityUnit = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9]{2,3}$")]
#: Customs procedure code: requested and previous procedure, two digits each (4000: release for free circulation).
ProcedureCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{4}$")]
#: A document type code (EU TARIC / WCO codes such as N380 commercial invoice, C400 import licence, Y900).
DocumentTypeCode = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9]{1,4}$")
]
DocumentReference = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=70), AfterValidator(_no_control_characters)
]


class PartyRole(StrEnum):
    """What a party does in the shipment (WCO Data Model party roles)."""

    EXPORTER = "exporter"
    CONSIGNOR = "consignor"
    IMPORTER = "importer"
    CONSIGNEE = "consignee"
    DECLARANT = "declarant"
    CARRIER = "carrier"
    NOTIFY = "notify"


class DeclarationParty(BaseModel):
    """A party named on the declaration, with its role."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: PartyRole = Field(description="exporter, consignor, importer, consignee, declarant, carrier or notify")
    name: PartyName = Field(description="Name as on the declaration, any script, 1-200 characters")
    address: Address | None = Field(default=None, description="Street, city and postcode as one line, up to 300")
    country: CountryCode | None = Field(default=None, description="Country of the address, ISO 3166-1 alpha-2")
    party_id: PartyId | None = Field(default=None, description="EORI, tax or trader id, when known")


class Transport(BaseModel):
    """The means of transport and the transport document the goods arrive under."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    vessel_imo: ImoNumber | None = Field(default=None, description="IMO ship number (check digit verified)")
    vessel_name: VesselName | None = Field(default=None, description="Vessel name, up to 100 characters")
    voyage: str | None = Field(default=None, pattern=r"^[A-Za-z0-9-]{1,17}$", description="Carrier's voyage number")
    flight_number: str | None = Field(
        default=None,
        pattern=r"^([A-Z][A-Z0-9]|[0-9][A-Z])[0-9]{1,4}[A-Z]?$",
        description="IATA airline designator and flight number, e.g. LH400",
    )
    port_of_loading: Locode | None = Field(default=None, description="Place of loading, UN/LOCODE")
    port_of_discharge: Locode | None = Field(default=None, description="Place of discharge, UN/LOCODE")
    transport_document: TransportDocumentNumber | None = Field(
        default=None, description="Bill of lading, air waybill or CMR number"
    )
    container_numbers: list[ContainerNumber] = Field(
        default_factory=list,
        max_length=MAX_CONTAINERS,
        description=f"ISO 6346 container numbers (check digits verified), at most {MAX_CONTAINERS}, each once",
    )

    @field_validator("container_numbers")
    @classmethod
    def _each_once(cls, numbers: list[str]) -> list[str]:
        if len(set(numbers)) != len(numbers):
            raise ValueError("a container number is listed twice")
        return numbers


class ItemDocument(BaseModel):
    """A document produced for a goods item: licence, certificate, invoice."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: DocumentTypeCode = Field(description="Document type code, e.g. N380 (commercial invoice), C400 (licence)")
    reference: DocumentReference = Field(description="The document's number or reference, up to 70 characters")
