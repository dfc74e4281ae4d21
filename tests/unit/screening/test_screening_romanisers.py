"""Names in Japanese, Korean and Hebrew read by dedicated romanisers besides anyascii."""

import ast
import subprocess
import sys

import pytest

from portcullis.shared.screening import compare_names
from portcullis.shared.screening.normalize import normalize_name
from portcullis.shared.screening.transliteration import icu_reading_off


@pytest.mark.parametrize(
    ("latin", "katakana"),
    [
        # anyascii and ICU read the syllables (`GUROBARU PETORORU`, 0.42); as a loanword: `GLOBAL PETLOL`.
        ("GLOBAL PETROL", "グローバル ペトロール"),
        ("GOLDEN STAR", "ゴールデン スター"),  # 0.67 before
    ],
)
def test_a_foreign_name_in_katakana_is_found(latin: str, katakana: str) -> None:
    assert compare_names(latin, katakana) >= 0.85


@pytest.mark.parametrize(
    ("latin", "hangul"),
    [
        ("Ri Ryong NAM", "리룡남"),  # anyascii reads `LI LYONG NAM`: 0.83 before
        ("Choe Ryong HAE", "최룡해"),
    ],
)
def test_a_korean_name_is_read_in_revised_romanization(latin: str, hangul: str) -> None:
    assert compare_names(latin, hangul) >= 0.95


def test_a_hebrew_name_is_read_as_its_consonants_without_icu() -> None:
    # The skeleton is not ICU's reading: it stays where ICU's is switched off (pairs that ICU itself wrote).
    with icu_reading_off():
        assert compare_names("ALON", "אלון") >= 0.85
        assert normalize_name("אלון").other_reading is not None
    assert compare_names("ALON", "אלון") >= 0.85


def test_other_names_of_a_dedicated_script_stay_apart() -> None:
    assert compare_names("ALPHA LOGISTICS", "ゴールデン スター") < 0.5
    assert compare_names("Ri Ryong NAM", "박철") < 0.5
    assert compare_names("ALON", "משה לוי") < 0.5


def _loaded_after(calls: str, modules: tuple[str, ...]) -> list[str]:
    """Which of `modules` a fresh interpreter has imported after comparing names with `calls`."""
    script = f"import sys\nfrom portcullis.shared.screening import compare_names\n{calls}\n"
    script += f"print(sorted(m for m in {modules!r} if m in sys.modules))\n"
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    return list(ast.literal_eval(loaded.strip()))


def test_katakana_alone_does_not_load_the_kanji_dictionary() -> None:
    # pykakasi's dictionary takes about 130 MB: only a name with kanji loads it.
    calls = "compare_names('GLOBAL PETROL', 'グローバル ペトロール'); compare_names('OCEAN STAR 2', 'ｵｰｼｬﾝ ｽﾀｰ 2')"
    assert _loaded_after(calls, ("pykakasi",)) == []


def test_a_japanese_name_with_kanji_is_read_by_pykakasi() -> None:
    # The kanji read in Japanese (JIDOUSHA), not as Chinese pinyin as anyascii reads them (ZI DONG CHE).
    assert normalize_name("トヨタ 自動車").tokens == ("TOYOTA", "JIDOUSHA")


def test_latin_and_cyrillic_names_do_not_load_the_romanisers() -> None:
    # A Latin query must not pay for the new readers: they are imported only for a name in their script.
    calls = "compare_names('Viktor BOUT', 'Виктор Бут'); compare_names('ACME TRADING', 'José Müller')"
    assert _loaded_after(calls, ("pykakasi", "jaconv", "korean_romanizer")) == []


def test_a_name_a_romaniser_cannot_read_is_still_screened() -> None:
    # korean-romanizer has no reading for the rare final jamo ㅀ (`뚫`): anyascii's reading is used alone.
    assert normalize_name("뚫 정은").tokens
    assert compare_names("TTULH JEONG EUN", "뚫 정은") >= 0.85
