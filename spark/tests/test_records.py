"""Splitter and quarantine rules of docs/raw-records.md, on small inputs (no Spark)."""
import datetime as dt
import gzip
import json

import pytest

from lakestep_records import arrival_day_of_key, decode_file, file_records, split_records

DAY = dt.date(2024, 3, 5)
MS = 1709632800000  # 2024-03-05T10:00:00Z
DATASET = {
    "required": ["sessionId", "timestamp"],
    "eventTime": "timestamp",
    "lateDays": 1,
    "columns": {"sessionId": "string", "timestamp": "bigint", "userId": "bigint", "success": "boolean", "ratio": "double", "instance": "string"},
}


def run(text, arrival=DAY):
    return list(file_records("raw/a/2024/03/05/10/f", text.encode() if isinstance(text, str) else text, arrival, DATASET))


def rejects(text):
    return [(r[1][2], r[1][3], r[1][4]) for r in run(text) if r[0] == "rejected"]


class TestSplitRecords:
    def test_splits_newline_delimited_and_back_to_back_objects_mixed_in_one_file(self):
        assert list(split_records('{"a":1}{"b":2}\n{"c":3}\r\n  {"d":4}')) == ['{"a":1}', '{"b":2}', '{"c":3}', '{"d":4}']

    def test_respects_braces_quotes_and_escapes_inside_strings(self):
        text = '{"a":"}{\\"}"}{"b":{"c":"\\\\"}}'
        assert list(split_records(text)) == ['{"a":"}{\\"}"}', '{"b":{"c":"\\\\"}}']

    def test_a_newline_outside_a_string_cuts_an_unclosed_object(self):
        assert list(split_records('{"a":1\n{"b":2}')) == ['{"a":1', '{"b":2}']

    def test_the_end_of_the_text_cuts_an_unclosed_object(self):
        assert list(split_records('{"a":{"b":1}')) == ['{"a":{"b":1}']

    def test_any_other_character_starts_a_record_running_to_the_next_newline(self):
        assert list(split_records('garbage {"x":1}\n[1,2]\n{"a":1}tail\n')) == ['garbage {"x":1}', "[1,2]", '{"a":1}', "tail"]

    def test_whitespace_only_gives_no_records(self):
        assert list(split_records(" \n\t\r\n")) == []


class TestDecodeFile:
    def test_plain_text_is_utf8(self):
        assert decode_file("é{}".encode()) == ("é{}", False)

    def test_a_bom_at_the_start_is_dropped_plain_or_gzip_and_only_there(self):
        data = '\ufeff{"a":1}\n\ufeff{"a":2}'.encode()
        assert decode_file(data) == ('{"a":1}\n\ufeff{"a":2}', False)
        assert decode_file(gzip.compress(data)) == ('{"a":1}\n\ufeff{"a":2}', False)

    def test_gzip_is_detected_by_magic_bytes_not_name(self):
        assert decode_file(gzip.compress(b'{"a":1}')) == ('{"a":1}', False)

    def test_concatenated_gzip_members_are_all_read(self):
        assert decode_file(gzip.compress(b"a") + gzip.compress(b"b")) == ("ab", False)

    def test_a_gzip_cut_before_its_trailer_is_truncated_with_the_readable_text(self):
        data = gzip.compress(b'{"a":1}\n' * 100)
        text, truncated = decode_file(data[:-6])
        assert truncated and text.startswith('{"a":1}\n')


class TestQuarantine:
    def test_valid_record_gives_typed_values_and_position_columns(self):
        rec = {"sessionId": "s", "timestamp": MS, "userId": 7, "success": True, "ratio": 1, "instance": "000503"}
        (kind, values), = run(json.dumps(rec))
        assert kind == "ok"
        assert values == ["s", MS, 7, True, 1.0, "000503", "raw/a/2024/03/05/10/f", 0, DAY, DAY]

    def test_string_columns_take_numbers_and_booleans_as_their_json_text(self):
        (kind, values), = run('{"sessionId":12.50,"timestamp":%d,"instance":true}' % MS)
        assert (values[0], values[5]) == ("12.50", "true")

    def test_a_repeated_key_keeps_its_first_value_as_duckdb_does(self):
        (kind, values), = run('{"sessionId":"first","timestamp":%d,"sessionId":"second"}' % MS)
        assert values[0] == "first"

    def test_paired_surrogate_escapes_are_one_character(self):
        (kind, values), = run('{"sessionId":"\\ud83d\\ude00","timestamp":%d}' % MS)
        assert (kind, values[0]) == ("ok", "\U0001F600")

    def test_record_index_counts_rejects_too(self):
        out = run('{bad\n{"sessionId":"s","timestamp":%d}' % MS)
        assert [(k, v[2] if k == "rejected" else v[7]) for k, v in out] == [("rejected", 0), ("ok", 1)]

    @pytest.mark.parametrize(
        "record,reason,detail",
        [
            ("{bad", "invalid_json", None),
            ("[1,2]", "invalid_json", None),
            ('{"sessionId":"s","timestamp":NaN}', "invalid_json", None),
            ('{"timestamp":%d}' % MS, "missing_field", "sessionId"),
            ('{"sessionId":null,"timestamp":%d}' % MS, "missing_field", "sessionId"),
            ('{"sessionId":"s"}', "missing_field", "timestamp"),
            ('{"sessionId":{},"timestamp":%d}' % MS, "bad_type", "sessionId: expected string"),
            ('{"sessionId":"s","timestamp":"%d"}' % MS, "bad_type", "timestamp: expected bigint"),
            ('{"sessionId":"s","timestamp":%d.0}' % MS, "bad_type", "timestamp: expected bigint"),
            ('{"sessionId":"s","timestamp":%d,"userId":9223372036854775808}' % MS, "bad_type", "userId: expected bigint"),
            ('{"sessionId":"s","timestamp":%d,"success":1}' % MS, "bad_type", "success: expected boolean"),
            ('{"sessionId":"s","timestamp":%d,"ratio":"1"}' % MS, "bad_type", "ratio: expected double"),
            ('{"sessionId":"s","timestamp":-1}', "bad_type", "timestamp: expected epoch ms in years 1970…9999"),
            ('{"sessionId":"s","timestamp":253402300800000}', "bad_type", "timestamp: expected epoch ms in years 1970…9999"),
            ('{"sessionId":"\\ud800","timestamp":%d}' % MS, "invalid_json", None),
            ('{"sessionId":"s","timestamp":%d}' % (MS + 2 * 86400000), "late", "arrival 2024-03-05, event 2024-03-07"),
            ('{"sessionId":"s","timestamp":%d}' % (MS - 2 * 86400000), "late", "arrival 2024-03-05, event 2024-03-03"),
        ],
    )
    def test_first_reason_that_holds(self, record, reason, detail):
        (index, got_reason, got_detail), = rejects(record)
        assert got_reason == reason
        if detail is not None:
            assert got_detail == detail

    def test_within_lateness_is_valid_and_keeps_its_event_day(self):
        (kind, values), = run('{"sessionId":"s","timestamp":%d}' % (MS + 86400000))
        assert kind == "ok" and values[-1] == dt.date(2024, 3, 6) and values[-2] == DAY

    def test_late_rejects_carry_the_event_day(self):
        (kind, rej), = run('{"sessionId":"s","timestamp":%d}' % (MS + 3 * 86400000))
        assert rej[5] == dt.date(2024, 3, 8)

    def test_a_truncated_gzip_file_is_one_reject_with_its_size_and_readable_text(self):
        data = gzip.compress(('{"sessionId":"s","timestamp":%d}\n' % MS).encode() * 50)[:-6]
        (kind, rej), = run(data)
        assert (kind, rej[2], rej[3], rej[4]) == ("rejected", 0, "truncated_gzip", str(len(data)))
        assert rej[6].startswith('{"sessionId":"s"')


@pytest.mark.parametrize(
    "key,day",
    [
        ("raw/a/2024/03/05/17/f.gz", dt.date(2024, 3, 5)),
        ("raw/a/year=2024/month=03/day=05/hour=17/f.json", dt.date(2024, 3, 5)),
        ("raw/a/year=2024/month=03/day=05/f.json", dt.date(2024, 3, 5)),
        ("raw/a/2024/03/05/24/f.gz", None),  # no hour 24
        ("raw/a/2024/02/30/01/f.gz", None),  # not a calendar day
        ("raw/a/2024/03/05/17/x/f.gz", None),  # Firehose layout has exactly four folders
        ("raw/b/2024/03/05/17/f.gz", None),
    ],
)
def test_arrival_day_of_key_follows_src_core_rawKeys(key, day):
    assert arrival_day_of_key(key, "raw/a/") == day
