"""Privacy: keyed pseudonyms, planted personal data, minimum group size, erasure."""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd
import pytest

from segkit.errors import ParameterError
from segkit.privacy import (
    Privacy,
    find_pii,
    forget,
    is_cn_resident_id,
    mask_pii,
    pseudonymize,
    suppress_small,
)

KEY = b"k" * 32

# 18-digit resident IDs; check digits worked by hand with the GB 11643 weights
# (e.g. 310115198511204566: weighted sum 237, 237 mod 11 = 6, "10X98765432"[6] = "6").
VALID_IDS = [
    "11010519491231002X",
    "44030419900307123X",
    "310115198511204566",
    "510107200012290014",
]
INVALID_IDS = [
    "110105194912310021",  # wrong check digit
    "310115198511204567",  # wrong check digit
    "310115198513204566",  # month 13
    "31011519851120456",  # 17 digits
]


@pytest.mark.parametrize("value", VALID_IDS, ids=VALID_IDS)
def test_valid_cn_resident_ids(value):
    assert is_cn_resident_id(value)
    assert is_cn_resident_id(value.lower())


@pytest.mark.parametrize("value", INVALID_IDS, ids=INVALID_IDS)
def test_invalid_cn_resident_ids(value):
    assert not is_cn_resident_id(value)


def test_pseudonyms_are_hmac_sha256_and_stable():
    expected = hmac.new(KEY, b"c1", hashlib.sha256).hexdigest()[:16]
    assert pseudonymize("c1", KEY) == expected
    assert pseudonymize(["c1", "c2", "c1"], KEY) == [expected, pseudonymize("c2", KEY), expected]
    # ids as read: 7, 7.0 and "7" are one customer
    assert pseudonymize(7, KEY) == pseudonymize(7.0, KEY) == pseudonymize("7", KEY)
    # another key, other pseudonyms; the plain SHA-256 of the id is not the pseudonym
    assert pseudonymize("c1", b"x" * 32) != expected
    assert hashlib.sha256(b"c1").hexdigest()[:16] != expected


def test_pseudonymize_keeps_the_shape():
    s = pd.Series(["a", "b"], index=[10, 11], name="id")
    out = pseudonymize(s, KEY)
    assert out.index.tolist() == [10, 11]
    assert out.name == "id"
    idx = pseudonymize(pd.Index([1, 2], name="customer_id"), KEY)
    assert isinstance(idx, pd.Index)
    assert idx.name == "customer_id"


def test_short_key_refused():
    with pytest.raises(
        ParameterError, match=r"^the pseudonymisation key has 5 bytes; use at least 16"
    ):
        pseudonymize("a", b"short")


def _planted() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "客户姓名": ["张伟", "李娜", "王芳", "刘洋"],
            "contact": ["ann@shop.cn", "bo.li+x@mail.example.com", "c@d.org", None],
            "手机号": ["13812345678", "+86 139-1234-5678", "15900001111", "18611112222"],
            "mobile_int": [13812345678, 13912345678, 15000001111, 18600002222],
            "note": ["北京市朝阳区建国路88号", "上海市徐汇区漕溪北路 1200 号 3 室", "x", "y"],
            "ship_to": ["12 Baker Street", "221B Baker St", "1 Infinite Loop Way", "-"],
            "doc": [VALID_IDS[0], VALID_IDS[2], "n/a", VALID_IDS[1]],
            "bad_doc": [*INVALID_IDS[:2], "110105194912310022", "310115198511204568"],
            "email_opens_30d": [1, 2, 3, 4],
            "segment": ["champions", "lost", "new", "loyal"],
            "revenue": [1.0, 2.0, 3.0, 4.0],
        }
    )


def test_find_pii_by_name_and_content():
    found = find_pii(_planted())
    assert found.to_dict("index") == {
        "客户姓名": {"kind": "name", "found_by": "name", "values": 4, "matches": 4},
        "contact": {"kind": "email", "found_by": "content", "values": 3, "matches": 3},
        "手机号": {"kind": "phone", "found_by": "name+content", "values": 4, "matches": 4},
        "mobile_int": {"kind": "phone", "found_by": "name+content", "values": 4, "matches": 4},
        "note": {"kind": "address", "found_by": "content", "values": 4, "matches": 2},
        "ship_to": {"kind": "address", "found_by": "content", "values": 4, "matches": 3},
        "doc": {"kind": "national_id", "found_by": "content", "values": 4, "matches": 3},
    }
    # 18-digit numbers with wrong check digits are not resident IDs; counts are not e-mails
    assert "bad_doc" not in found.index
    assert "email_opens_30d" not in found.index


def test_mask_drop_and_pseudonymize():
    frame = _planted()
    masked = mask_pii(frame)
    assert masked["contact"].tolist()[:3] == [
        "a***@shop.cn",
        "b***@mail.example.com",
        "c***@d.org",
    ]
    assert pd.isna(masked["contact"].tolist()[3])
    assert masked["手机号"].tolist()[0] == "*******5678"
    assert masked["客户姓名"].tolist() == ["张*", "李*", "王*", "刘*"]
    assert masked["doc"].tolist()[0] == "**************002X"
    assert masked["note"].tolist()[0] == "***"
    assert masked["revenue"].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert frame["contact"].tolist()[0] == "ann@shop.cn"  # input untouched
    dropped = mask_pii(frame, action="drop")
    assert list(dropped.columns) == ["bad_doc", "email_opens_30d", "segment", "revenue"]
    hidden = mask_pii(frame, action="pseudonymize", key=KEY, columns=["contact"])
    assert hidden["contact"].tolist()[:3] == pseudonymize(frame["contact"].tolist()[:3], KEY)
    assert pd.isna(hidden["contact"].tolist()[3])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"action": "hide"}, "action must be 'mask', 'drop' or 'pseudonymize'; got 'hide'"),
        ({"action": "pseudonymize"}, "action='pseudonymize' needs key= (at least 16 bytes)"),
    ],
    ids=["action", "key"],
)
def test_mask_pii_errors(kwargs, message):
    with pytest.raises(ParameterError) as info:
        mask_pii(_planted(), **kwargs)
    assert str(info.value) == message


def test_suppress_small_merges_and_drops():
    summary = pd.DataFrame(
        {
            "customers": [50, 3, 2, 1],
            "share": [0.893, 0.054, 0.036, 0.018],
            "median": [1, 2, 3, 4],
        },
        index=pd.Index(["a", "b", "c", "d"], name="segment"),
    )
    out = suppress_small(summary, 5)
    assert out.index.tolist() == ["a", "other"]
    assert out.loc["other", "customers"] == 6
    assert out.loc["other", "share"] == pytest.approx(0.108)
    assert pd.isna(out.loc["other", "median"])
    # an "other" still below k is dropped: no row describes fewer than k people
    assert suppress_small(summary, 7).index.tolist() == ["a"]
    assert (suppress_small(summary, 7)["customers"] >= 7).all()


def test_privacy_validates():
    with pytest.raises(ParameterError, match=r"^min_group must be a whole number"):
        Privacy(min_group=-1)
    with pytest.raises(ParameterError, match=r"^the pseudonymisation key has 3 bytes"):
        Privacy(key=b"abc")


def test_forget_table_and_file(tmp_path):
    from segkit.io import write_crm

    table = pd.DataFrame(
        {"segment": ["a", "b", "c"]}, index=pd.Index([7.0, 8.0, 9.0], name="customer_id")
    )
    assert forget(table, [7, "9"]).index.tolist() == [8.0]
    assert len(table) == 3
    path = tmp_path / "crm.csv"
    write_crm(table, path, columns=["segment"], encoding="utf-8-sig")
    forget(path, ["8"])
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert path.read_text(encoding="utf-8-sig").splitlines() == [
        "Customer ID,segment",
        "7,a",
        "9,c",
    ]


@pytest.mark.parametrize(
    "name", ["city", "country", "province", "region", "state", "城市", "省份", "国家", "ship_city"]
)
def test_coarse_location_names_are_not_addresses_by_name_alone(name):
    frame = pd.DataFrame({name: ["Beijing", "上海", "Shenzhen", None]})
    assert name not in find_pii(frame).index


def test_an_address_name_alone_still_flags():
    found = find_pii(pd.DataFrame({"address": ["Beijing", "上海"]}))
    assert found.loc["address", "found_by"] == "name"


@pytest.mark.parametrize(
    "ids",
    [
        pd.Series(["c1", None, np.nan, "c1"]),
        pd.Series(["c1", pd.NA, None, "c1"], dtype="string"),
        pd.Series([1.0, np.nan, np.nan, 1.0]),
    ],
    ids=["object", "string", "float"],
)
def test_missing_ids_stay_missing(ids):
    p = pseudonymize(ids, KEY)
    assert p.isna().tolist() == [False, True, True, False]
    assert p.iloc[0] == p.iloc[3] == pseudonymize("c1" if ids.iloc[0] == "c1" else 1, KEY)
    assert pseudonymize([None, "c1"], KEY)[0] is None
    assert pseudonymize(None, KEY) is None


def test_forget_warns_how_many_ids_were_not_found():
    table = pd.DataFrame({"x": [1, 2, 3]}, index=pd.Index(["a", "b", "c"], name="id"))
    with pytest.warns(UserWarning, match=r"forget: 2 of the 3 id\(s\) to remove were not found"):
        out = forget(table, ["a", "zz", "yy"])
    assert list(out.index) == ["b", "c"]


@pytest.mark.parametrize(
    "values",
    [
        pytest.param(["2024-09-21", "2023-01-05", "2025-11-30"], id="iso-dates"),
        pytest.param(["21/09/2024", "05/01/2023", "30/11/2025"], id="day-month-year"),
        pytest.param(["2024.9.21", "2023.1.5", "2025.11.30"], id="dotted"),
        pytest.param(["2024-09-21 10:30:00", "2023-01-05T08:00", "2025-11-30 23:59"], id="stamps"),
    ],
)
def test_dates_are_not_phone_numbers(values):
    # a shop's signup_date column was dropped by --drop-pii as "phone (content)"
    assert find_pii(pd.DataFrame({"signup_date": values})).empty


def test_phones_with_dashes_are_still_phones():
    frame = pd.DataFrame({"x": ["020-7946-0958", "+44 20 7946 0958", "138-1234-5678"]})
    assert find_pii(frame)["kind"].to_dict() == {"x": "phone"}
