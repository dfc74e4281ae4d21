"""Random selection: the configured share, reproducible per subject, unpredictable without the secret."""

import hashlib
import hmac

from portcullis.scoring.random_selection import RandomSelector, is_randomly_selected


def test_the_share_drawn_matches_the_configured_rate() -> None:
    ids = [f"D{n:07d}" for n in range(40_000)]
    drawn = sum(is_randomly_selected(i, 0.02, b"secret") for i in ids)
    assert 0.017 * len(ids) < drawn < 0.023 * len(ids)


def test_rescoring_the_same_subject_draws_the_same_way() -> None:
    ids = [f"D{n}" for n in range(2_000)]
    first = [is_randomly_selected(i, 0.1, b"secret") for i in ids]
    assert first == [is_randomly_selected(i, 0.1, b"secret") for i in ids]


def test_another_secret_draws_other_subjects() -> None:
    ids = [f"D{n}" for n in range(5_000)]
    one = {i for i in ids if is_randomly_selected(i, 0.1, b"one")}
    other = {i for i in ids if is_randomly_selected(i, 0.1, b"other")}
    assert len(one & other) < 0.3 * len(one)


def test_rate_zero_draws_nobody() -> None:
    assert not any(is_randomly_selected(f"D{n}", 0.0, b"s") for n in range(1_000))


def test_the_keyed_selector_draws_exactly_like_hmac() -> None:
    ids = [f"D{n}" for n in range(3_000)] + ["", "ÄÖ-unicode", "x" * 300]
    for secret in (b"secret", b"", b"k" * 128, b"long" * 100):
        selector = RandomSelector(0.1, secret)
        assert [selector(i) for i in ids] == [is_randomly_selected(i, 0.1, secret) for i in ids]
        assert selector.digest("D1") == hmac.new(secret, b"D1", hashlib.blake2b).digest()
    assert not any(RandomSelector(0.0, b"s")(i) for i in ids)
