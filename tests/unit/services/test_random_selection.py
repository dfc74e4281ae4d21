"""Random selection: the configured share, reproducible per subject, unpredictable without the secret."""

from portcullis.scoring.random_selection import is_randomly_selected


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
