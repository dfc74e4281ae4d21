"""Generic business words across languages, each to one form: two names that name different lines of business
(`... SHIPPING` against `... TRADING`, `... TEJARAT` against `... SHIPPING`) are siblings, not one party, however
alike the rest of them is. (Replacing the words themselves by their form was tried: it lowered recall on the
labelled pairs, so the words are compared as written; `same_meaning` tells the scorer that two words are one word
in two languages.)

The forms below are kept by hand (words of Persian, Arabic, Russian, Turkish and Chinese names as sanctions lists
romanise them, which rigour does not know); `word_meanings` adds what OpenSanctions' `rigour` knows (its name
tagger's domains and symbols: `BANCO` and `BANQUE` are `BANK`, `NEFT` is `OIL`, `TEJARAT` is `TRADE`), and the kinds
of organisation below, kept by hand for the same reason (`SHERKAT` is its `CO`, `BONYAD` its `FDN`).
"""

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

_FORMS: dict[str, tuple[str, ...]] = {
    "TRADING": ("TRADING", "TRADE", "TRADERS", "HANDEL", "HANDELS", "COMERCIO", "COMERCIAL", "COMMERCE", "TIJARA",
                "TIJARIA", "TEJARAT", "TEJARATI", "TORGOVY", "TORGOVYY", "TORGOVAYA", "TICARET", "MAOYI"),
    "SHIPPING": ("SHIPPING", "SHIPPINGS", "MARITIME", "NAVIGATION", "NAVIERA", "NAVIGAZIONE", "SCHIFFAHRT",
                 "KESHTIRANI", "DENIZCILIK", "SHIPMANAGEMENT", "TANKERS", "LINES", "HAIYUN"),
    "LOGISTICS": ("LOGISTICS", "LOGISTIC", "LOGISTICA", "LOGISTIK", "LOGISTIQUE", "FREIGHT", "FORWARDING"),
    "TRANSPORT": ("TRANSPORT", "TRANSPORTATION", "TRANSPORTES", "TRANSPORTE", "HAML", "HAMLONAQL"),
    "INVESTMENT": ("INVESTMENT", "INVESTMENTS", "INVEST", "INVERSIONES", "INVESTISSEMENT", "SARMAYEGOZARI",
                   "ISTITHMAR", "TOUZI"),
    "HOLDING": ("HOLDING", "HOLDINGS", "BETEILIGUNGS"),
    "CONSTRUCTION": ("CONSTRUCTION", "CONSTRUCTIONS", "CONSTRUCTORA", "CONSTRUCCIONES", "STROY", "STROI",
                     "SAKHTEMAN", "INSAAT", "JIANSHE"),
    "ENGINEERING": ("ENGINEERING", "INGENIERIA", "INGENIEURBAU", "MOHANDESI", "GONGCHENG"),
    "ELECTRONICS": ("ELECTRONICS", "ELECTRONIC", "ELECTRONICA", "ELEKTRONIK", "ELEKTRONIKA", "DIANZI"),
    "TECHNOLOGY": ("TECHNOLOGY", "TECHNOLOGIES", "TECH", "TECNOLOGIA", "TECHNOLOGIE", "TEKHNOLOGII", "KEJI"),
    "PETROLEUM": ("PETROLEUM", "PETROL", "OIL", "PETROLEO", "NEFT", "NAFT", "SHIYOU"),
    "ENERGY": ("ENERGY", "ENERGIA", "ENERGIE", "ENERGO", "NENGYUAN"),
    "CHEMICALS": ("CHEMICALS", "CHEMICAL", "CHEMIE", "QUIMICA", "KHIMIYA", "PETROCHEMICAL", "HUAGONG"),
    "MINING": ("MINING", "MINERA", "MINERIA", "MINES", "MINE", "MADAN", "GORNO", "KUANGYE"),
    "INDUSTRY": ("INDUSTRY", "INDUSTRIES", "INDUSTRIAL", "INDUSTRIA", "INDUSTRIE", "SANAT", "SANAYE", "SANAYI",
                 "SINAA", "PROMYSHLENNOST", "GONGYE"),
    "STEEL": ("STEEL", "ACERO", "ACEROS", "STAHL", "FOOLAD", "FULAD", "GANGTIE"),
    "TEXTILES": ("TEXTILES", "TEXTILE", "TEXTIL", "TEKSTIL", "NASAJI", "FANGZHI"),
    "PHARMA": ("PHARMA", "PHARMACEUTICAL", "PHARMACEUTICALS", "FARMACEUTICA", "DARUSAZI", "YIYAO"),
    "AVIATION": ("AVIATION", "AIRLINES", "AIRLINE", "AIRWAYS", "AVIA", "AVIACION", "HANGKONG"),
    "FOODS": ("FOODS", "FOOD", "ALIMENTOS", "LEBENSMITTEL", "PRODUKTY", "SHIPIN"),
    "TRAVEL": ("TRAVEL", "TOURS", "TOURISM", "TURISMO", "VIAJES"),
    "INSURANCE": ("INSURANCE", "ASSURANCE", "SEGUROS", "VERSICHERUNG", "BIMEH", "STRAKHOVAYA", "BAOXIAN"),
    "CONSULTING": ("CONSULTING", "CONSULTANTS", "CONSULTORES", "CONSULTORIA", "BERATUNG", "MOSHAVERE"),
    "MACHINERY": ("MACHINERY", "MACHINES", "MAQUINARIA", "MASCHINENBAU", "MASHINOSTROENIE", "JIXIE"),
    "EXCHANGE": ("EXCHANGE", "CAMBIO", "CAMBIOS", "SARAFI", "SARRAFI", "SERAFI"),
    "BANK": ("BANK", "BANCO", "BANQUE", "BANCA", "BANKA", "YINHANG", "MASRAF"),
    "REFRIGERATION": ("REFRIGERATION", "REFRIGERACION", "KIRUR", "KHOLOD", "ZHILENG"),
    "AGRICULTURE": ("AGRICULTURE", "AGRICULTURAL", "AGRO", "AGRICOLA", "KESHAVARZI", "NONGYE"),
    "REAL_ESTATE": ("PROPERTIES", "PROPERTY", "REALTY", "INMOBILIARIA", "IMMOBILIEN", "DICHAN"),
}  # fmt: skip
_FORM_OF = {word: form for form, words in _FORMS.items() for word in words}
#: Kinds of organisation as Persian and Arabic names romanise them, which rigour's tagger does not know, to its
#: symbols (`SYMBOL:FDN` is its foundation), and two kinds it has no symbol for.
_KINDS: dict[str, tuple[str, ...]] = {
    "SYMBOL:FDN": ("MUASSASAT", "MUASSASA", "MUASSASAH", "MOASSESEH", "MOASSESE", "BONYAD", "BONYADE"),
    "SYMBOL:CO": ("SHERKAT", "SHERKATE", "SHIRKAT", "SHARIKAT", "SHARIKA", "SHARIKAH"),
    "SYMBOL:ORG": ("SAZMAN", "SAZMANE", "MUNAZZAMAT", "MUNAZZAMA", "MUNAZAMAT"),
    "SYMBOL:DEV": ("TOSEE", "TOSEEH", "TOSEH", "TOSEYEH", "TOWSEEH", "TOUSEH", "TANMIYA", "TANMIYAH"),
    "SYMBOL:COOP": ("TAAVON", "TAAVONI", "TAAVUN", "TAAWUN", "TAAWON"),
    "SYMBOL:COMMITTEE": ("LAJNA", "LAJNAH", "LAJNAT", "KOMITE", "COMITE", "COMITATO"),
    "SYMBOL:EXPORT": ("SADERAT",),
    "SYMBOL:CENTRAL": ("MARKAZI",),
    "SYMBOL:CENTER": ("MARKAZ",),
    "DOMAIN:HOUSE": ("MASKAN",),
    "kind:CHARITY": ("CHARITABLE", "CHARITY", "KHAYRIYYA", "KHAYRIYA", "KHAIRIYA", "KHAIRIYYA", "KHEIRIEH",
                     "BIENFAISANCE", "BENEFICA", "WOHLTATIGKEIT"),
    "kind:SOCIETY": ("SOCIETY", "JAMIYAT", "JAMIAT", "JAMIYA", "JAMIYAH", "JAMIYYA", "JAMIYYAT", "JAMYAH",
                     "JAMEAT"),
}  # fmt: skip
_KIND_OF = {word: kind for kind, words in _KINDS.items() for word in words}


@lru_cache(maxsize=16384)
def business_words(words: tuple[str, ...]) -> frozenset[str]:
    """The lines of business a name names, each as one form (`TEJARAT` and `COMERCIAL` are both `TRADING`)."""
    return frozenset(_FORM_OF[word] for word in words if word in _FORM_OF)


#: What rigour's name tagger says of a word that counts as its meaning here (not legal forms, names or numbers).
_MEANINGFUL_SYMBOLS = frozenset({"DOMAIN", "SYMBOL"})


@lru_cache(maxsize=1)
def _org_tagger() -> Callable[[str], Any]:
    """rigour's name analysis of one word as an organisation's name (imported on first use: it loads its data)."""
    from rigour.names import NameTypeTag, analyze_names  # type: ignore[import-not-found,import-untyped,unused-ignore]

    def analyze(word: str) -> Any:
        return analyze_names(NameTypeTag.ORG, [word], phonetics=False, consolidate=False, rewrite=False)

    return analyze


@lru_cache(maxsize=65536)
def word_meanings(word: str) -> frozenset[str]:
    """What a generic word means, in any language rigour or the forms above know (`BANQUE`: `BANK`), else nothing."""
    form = _FORM_OF.get(word)
    meanings = {f"form:{form}"} if form is not None else set()
    kind = _KIND_OF.get(word)
    if kind is not None:
        meanings.add(kind)
    for name in _org_tagger()(word):
        for symbol in name.symbols:
            category = symbol.category.value
            if category in _MEANINGFUL_SYMBOLS:
                meanings.add(f"{category}:{symbol.id}")
    return frozenset(meanings)


def any_meaning(words: Iterable[str]) -> bool:
    """Whether any of the words is a generic word: the hand-kept forms first, rigour (microseconds a word) after."""
    words = tuple(words)
    return any(word in _FORM_OF for word in words) or any(map(word_meanings, words))


def same_meaning(word_a: str, word_b: str) -> bool:
    """Whether two different words are one generic word in two languages (`TEJARAT` / `TRADING`, `MADAN` / `MINE`)."""
    meanings = word_meanings(word_a)
    return bool(meanings) and not meanings.isdisjoint(word_meanings(word_b))


def organisation_kind(word: str) -> str | None:
    """The kind of organisation a word names among the hand-kept kinds (`SHERKAT`: rigour's `SYMBOL:CO`), else None."""
    return _KIND_OF.get(word)


def is_business_word(word: str) -> bool:
    """Whether the word names a line of business in one of the languages known here."""
    return word in _FORM_OF
