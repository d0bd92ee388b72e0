"""Raw CSV rules of docs/tables.md ("Raw CSV"), on small inputs (no Spark)."""
import datetime as dt
import gzip

import pytest

from lakestep_records import convert_csv, file_records

DAY = dt.date(2024, 3, 5)
MS = 1709632800000  # 2024-03-05T10:00:00Z
# A snapshot dump: no eventTime, so the event day is the arrival day.
DATASET = {
    "raw": {"prefix": "raw/node_snapshots/", "format": "csv"},
    "required": ["ID", "PROJECT_ID", "TIMESTAMP"],
    "lateDays": 1,
    "columns": {"ID": "bigint", "PROJECT_ID": "bigint", "NODE_TYPE": "string", "TIMESTAMP": "bigint", "SCORE": "double", "PUBLIC": "boolean"},
}
HEADER = "ID,PROJECT_ID,NODE_TYPE,TIMESTAMP,SCORE,PUBLIC,EXTRA"


def run(text, dataset=DATASET, arrival=DAY):
    data = text if isinstance(text, bytes) else text.encode()
    return list(file_records("raw/node_snapshots/year=2024/month=03/day=05/dump.csv.gz", data, arrival, dataset))


def ok_values(out):
    return [v[:6] for kind, v in out if kind == "ok"]


def rejects(out):
    # (record_index, reason, detail, raw_text)
    return [(r[2], r[3], r[4], r[6]) for kind, r in out if kind == "rejected"]


def test_header_matched_by_name_extra_columns_ignored_and_position_columns():
    out = run(gzip.compress(f"NODE_TYPE,EXTRA,TIMESTAMP,ID,PROJECT_ID,PUBLIC,SCORE\nfile,x,{MS},7,42,TRUE,1.5e3\n".encode()))
    assert out == [("ok", [7, 42, "file", MS, 1500.0, True, "raw/node_snapshots/year=2024/month=03/day=05/dump.csv.gz", 0, DAY, DAY])]


def test_rfc4180_quoted_comma_doubled_quote_and_newline_in_a_quoted_field():
    text = (f'{HEADER}\r\n'
            f'1,2,"a,b",{MS},,,\r\n'
            f'3,4,"say ""hi""",{MS},,false,\r\n'
            f'5,6,"two\nlines",{MS},-0.5,,\r\n')
    out = run(text)
    assert [v[2] for v in ok_values(out)] == ["a,b", 'say "hi"', "two\nlines"]
    assert [v[7] for kind, v in out] == [0, 1, 2]


def test_an_empty_field_is_null_for_every_type():
    (kind, values), = run(f"{HEADER}\n1,2,,{MS},,,\n")
    assert kind == "ok" and values[2:6] == [None, MS, None, None]


def test_a_wrong_field_count_is_invalid_csv_and_the_next_record_still_parses():
    out = run(f"{HEADER}\n1,2,file,{MS},,\n1,2,file,{MS},,,,x\n3,4,file,{MS},,,\n")
    assert [(i, reason, detail) for i, reason, detail, _ in rejects(out)] == [
        (0, "invalid_csv", "expected 7 fields, got 6"), (1, "invalid_csv", "expected 7 fields, got 8")]
    assert ok_values(out) == [[3, 4, "file", MS, None, None]]
    assert [v[7] for kind, v in out if kind == "ok"] == [2]


def test_text_after_a_closing_quote_and_an_unclosed_quote_are_invalid_csv():
    out = run(f'{HEADER}\n1,2,"a"b,{MS},,,\n3,4,"open,{MS},,,\n5,6,x,{MS},,,\n')
    assert [(i, reason) for i, reason, _, _ in rejects(out)] == [(0, "invalid_csv"), (1, "invalid_csv")]
    # the unclosed quote swallows the rest of the file: its raw text is those lines
    assert rejects(out)[1][3] == f'3,4,"open,{MS},,,\n5,6,x,{MS},,,'


def test_a_declared_column_missing_from_the_header_rejects_every_record_naming_it():
    out = run(f"ID,PROJECT_ID,NODE_TYPE,TIMESTAMP,PUBLIC\n1,2,file,{MS},true\n3,4,file,{MS},false\n")
    assert [(i, reason, detail) for i, reason, detail, _ in rejects(out)] == [(0, "missing_field", "SCORE"), (1, "missing_field", "SCORE")]


def test_header_names_are_case_sensitive():
    out = run(f"id,PROJECT_ID,NODE_TYPE,TIMESTAMP,SCORE,PUBLIC\n1,2,file,{MS},,\n")
    assert rejects(out)[0][1:3] == ("missing_field", "ID")


@pytest.mark.parametrize(
    "row,reason,detail",
    [
        (f",2,file,{MS},,", "missing_field", "ID"),
        (f"1,2,file,,,", "missing_field", "TIMESTAMP"),
        (f"1x,2,file,{MS},,", "bad_type", "ID: expected bigint"),
        (f"1.0,2,file,{MS},,", "bad_type", "ID: expected bigint"),
        (f"+1,2,file,{MS},,", "bad_type", "ID: expected bigint"),
        (f"9223372036854775808,2,file,{MS},,", "bad_type", "ID: expected bigint"),
        (f"1,2,file,{MS},abc,", "bad_type", "SCORE: expected double"),
        (f"1,2,file,{MS},,yes", "bad_type", "PUBLIC: expected boolean"),
        (f"1,2,file,{MS}, 1,", "bad_type", "SCORE: expected double"),
    ],
)
def test_first_reason_that_holds(row, reason, detail):
    (_, got_reason, got_detail, raw_text), = rejects(run(f"ID,PROJECT_ID,NODE_TYPE,TIMESTAMP,SCORE,PUBLIC\n{row}\n"))
    assert (got_reason, got_detail, raw_text) == (reason, detail, row)


def test_type_rules():
    assert convert_csv("-9223372036854775808", "bigint") == -(2**63)
    assert convert_csv("007", "bigint") == 7
    assert [convert_csv(t, "double") for t in ("1", "-2.5", ".5", "1.", "1e-3", "2E+2")] == [1.0, -2.5, 0.5, 1.0, 0.001, 200.0]
    for bad in ("NaN", "inf", "1,5", "e3", "- 1"):
        with pytest.raises(TypeError):
            convert_csv(bad, "double")
    assert [convert_csv(t, "boolean") for t in ("TRUE", "False", "tRuE")] == [True, False, True]
    assert convert_csv(" spaced ", "string") == " spaced "


def test_without_event_time_the_event_day_is_the_arrival_day_and_nothing_is_late():
    old = 1_000_000_000_000  # 2001: far outside lateDays, but there is no eventTime
    (kind, values), = run(f"ID,PROJECT_ID,NODE_TYPE,TIMESTAMP,SCORE,PUBLIC\n1,2,file,{old},,\n", arrival=dt.date(2024, 3, 6))
    assert kind == "ok" and values[-2:] == [dt.date(2024, 3, 6), dt.date(2024, 3, 6)]


def test_with_event_time_csv_records_can_be_late():
    ds = {**DATASET, "eventTime": "TIMESTAMP"}
    out = run(f"ID,PROJECT_ID,NODE_TYPE,TIMESTAMP,SCORE,PUBLIC\n1,2,file,{MS + 3 * 86_400_000},,\n", dataset=ds)
    assert rejects(out)[0][1:3] == ("late", "arrival 2024-03-05, event 2024-03-08")


def test_blank_lines_and_a_bom_are_not_records():
    out = run(f"\ufeff{HEADER}\n\n1,2,file,{MS},,,\n\n3,4,file,{MS},,,")
    assert [v[7] for kind, v in out] == [0, 1] and [v[0] for v in ok_values(out)] == [1, 3]


def test_a_header_only_or_empty_file_has_no_records():
    assert run(HEADER + "\n") == [] and run("") == []


def test_a_truncated_gzip_csv_is_one_truncated_gzip_reject():
    data = gzip.compress(f"{HEADER}\n".encode() + f"1,2,file,{MS},,,\n".encode() * 50)[:-6]
    (kind, rej), = run(data)
    assert (rej[2], rej[3]) == (0, "truncated_gzip")
