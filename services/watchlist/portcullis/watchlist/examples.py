"""Request examples and documented error answers of the watchlist API (shown in the OpenAPI document)."""

from typing import Any

from fastapi.openapi.models import Example

from portcullis.shared.http import ErrorBody

ENTRY_EXAMPLES: dict[str, Example] = {
    "person": Example(
        summary="A listed person (name, date of birth, passport)",
        value={
            "kind": "person",
            "list_name": "national-watchlist",
            "name": "Ivan Petrovich Sidorov",
            "aliases": ["Ivan Sidorov"],
            "birth_dates": ["1971-04-12"],
            "nationalities": ["RU"],
            "documents": [{"kind": "passport", "number": "720011223", "country": "RU"}],
            "reason": "Known courier of undeclared cash (case 2026/114)",
            "action": {"lane": "red"},
        },
    ),
    "vessel": Example(
        summary="A vessel by IMO number",
        value={
            "kind": "vessel",
            "list_name": "vessels-of-interest",
            "name": "OCEAN GLORY",
            "imo_number": "9074729",
            "flag": "PA",
            "reason": "Ship-to-ship transfers outside port limits",
            "action": {"lane": "yellow"},
        },
    ),
    "container": Example(
        summary="A container by ISO 6346 number",
        value={
            "kind": "container",
            "list_name": "containers-of-interest",
            "container_number": "CSQU3054383",
            "reason": "Seal tampering reported at transhipment",
            "action": {"lane": "red"},
        },
    ),
    "trader": Example(
        summary="An importer id that adds to the risk score for a quarter",
        value={
            "kind": "trader",
            "list_name": "post-clearance-audit",
            "role": "importer",
            "trader_id": "IMP826658",
            "reason": "Under post-clearance audit: undervaluation",
            "action": {"score": 0.3},
            "valid_from": "2026-10-01T00:00:00Z",
            "valid_to": "2027-01-01T00:00:00Z",
        },
    ),
}

RULE = {
    "name": "Firearms from high-risk origins",
    "stream": "declaration",
    "condition": {
        "all": [
            {"field": "hs6_code", "op": "prefix", "value": "9302"},
            {"field": "origin_country", "op": "in", "value": ["AF", "SY", "YE"]},
        ]
    },
    "action": {"lane": "red"},
    "reason": "Pistols and revolvers from origins under embargo",
}
RULE_EXAMPLES: dict[str, Example] = {
    "forced_lane": Example(summary="Force red for an HS code and origins", value=RULE),
    "score": Example(
        summary="Add to the score above a declared mass",
        value={
            "name": "Heavy consignments of mobile phones",
            "condition": {
                "all": [
                    {"field": "hs6_code", "op": "eq", "value": "851712"},
                    {"field": "net_mass_kg", "op": "gt", "value": 500},
                ]
            },
            "action": {"score": 0.2},
            "reason": "Phones declared by weight far above usual consignments",
        },
    ),
}

DRY_RUN_EXAMPLES: dict[str, Example] = {
    "unsaved_rule": Example(
        summary="An unsaved rule on one declaration",
        value={
            "rule": RULE,
            "declarations": [
                {
                    "declaration_id": "97061800",
                    "submitted_at": "2026-11-25T09:30:00Z",
                    "office_id": "40",
                    "process_type": "B",
                    "import_type": "11",
                    "import_use": "11",
                    "payment_type": "11",
                    "transport_mode": "40",
                    "declarant_id": "76NV527",
                    "importer_id": "SHHZGSL",
                    "seller_id": "249LO7A",
                    "items": [
                        {
                            "hs6_code": "930200",
                            "origin_country": "SY",
                            "departure_country": "TR",
                            "origin_indicator": "E",
                            "tax_type": "FCN1",
                            "tax_rate": 8.0,
                            "net_mass_kg": 12.5,
                            "item_price": 4200.0,
                        }
                    ],
                }
            ],
        },
    ),
}

OFAC_IMPORT_EXAMPLES: dict[str, Example] = {
    "two_parties": Example(
        summary="Two parties of the SDN legacy CSV export and one alias",
        value={
            "sdn_csv": '36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n'
            '173,"ANGLO-CARIBBEAN CO., LTD.",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n',
            "alt_csv": '36,12,"aka","AERO-CARIBBEAN",-0- \n',
            "action": {"lane": "red"},
        },
    ),
}

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No such entry or rule"}}
CREATED_OR_REPLACED: dict[int | str, dict[str, Any]] = {
    201: {"description": "Created under the chosen id"},
    200: {"description": "Replaced or restored (or unchanged: the same body again)"},
}
