"""The declaration wire format: what port systems may send, and what they may not."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from portcullis.shared.schemas import Declaration
from portcullis.shared.schemas.codes import COUNTRY_CODES

EXAMPLE = Declaration.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]


def _item(**changes: object) -> dict[str, object]:
    return {**EXAMPLE["items"][0], **changes}


def test_the_readme_example_is_valid() -> None:
    assert Declaration.model_validate(EXAMPLE).items[0].hs6_code == "440890"


def test_country_codes_are_normalised_and_zz_means_unknown() -> None:
    declaration = Declaration.model_validate({**EXAMPLE, "items": [_item(origin_country="cn", departure_country="ZZ")]})
    assert declaration.items[0].origin_country == "CN"
    assert declaration.items[0].departure_country == "ZZ"


@pytest.mark.parametrize(
    "item",
    [
        _item(origin_country="XX"),
        _item(hs6_code="4408"),
        _item(net_mass_kg=-1),
        _item(item_price=math.nan),
        _item(tax_rate=math.inf),
    ],
)
def test_impossible_items_are_refused(item: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Declaration.model_validate({**EXAMPLE, "items": [item]})


def test_a_declaration_has_between_1_and_999_items() -> None:
    with pytest.raises(ValidationError):
        Declaration.model_validate({**EXAMPLE, "items": []})
    with pytest.raises(ValidationError):
        Declaration.model_validate({**EXAMPLE, "items": [_item()] * 1000})
    assert len(Declaration.model_validate({**EXAMPLE, "items": [_item()] * 999}).items) == 999


@given(
    origin=st.sampled_from(sorted(COUNTRY_CODES)),
    mass=st.floats(min_value=0, max_value=1e9, allow_nan=False),
    price=st.floats(min_value=0, max_value=1e12, allow_nan=False),
    hs6=st.from_regex(r"\A[0-9]{6}\Z"),
)
def test_any_valid_declaration_survives_the_wire_unchanged(origin: str, mass: float, price: float, hs6: str) -> None:
    declaration = Declaration.model_validate(
        {**EXAMPLE, "items": [_item(origin_country=origin, net_mass_kg=mass, item_price=price, hs6_code=hs6)]}
    )
    assert Declaration.model_validate_json(declaration.model_dump_json()) == declaration
