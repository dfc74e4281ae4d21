"""Synthetic version-2 declarations: valid, fixed by the seed, enriching given version-1 declarations without
changing them, with planted listed parties and vessels that the ground truth names."""

from collections import Counter

import pytest

from portcullis.shared.schemas import Declaration
from portcullis.shared.screening import WatchlistEntry
from portcullis.shared.synthetic import PlantedKind, generate_declarations


@pytest.fixture(scope="module")
def sample(sdn_entries: list[WatchlistEntry]):  # type: ignore[no-untyped-def]
    return generate_declarations(2000, seed=7, planted_share=0.3, watchlist=sdn_entries)


def test_every_declaration_is_a_valid_version_2_declaration_with_one_truth_row(sample) -> None:  # type: ignore[no-untyped-def]
    assert len(sample.items) == len(sample.truth) == 2000
    assert [t.subject_id for t in sample.truth] == [d.declaration_id for d in sample.items]
    for declaration in sample.items:
        assert Declaration.model_validate_json(declaration.model_dump_json()) == declaration
        assert declaration.parties is not None
        assert declaration.transport is not None
        roles = {party.role for party in declaration.parties}
        assert roles >= {"exporter", "consignor", "importer", "consignee", "declarant", "carrier"}
        sea = declaration.transport.vessel_imo is not None
        assert sea == bool(declaration.transport.container_numbers)
        assert sea != (declaration.transport.flight_number is not None)
        assert all(item.currency and item.procedure_code and item.description for item in declaration.items)


def test_the_same_seed_gives_the_same_declarations(sdn_entries: list[WatchlistEntry]) -> None:
    first = generate_declarations(50, seed=3, planted_share=0.5, watchlist=sdn_entries)
    again = generate_declarations(50, seed=3, planted_share=0.5, watchlist=sdn_entries)
    assert first == again


def test_planted_parties_and_vessels_are_in_the_declaration_and_named_by_the_truth(
    sample,
    sdn_by_id: dict[str, WatchlistEntry],  # type: ignore[no-untyped-def]
) -> None:
    kinds: Counter[str] = Counter()
    for declaration, truth in zip(sample.items, sample.truth, strict=True):
        if not truth.planted:
            assert truth.watchlist_entry == ""
            continue
        entry = sdn_by_id[truth.watchlist_entry]
        (kind,) = truth.kinds
        kinds[kind] += 1
        if kind is PlantedKind.SDN_VESSEL:
            assert declaration.transport is not None
            assert declaration.transport.vessel_imo == entry.imo_number
        else:
            role = truth.detail.split(":")[0]
            assert entry.kind in {"organization", "person"}
            assert [p.role for p in declaration.parties or () if p.role == role] == [role]  # the role is named once
    assert 0.27 * 2000 <= sum(kinds.values()) <= 0.33 * 2000
    assert kinds[PlantedKind.SDN_PARTY] > kinds[PlantedKind.SDN_VESSEL] > 0


V1_ITEM_FIELDS = {
    "hs6_code", "origin_country", "departure_country", "origin_indicator", "tax_type", "tax_rate", "net_mass_kg",
    "item_price",
}  # fmt: skip


def _version_1(declaration: Declaration) -> Declaration:
    document = declaration.model_dump(mode="json", exclude={"parties", "transport"})
    document["items"] = [{k: v for k, v in item.items() if k in V1_ITEM_FIELDS} for item in document["items"]]
    return Declaration.model_validate(document)


def test_given_version_1_declarations_are_enriched_without_changing_their_fields() -> None:
    v1_only = [_version_1(d) for d in generate_declarations(20, seed=11).items]
    enriched = generate_declarations(20, seed=12, base=v1_only).items
    for before, after in zip(v1_only, enriched, strict=True):
        written = after.model_dump(mode="json")
        for field, value in before.model_dump(mode="json", exclude={"items"}).items():
            assert written[field] == value
        for item_before, item_after in zip(before.items, after.items, strict=True):
            assert item_after.hs6_code == item_before.hs6_code
            assert item_after.item_price == item_before.item_price
        assert after.parties is not None
        importer = next(p for p in after.parties if p.role == "importer")
        assert importer.party_id == before.importer_id


def test_a_trader_id_keeps_its_name_on_every_declaration() -> None:
    # The data set's trader ids recur (one importer, many declarations): each is one company, with one name.
    v1_only = [_version_1(d) for d in generate_declarations(40, seed=11).items]
    for i, declaration in enumerate(v1_only):
        if i % 4:
            v1_only[i] = declaration.model_copy(
                update={
                    "importer_id": v1_only[0].importer_id,
                    "seller_id": v1_only[0].seller_id,
                    "declarant_id": v1_only[0].declarant_id,
                }
            )
    enriched = generate_declarations(40, seed=12, base=v1_only).items
    names: dict[tuple[str, str], set[str]] = {}
    for declaration in enriched:
        for party in declaration.parties or ():
            if party.party_id is not None:
                names.setdefault((party.role, party.party_id), set()).add(party.name)
    assert {role for role, _ in names} >= {"exporter", "importer", "declarant"}
    assert len(names[("importer", v1_only[0].importer_id)]) == 1
    assert all(len(kept) == 1 for kept in names.values())
