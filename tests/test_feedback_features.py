"""feedback_features and the log readers: hand-worked values, as_of never leaks, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segkit.datasets import make_complaints, make_feedback, make_transactions
from segkit.errors import ColumnNotFoundError, ParameterError, SchemaError
from segkit.feedback import ComplaintLog, FeedbackLog, feedback_features, feedback_from_survey
from segkit.tagging import Rule, TagEngine

KW = {"customer": "customer_id", "timestamp": "timestamp"}


@pytest.fixture
def feedback() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2, 2, 2, 3],
            "timestamp": pd.to_datetime(
                [
                    "2024-01-10",
                    "2024-05-01",
                    "2024-06-20 08:00",
                    "2024-03-01",
                    "2024-06-30 18:00",  # the last day of as_of counts
                    "2024-07-01",  # after as_of: ignored
                    "2023-01-01",
                ],
                format="ISO8601",
            ),
            "kind": ["nps", "nps", "rating", "rating", "rating", "nps", "csat"],
            "score": [9, 3, 5, 1, 2, 10, 4],
        }
    )


@pytest.fixture
def complaints() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [2, 2, 2, 4, 1],
            "opened": pd.to_datetime(
                ["2024-06-01", "2024-01-01", "2024-04-01", "2024-06-25", "2024-08-01"]
            ),
            "resolved": pd.to_datetime(
                [None, "2024-01-05", "2024-07-15", "2024-06-27", "2024-08-02"]
            ),
        }
    )


def test_hand_worked_features(feedback: pd.DataFrame, complaints: pd.DataFrame) -> None:
    f = feedback_features(feedback, complaints, **KW, as_of="2024-06-30")
    assert f.index.tolist() == [1, 2, 3, 4]
    assert f.index.name == "customer_id"
    assert f.loc[1, "last_nps"] == 3.0
    assert np.isnan(f.loc[2, "last_nps"])
    assert f["nps_class"].astype(object).tolist()[0] == "detractor"
    assert f["responses_90d"].tolist() == [2, 1, 0, 0]  # 2024-04-01 < t <= 2024-06-30 end of day
    assert f["responses_365d"].tolist() == [3, 2, 0, 0]
    assert f.loc[1, "avg_rating_365d"] == 5.0
    assert f.loc[2, "avg_rating_365d"] == 1.5
    assert f["low_ratings_365d"].tolist() == [0, 2, 0, 0]
    assert f["low_ratings_90d"].tolist() == [0, 1, 0, 0]
    assert f["complaints_90d"].tolist() == [0, 1, 0, 1]  # 2024-04-01 00:00 is not after the start
    assert f["complaints_365d"].tolist() == [0, 3, 0, 1]
    # Customer 2: one never resolved, one resolved after as_of -> both open at as_of.
    assert f["complaints_open"].tolist() == [0, 2, 0, 0]
    # A date-only as_of: durations are whole calendar days (time policy).
    assert f.loc[2, "open_complaint_days"] == 90.0  # opened 2024-04-01
    assert f.loc[2, "days_since_last_complaint"] == 29.0  # opened 2024-06-01
    assert f.loc[2, "median_resolution_days"] == 4.0
    assert f.loc[4, "median_resolution_days"] == 2.0
    # Customer 1's complaint of August is after as_of: not there at all.
    assert np.isnan(f.loc[1, "days_since_last_complaint"])
    assert f["complaints_open"].dtype == np.int64


def test_as_of_instant_cuts_within_the_day(feedback: pd.DataFrame) -> None:
    f = feedback_features(feedback, **KW, as_of="2024-06-30 12:00")
    assert f.loc[2, "responses_90d"] == 0  # the 18:00 answer is after 12:00


def test_customers_reindex(feedback: pd.DataFrame) -> None:
    table = pd.DataFrame(index=pd.Index([3, 2, 9], name="customer_id"))
    f = feedback_features(feedback, **KW, as_of="2024-06-30", customers=table)
    assert f.index.tolist() == [3, 2, 9]
    assert f["responses_365d"].tolist() == [0, 2, 0]
    assert f["responses_365d"].dtype == np.int64
    assert np.isnan(f.loc[9, "avg_rating_365d"])


def test_input_not_mutated(feedback: pd.DataFrame, complaints: pd.DataFrame) -> None:
    before, before_c = feedback.copy(), complaints.copy()
    feedback_features(feedback, complaints, **KW, as_of="2024-06-30")
    pd.testing.assert_frame_equal(feedback, before)
    pd.testing.assert_frame_equal(complaints, before_c)


def test_rules_read_the_features(feedback: pd.DataFrame, complaints: pd.DataFrame) -> None:
    f = feedback_features(feedback, complaints, **KW, as_of="2024-08-01 12:00")
    engine = TagEngine(
        [
            Rule("unhappy", 'nps_class == "detractor" and complaints_open > 0'),
            Rule("waiting", "open_complaint_days >= 7"),
        ]
    )
    tags = engine.apply(f)
    # Customer 1: last NPS 3, a complaint opened that morning; customer 2: open since June.
    assert tags["unhappy"].tolist() == [True, False, False, False]
    assert tags["waiting"].tolist() == [False, True, False, False]


@given(
    st.lists(
        st.tuples(st.integers(1, 4), st.integers(0, 400), st.sampled_from(["nps", "rating"])),
        min_size=1,
        max_size=30,
    ),
    st.integers(0, 400),
)
@settings(max_examples=60, deadline=None)
def test_answers_after_as_of_never_leak(rows: list[tuple[int, int, str]], cut: int) -> None:
    start = pd.Timestamp("2024-01-01")
    fb = pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "timestamp": [start + pd.Timedelta(hours=r[1] * 13) for r in rows],
            "kind": [r[2] for r in rows],
            "score": [r[1] % 6 if r[2] == "rating" and r[1] % 6 else r[1] % 11 for r in rows],
        }
    )
    fb.loc[fb["kind"] == "rating", "score"] = fb.loc[fb["kind"] == "rating", "score"].clip(1, 5)
    as_of = start + pd.Timedelta(hours=cut * 13)
    ids = pd.Index([1, 2, 3, 4], name="customer_id")
    full = feedback_features(fb, **KW, as_of=as_of, customers=ids)
    seen = (
        feedback_features(fb[fb["timestamp"] <= as_of], **KW, as_of=as_of, customers=ids)
        if (fb["timestamp"] <= as_of).any()
        else None
    )
    if seen is None:
        assert (full["responses_365d"] == 0).all()
        assert full["last_nps"].isna().all()
    else:
        pd.testing.assert_frame_equal(full, seen)


def _pandas_reference(fb: pd.DataFrame, cp: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """The obvious groupby version, for agreement on generated data."""
    fb = fb[fb["timestamp"] <= as_of]
    cp = cp[cp["opened"] <= as_of]
    out = {}
    nps_rows = fb[fb["kind"] == "nps"].sort_values("timestamp", kind="stable")
    out["last_nps"] = nps_rows.groupby("customer_id")["score"].last()
    recent = fb[fb["timestamp"] > as_of - pd.Timedelta(days=365)]
    out["responses_365d"] = recent.groupby("customer_id").size()
    ratings = recent[recent["kind"] == "rating"]
    out["avg_rating_365d"] = ratings.groupby("customer_id")["score"].mean()
    out["low_ratings_365d"] = (ratings["score"] <= 2).groupby(ratings["customer_id"]).sum()
    is_open = cp["resolved"].isna() | (cp["resolved"] > as_of)
    out["complaints_open"] = is_open.groupby(cp["customer_id"]).sum()
    done = cp[~is_open]
    out["median_resolution_days"] = (
        ((done["resolved"] - done["opened"]) / pd.Timedelta(days=1)).groupby(done["customer_id"])
    ).median()
    return pd.DataFrame(out)


def test_agrees_with_pandas_groupby() -> None:
    tx = make_transactions(400, seed=5)
    fb, cp = make_feedback(tx, seed=5), make_complaints(tx, seed=5)
    as_of = pd.Timestamp("2024-12-31 23:59:59.999999999")
    ours = feedback_features(fb, cp, **KW, as_of="2024-12-31")
    ref = _pandas_reference(fb, cp, as_of).reindex(ours.index)
    for column in ["responses_365d", "low_ratings_365d", "complaints_open"]:
        ref[column] = ref[column].fillna(0).astype(np.int64)
    pd.testing.assert_frame_equal(ours[ref.columns], ref, check_names=False)
    assert ours["complaints_open"].sum() > 0
    assert ours["last_nps"].notna().sum() > 20


# -- the logs ------------------------------------------------------------------ #


def test_unknown_kind_named_with_a_suggestion(feedback: pd.DataFrame) -> None:
    bad = feedback.assign(kind=["nps", " NPS ", "rating", "rating", "nsp", "nps", None])
    with pytest.raises(
        SchemaError,
        match=r"column 'kind' of the feedback has 2 unknown or missing kind\(s\) at index "
        r"\[4, 6\]: \['nsp', None\]; known kinds: \['nps', 'csat', 'ces', 'rating'\] "
        r"\(did you mean 'nps'\?\)",
    ):
        feedback_features(bad, **KW, as_of="2024-06-30")


def test_score_outside_its_scale_named(feedback: pd.DataFrame) -> None:
    bad = feedback.assign(score=[11, 3, 6, 1, 2, 10, 4])
    with pytest.raises(
        SchemaError,
        match=r"column 'score' of the feedback has 2 score\(s\) outside the scale of their "
        r"kind at index \[0, 2\]: 11 \(nps 0..10\), 6 \(rating 1..5\)",
    ):
        feedback_features(bad, **KW, as_of="2024-06-30")


def test_custom_scale(feedback: pd.DataFrame) -> None:
    log = FeedbackLog.read(
        feedback.assign(score=[9, 3, 10, 1, 2, 10, 4]),
        **KW,
        scales={"rating": (1, 10)},
    )
    assert log.score[2] == 10.0


def test_missing_scores_are_kept_as_nan(feedback: pd.DataFrame) -> None:
    f = feedback_features(
        feedback.assign(score=[9, None, 5, 1, 2, 10, 4]), **KW, as_of="2024-06-30"
    )
    assert f.loc[1, "last_nps"] == 9.0
    assert f.loc[1, "responses_365d"] == 3


def test_resolved_before_opened_named(complaints: pd.DataFrame) -> None:
    bad = complaints.assign(resolved=pd.to_datetime([None, "2023-12-31", None, None, None]))
    with pytest.raises(
        SchemaError,
        match=r"1 complaint\(s\) were resolved before they were opened, at index \[1\]",
    ):
        feedback_features(None, bad, **KW, as_of="2024-06-30")


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        pytest.param(
            {"customer_id": [1, None, 1, 2, 2, 2, 3]}, SchemaError, "missing customer id", id="id"
        ),
        pytest.param(
            {"timestamp": ["2024-01-01", "soon"] + ["2024-01-02"] * 5},
            SchemaError,
            r"1 value\(s\) that are not timestamps, at index \[1\]: \[.soon.\]",
            id="time",
        ),
        pytest.param(
            {"score": ["9", "x", 5, 1, 2, 10, 4]},
            SchemaError,
            r"score\(s\) that are not numbers at index \[1\]",
            id="score-text",
        ),
    ],
)
def test_bad_feedback_rows(
    feedback: pd.DataFrame, change: dict[str, object], error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        feedback_features(feedback.assign(**change), **KW, as_of="2024-06-30")


def test_parameters(feedback: pd.DataFrame) -> None:
    with pytest.raises(ParameterError, match="as_of is required"):
        feedback_features(feedback, **KW, as_of=None)
    with pytest.raises(ParameterError, match="as_of must be a date or timestamp; got 'later'"):
        feedback_features(feedback, **KW, as_of="later")
    with pytest.raises(ParameterError, match="windows must be distinct"):
        feedback_features(feedback, **KW, as_of="2024-06-30", windows=(90, 90))
    with pytest.raises(ParameterError, match="give feedback, complaints or both"):
        feedback_features(None, None, **KW, as_of="2024-06-30")
    with pytest.raises(ColumnNotFoundError, match="did you mean 'score'"):
        feedback_features(feedback, **KW, as_of="2024-06-30", score="scor")


def test_instant_as_of_gives_fractional_days(complaints: pd.DataFrame) -> None:
    f = feedback_features(None, complaints, **KW, as_of="2024-06-30 12:00")
    assert f.loc[2, "days_since_last_complaint"] == 29.5
    with pytest.raises(ParameterError, match="timezone-aware but the timestamps are naive"):
        feedback_features(None, complaints, **KW, as_of=pd.Timestamp("2024-06-30", tz="UTC"))


def test_tz_aware_logs_compare_on_the_wall_clock(feedback: pd.DataFrame) -> None:
    aware = feedback.assign(timestamp=feedback["timestamp"].dt.tz_localize("Asia/Shanghai"))
    pd.testing.assert_frame_equal(
        feedback_features(aware, **KW, as_of="2024-06-30"),
        feedback_features(feedback, **KW, as_of="2024-06-30"),
    )


def test_complaint_log_reads_open_tickets(complaints: pd.DataFrame) -> None:
    log = ComplaintLog.read(complaints, customer="customer_id")
    assert (log.resolved == np.iinfo(np.int64).min).sum() == 1


def test_feedback_from_survey() -> None:
    wide = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "at": ["2024-01-05", "2024-01-06", "2024-01-07"],
            "Recommend?": [9, None, 2],
            "Satisfied?": [4, 2, None],
            "Comment": ["great", "slow delivery", None],
        }
    )
    long = feedback_from_survey(
        wide,
        customer="id",
        timestamp="at",
        questions={"nps": "Recommend?", "csat": "Satisfied?"},
        text="Comment",
    )
    assert long[["customer_id", "kind", "score"]].values.tolist() == [
        [1, "nps", 9.0],
        [1, "csat", 4.0],
        [2, "csat", 2.0],
        [3, "nps", 2.0],
    ]
    assert long["text"].tolist() == ["great", None, "slow delivery", None]
    with pytest.raises(ParameterError, match="questions must map at least one kind"):
        feedback_from_survey(wide, customer="id", timestamp="at", questions={})


def test_median_resolution_for_groups_of_every_size() -> None:
    day = pd.Timedelta(days=1)
    opened = pd.Timestamp("2024-01-01")
    took = {1: [3], 2: [1, 4], 3: [5, 1, 2], 4: [8, 1, 2, 6]}  # medians 3, 2.5, 2, 4
    cp = pd.DataFrame(
        [
            {"customer_id": c, "opened": opened, "resolved": opened + d * day}
            for c, days in took.items()
            for d in days
        ]
    )
    f = feedback_features(None, cp, customer="customer_id", timestamp="t", as_of="2024-02-01")
    assert f["median_resolution_days"].tolist() == [3.0, 2.5, 2.0, 4.0]


def test_last_nps_ties_take_the_later_row() -> None:
    fb = pd.DataFrame(
        {
            "customer_id": [1, 1, 1],
            "timestamp": pd.to_datetime(["2024-01-02", "2024-01-02", "2024-01-01"]),
            "kind": "nps",
            "score": [4, 10, 9],
        }
    )
    f = feedback_features(fb, **KW, as_of="2024-01-31")
    assert f.loc[1, "last_nps"] == 10.0


def test_customer_ids_of_two_types_are_refused(feedback: pd.DataFrame) -> None:
    cp = pd.DataFrame({"customer_id": ["1"], "opened": ["2024-01-05"], "resolved": [None]})
    with pytest.raises(
        SchemaError,
        match=r"column 'customer_id' holds numbers in one log and text in the other "
        r"\(feedback int64, complaints (object|str)\)",
    ):
        feedback_features(feedback, cp, **KW, as_of="2024-06-30")
    both = feedback_features(
        feedback.assign(customer_id=feedback["customer_id"].astype(str)), cp, **KW,
        as_of="2024-06-30",
    )  # fmt: skip
    assert both.index.tolist() == ["1", "2", "3"]
    assert both.loc["1", "complaints_open"] == 1


def test_survey_dates_are_read_with_one_format_per_column():
    # Read one by one, "01/02/2024" would be 2 January beside 13 February.
    survey = pd.DataFrame({"cid": [1, 2], "when": ["01/02/2024", "13/02/2024"], "nps": [9, 3]})
    answers = feedback_from_survey(
        survey, customer="cid", timestamp="when", questions={"nps": "nps"}
    )
    assert sorted(answers["timestamp"].dt.strftime("%Y-%m-%d")) == ["2024-02-01", "2024-02-13"]
