"""The vendored code lists the schemas validate against: real codes in, invented ones out."""

import pytest

from portcullis.shared.reference import airports, is_known_airport, is_known_locode, ports
from portcullis.shared.schemas.codes import COUNTRY_CODES
from portcullis.shared.synthetic.containers import LANES, LISTED_PORTS
from portcullis.shared.synthetic.passengers import HUB_AIRPORTS


@pytest.mark.parametrize("code", ["LHR", "JFK", "DXB", "NRT", "GRU", "JNB", "IKA", "FIH"])
def test_real_airports_are_known(code: str) -> None:
    assert is_known_airport(code)


@pytest.mark.parametrize("code", ["QQQ", "lhr", "LH", "XXX"])
def test_invented_or_malformed_airports_are_not(code: str) -> None:
    assert not is_known_airport(code)


@pytest.mark.parametrize("code", ["NLRTM", "CNSHA", "SGSIN", "DEHAM", "USLAX", "IRBND", "DEDUS", "CHBSL"])
def test_real_locodes_are_known(code: str) -> None:
    assert is_known_locode(code)


@pytest.mark.parametrize("code", ["NLXXX", "ZZABC", "NL RTM", "RTM"])
def test_invented_or_unnormalised_locodes_are_not(code: str) -> None:
    assert not is_known_locode(code)


def test_every_airport_and_port_has_a_real_country_and_sane_coordinates() -> None:
    assert len(airports()) > 7000
    for airport in airports().values():
        assert airport.country in COUNTRY_CODES | {"XK"}, airport
        assert -90 <= airport.lat <= 90
        assert -180 <= airport.lon <= 180
    for port in ports().values():
        assert port.locode[:2] == port.country
        assert port.role in {"hub", "regional"}


def test_lhr_to_jfk_is_about_5540_km() -> None:
    assert airports()["LHR"].distance_km(airports()["JFK"]) == pytest.approx(5540, abs=20)


def test_the_generators_only_use_listed_codes() -> None:
    assert set(HUB_AIRPORTS) <= airports().keys()
    lane_ports = {code for lane in LANES for code in (*lane.origins, *lane.destinations, *lane.hubs)}
    assert lane_ports | set(LISTED_PORTS) <= ports().keys()
    assert not lane_ports & set(LISTED_PORTS)
