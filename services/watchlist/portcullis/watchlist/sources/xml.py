"""Reading list files in XML safely (defusedxml: no DTDs, so no entity expansion), errors with a place."""

import xml.etree.ElementTree as ElementTree

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from portcullis.watchlist.sources.parsing import ListFormatError


def parse_xml(text: str, file_name: str, root_tag: str) -> ElementTree.Element:
    """The root element of a list file, checked to be `root_tag` (namespace ignored)."""
    try:
        root: ElementTree.Element = fromstring(text, forbid_dtd=True)
    except ElementTree.ParseError as error:
        line, column = error.position
        raise ListFormatError(file_name, f"not well-formed XML at line {line}, column {column + 1}") from error
    except DefusedXmlException as error:
        raise ListFormatError(file_name, f"refused: {error} (a list file needs no DTD or entities)") from error
    if local_name(root.tag) != root_tag:
        raise ListFormatError(file_name, f"the root element is <{local_name(root.tag)}>, not <{root_tag}>")
    return root


def local_name(tag: str) -> str:
    """A tag without its `{namespace}`."""
    return tag.rpartition("}")[2]


def texts(element: ElementTree.Element, path: str) -> list[str]:
    """The non-empty stripped texts of the elements at `path`."""
    return [found.text.strip() for found in element.findall(path) if found.text and found.text.strip()]


def text(element: ElementTree.Element, path: str) -> str:
    """The stripped text of the first element at `path`, or ''."""
    values = texts(element, path)
    return values[0] if values else ""
