"""The named list sources: the list name entries carry (and screening reasons name), the files, the parser."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from portcullis.shared.screening.ofac import LIST_NAME as OFAC_LIST_NAME
from portcullis.watchlist.entries.imports import OFAC_PREFIX, parse_ofac_sdn
from portcullis.watchlist.sources import eu, ftm, uk, un
from portcullis.watchlist.sources.parsing import ParsedList


@dataclass(frozen=True)
class Source:
    """One list: its name (also the prefix of its entry ids), what it is, the files a version consists of."""

    name: str
    list_name: str
    title: str
    files: tuple[str, ...]
    required: tuple[str, ...]
    parse: Callable[[Mapping[str, str]], ParsedList]
    publisher_url: str


def _parse_ofac(files: Mapping[str, str]) -> ParsedList:
    return ParsedList(entries=parse_ofac_sdn(files["sdn.csv"], files.get("alt.csv", "")))


SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        Source(
            name=OFAC_PREFIX,
            list_name=OFAC_LIST_NAME,
            title="OFAC Specially Designated Nationals list, legacy CSV (sdn.csv, alt.csv)",
            files=("sdn.csv", "alt.csv"),
            required=("sdn.csv",),
            parse=_parse_ofac,
            publisher_url="https://sanctionslist.ofac.treas.gov/",
        ),
        Source(
            name=un.PREFIX,
            list_name=un.LIST_NAME,
            title="UN Security Council consolidated list, XML",
            files=(un.FILE,),
            required=(un.FILE,),
            parse=un.parse_un,
            publisher_url="https://main.un.org/securitycouncil/en/content/un-sc-consolidated-list",
        ),
        Source(
            name=eu.PREFIX,
            list_name=eu.LIST_NAME,
            title="EU consolidated list of persons, groups and entities subject to financial sanctions, FSF XML 1.1",
            files=(eu.FILE,),
            required=(eu.FILE,),
            parse=eu.parse_eu,
            publisher_url="https://data.europa.eu/data/datasets/consolidated-list-of-persons-groups-and-entities-subject-to-eu-financial-sanctions",
        ),
        Source(
            name=uk.PREFIX,
            list_name=uk.LIST_NAME,
            title="UK Sanctions List (FCDO), CSV",
            files=(uk.FILE,),
            required=(uk.FILE,),
            parse=uk.parse_uk,
            publisher_url="https://www.gov.uk/government/publications/the-uk-sanctions-list",
        ),
        Source(
            name="opensanctions",
            list_name="OpenSanctions",
            title="OpenSanctions entities in the FollowTheMoney format, JSON lines (any of its collections)",
            files=(ftm.FILE,),
            required=(ftm.FILE,),
            parse=ftm.ftm_parser("opensanctions", "OpenSanctions"),
            publisher_url="https://www.opensanctions.org/datasets/",
        ),
        Source(
            name="agency-own",
            list_name="Agency list",
            title="The agency's own list, as FollowTheMoney JSON lines (Person, Organization, Company, Vessel)",
            files=(ftm.FILE,),
            required=(ftm.FILE,),
            parse=ftm.ftm_parser("agency-own", "Agency list"),
            publisher_url="",
        ),
    )
}
