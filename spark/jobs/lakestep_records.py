"""Raw file -> records and rejects, exactly as docs/raw-records.md (JSON) and docs/tables.md
("Raw CSV", `raw.format: csv`) say (pure Python, no Spark).

The DuckDB engine (src/local/duckdb/) implements the same rules; the parity test
(test/integration/sparkParity.test.ts) runs both on the same files. This module runs on
Spark's Python workers (shipped with --py-files), so it imports nothing outside the stdlib.

Shapes:
- dataset config: the DatasetConfig JSON of src/config/config.ts, e.g.
  {"name": "access_records", "lateDays": 1, "eventTime": "timestamp",
   "required": ["sessionId", "timestamp"], "columns": {"sessionId": "string", ...}, ...}
- a valid record: ("ok", values) where values = [one value per declared column, in the
  config's column order] + [source_file, record_index, arrival_day, event_day]
- a reject: ("rejected", (arrival_day, source_file, record_index, reason, detail, event_day, raw_text))
  with days as datetime.date, event_day None unless reason == "late".
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import re
import zlib
from typing import Iterator, List, Optional, Tuple

MS_PER_DAY = 86_400_000
EPOCH = dt.date(1970, 1, 1)
# Event times accepted: 1970-01-01T00:00:00.000Z … 9999-12-31T23:59:59.999Z (epoch ms, inclusive).
MIN_EVENT_MS = 0
MAX_EVENT_MS = 253_402_300_799_999
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# JSON whitespace only (RFC 8259): the splitter must not treat e.g. \v or NBSP as a separator,
# or the two engines would cut records differently.
_WHITESPACE = " \t\r\n"
_INTEGER_TOKEN = re.compile(r"-?(0|[1-9][0-9]*)\Z")

# Raw key layouts under the dataset's raw prefix (same as src/core/rawKeys.ts).
_FIREHOSE = re.compile(r"(\d{4})/(\d{2})/(\d{2})/([01]\d|2[0-3])/[^/]+\Z")
_HIVE = re.compile(r"year=(\d{4})/month=(\d{2})/day=(\d{2})/(?:[^/]+/)*[^/]+\Z")


class Reject(Exception):
    """A record's quarantine reason (`reason`, `detail`, optional `event_day`)."""

    def __init__(self, reason: str, detail: str, event_day: Optional[dt.date] = None):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail, self.event_day = reason, detail, event_day


class JsonNumber:
    """A JSON number kept as its source token, so `string` columns get the JSON text (`1.50` stays `1.50`)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


def arrival_day_of_key(key: str, raw_prefix: str) -> Optional[dt.date]:
    """Arrival day named by a lake-relative raw key, or None outside both accepted layouts.

    >>> arrival_day_of_key("raw/a/2024/03/05/17/f.gz", "raw/a/")
    datetime.date(2024, 3, 5)
    """
    if not key.startswith(raw_prefix):
        return None
    rest = key[len(raw_prefix):]
    match = _FIREHOSE.match(rest) or _HIVE.match(rest)
    if not match:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:  # 2024/02/30: not a calendar day
        return None


def decode_file(data: bytes) -> Tuple[str, bool]:
    """Raw bytes -> (text, truncated).

    Gzip when the first two bytes are 1f 8b (multi-member streams are read member after member).
    `truncated` is True when a gzip stream ends before its trailer or is corrupt; `text` is then
    the readable part. Text is UTF-8; undecodable bytes become U+FFFD; a UTF-8 BOM at the start
    is dropped (docs/raw-records.md rule 1).
    """
    if data[:2] != b"\x1f\x8b":
        return _without_bom(data.decode("utf-8", errors="replace")), False
    out: List[bytes] = []
    rest = data
    truncated = False
    while rest:
        inflater = zlib.decompressobj(wbits=31)
        try:
            out.append(inflater.decompress(rest))
            out.append(inflater.flush())
        except zlib.error:
            truncated = True
            break
        if not inflater.eof:  # the stream stopped before the gzip trailer: a cut upload
            truncated = True
            break
        rest = inflater.unused_data
        # Padding zeros after the last member are not a new member.
        if rest.strip(b"\x00") == b"":
            break
        if rest[:2] != b"\x1f\x8b":
            truncated = True
            break
    return _without_bom(b"".join(out).decode("utf-8", errors="replace")), truncated


def _without_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


def split_records(text: str) -> Iterator[str]:
    """Cuts text into record texts (rule 3 of docs/raw-records.md).

    Skip whitespace; at `{` read to the matching `}` outside strings (a newline outside a string,
    or the end of the text, ends the record early); any other character starts a record that
    runs to the next newline (exclusive).

    >>> list(split_records('{"a":1}{"b":"}"}\\n x\\n'))
    ['{"a":1}', '{"b":"}"}', 'x']
    """
    i, n = 0, len(text)
    while i < n:
        if text[i] in _WHITESPACE:
            i += 1
            continue
        start = i
        if text[i] != "{":
            end = text.find("\n", i)
            end = n if end < 0 else end
            yield text[start:end]
            i = end
            continue
        depth, in_string, escaped = 0, False, False
        while i < n:
            ch = text[i]
            if in_string:
                if escaped:
                    escaped = False
                elif ch == "\\":
                    escaped = True
                elif ch == '"':
                    in_string = False
            elif ch == '"':
                in_string = True
            elif ch == "\n":
                break  # a newline outside a string always ends the record
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    i += 1
                    break
            i += 1
        yield text[start:i]


def _no_constants(name: str):
    # Python's json accepts NaN/Infinity; JSON (and DuckDB) do not.
    raise ValueError(f"invalid JSON constant {name}")


def _first_key_wins(pairs) -> dict:
    # A repeated key keeps its first value, as DuckDB's JSON reader (yyjson) does; Python's keeps the last.
    obj: dict = {}
    for key, value in pairs:
        obj.setdefault(key, value)
    return obj


def _check_surrogates(value) -> None:
    # A lone surrogate escape ("\\ud800") is not valid Unicode: DuckDB refuses the record, and a
    # surrogate could not be encoded as UTF-8 for Spark anyway. Text decoded from UTF-8 holds none,
    # so any surrogate here came from an escape that paired with nothing.
    if isinstance(value, str):
        if any("\ud800" <= ch <= "\udfff" for ch in value):
            raise ValueError("lone surrogate in a \\u escape")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_surrogates(key)
            _check_surrogates(item)
    elif isinstance(value, list):
        for item in value:
            _check_surrogates(item)


def parse_object(record: str) -> dict:
    """Parses one record text as a JSON object; numbers stay JsonNumber.

    Raises Reject("invalid_json", parser message) when it does not parse or is not an object.
    """
    try:
        value = json.loads(record, parse_int=JsonNumber, parse_float=JsonNumber, parse_constant=_no_constants,
                           object_pairs_hook=_first_key_wins)
        _check_surrogates(value)
    except (ValueError, RecursionError) as err:
        raise Reject("invalid_json", str(err)) from None
    if not isinstance(value, dict):
        raise Reject("invalid_json", f"expected a JSON object, got {type(value).__name__}")
    return value


def convert(value, type_name: str):
    """A JSON value -> the column value of `type_name`, or raises TypeError (-> bad_type).

    string: JSON string, or a number/boolean as its JSON text; bigint: an integer token (no
    fraction or exponent) within signed 64 bits; double: any number; boolean: true/false.
    None (JSON null) stays None.
    """
    if value is None:
        return None
    if type_name == "string":
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, JsonNumber):
            return value.text
    elif type_name == "bigint":
        if isinstance(value, JsonNumber) and _INTEGER_TOKEN.match(value.text):
            number = int(value.text)
            if INT64_MIN <= number <= INT64_MAX:
                return number
    elif type_name == "double":
        if isinstance(value, JsonNumber):
            return float(value.text)
    elif type_name == "boolean":
        if isinstance(value, bool):
            return value
    raise TypeError(type_name)


def event_day_of_ms(ms: int) -> dt.date:
    """UTC day of an epoch-ms instant (floor division: correct before 1970 too)."""
    return EPOCH + dt.timedelta(days=ms // MS_PER_DAY)


def record_values(record: str, dataset: dict, arrival_day: dt.date) -> Tuple[list, dt.date]:
    """Validates one record text: (column values in config order, event day).

    Raises Reject with the first reason that holds: invalid_json, missing_field, bad_type, late.
    """
    obj = parse_object(record)
    for field in dataset["required"]:
        if obj.get(field) is None:
            raise Reject("missing_field", field)
    values = []
    for field, type_name in dataset["columns"].items():
        try:
            values.append(convert(obj.get(field), type_name))
        except TypeError:
            raise Reject("bad_type", f"{field}: expected {type_name}") from None
    return values, event_day_of(values, dataset, arrival_day)


def event_day_of(values: list, dataset: dict, arrival_day: dt.date) -> dt.date:
    """The record's event day from its typed values (config column order), or raises Reject.

    Without `eventTime` (a snapshot dump, docs/tables.md) the event day is the arrival day and
    nothing is late. Otherwise: missing_field when the event time is NULL, bad_type outside years
    1970…9999, late when more than `lateDays` from the arrival day.
    """
    event_field = dataset.get("eventTime")
    if not event_field:
        return arrival_day
    event_ms = values[list(dataset["columns"]).index(event_field)]
    if event_ms is None:  # an optional event time that is absent: the record has no day to land in
        raise Reject("missing_field", event_field)
    if not MIN_EVENT_MS <= event_ms <= MAX_EVENT_MS:
        raise Reject("bad_type", f"{event_field}: expected epoch ms in years 1970…9999")
    event_day = event_day_of_ms(event_ms)
    late_days = int(dataset["lateDays"])
    if abs((event_day - arrival_day).days) > late_days:
        raise Reject("late", f"arrival {arrival_day.isoformat()}, event {event_day.isoformat()}", event_day)
    return event_day


def file_records(source_file: str, data: bytes, arrival_day: dt.date, dataset: dict) -> Iterator[tuple]:
    """Every record and reject of one raw file, in file order (shapes in the module docstring).

    `source_file` is the lake-relative key; `data` the file's bytes as stored. `dataset["raw"]
    ["format"]` (or `dataset["format"]`) `csv` reads the file as CSV (csv_records), else JSON.
    """
    text, truncated = decode_file(data)
    if truncated:
        yield ("rejected", (arrival_day, source_file, 0, "truncated_gzip", str(len(data)), None, text))
        return
    if raw_format(dataset) == "csv":
        yield from csv_records(source_file, text, arrival_day, dataset)
        return
    for index, record in enumerate(split_records(text)):
        try:
            values, event_day = record_values(record, dataset, arrival_day)
        except Reject as rej:
            yield ("rejected", (arrival_day, source_file, index, rej.reason, rej.detail, rej.event_day, record))
            continue
        yield ("ok", values + [source_file, index, arrival_day, event_day])


# ---------------------------------------------------------------------------------------------
# Raw CSV (docs/tables.md, "Raw CSV"): RFC 4180 through Python's csv module (strict), a header
# matched by name, every value typed by the rules below.

_CSV_BIGINT = re.compile(r"-?[0-9]+\Z")
_CSV_DOUBLE = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")


def raw_format(dataset: dict) -> str:
    """`json` or `csv`: the dataset's raw.format (a flattened `format` key also counts)."""
    raw = dataset.get("raw") or {}
    return raw.get("format") or dataset.get("format") or "json"


def convert_csv(text: str, type_name: str):
    """A CSV field -> the column value of `type_name`, or raises TypeError (-> bad_type).

    An empty field is NULL; bigint: an optional `-` and digits within signed 64 bits; double: a
    decimal or exponent number (optional `-`); boolean: true/false in any case; string: as is.
    """
    if text == "":
        return None
    if type_name == "string":
        return text
    if type_name == "bigint":
        if _CSV_BIGINT.match(text):
            number = int(text)
            if INT64_MIN <= number <= INT64_MAX:
                return number
    elif type_name == "double":
        if _CSV_DOUBLE.match(text):
            return float(text)
    elif type_name == "boolean":
        lowered = text.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
    raise TypeError(type_name)


class _LineFeed:
    """The file's lines (line ends kept) for csv.reader, remembering those each record consumed."""

    def __init__(self, text: str):
        self._lines = (m.group(0) for m in _LINE.finditer(text))
        self.consumed: List[str] = []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.consumed.append(line)
        return line

    def take(self) -> str:
        """The lines consumed since the last take, as in the file, without the final line end."""
        text = "".join(self.consumed)
        self.consumed = []
        if text.endswith("\r\n"):
            return text[:-2]
        return text[:-1] if text.endswith("\n") else text


def csv_values(fields: List[str], header_index: dict, dataset: dict, arrival_day: dt.date) -> Tuple[list, dt.date]:
    """Validates one CSV record's fields: (column values in config order, event day) or raises Reject
    (missing_field for an empty required value, bad_type, then the event-time rules)."""
    texts = {name: fields[i] for name, i in header_index.items()}
    for field in dataset["required"]:
        if texts.get(field, "") == "":
            raise Reject("missing_field", field)
    values = []
    for field, type_name in dataset["columns"].items():
        try:
            values.append(convert_csv(texts[field], type_name))
        except TypeError:
            raise Reject("bad_type", f"{field}: expected {type_name}") from None
    return values, event_day_of(values, dataset, arrival_day)


def csv_records(source_file: str, text: str, arrival_day: dt.date, dataset: dict) -> Iterator[tuple]:
    """Records and rejects of one decoded CSV file, in file order (shapes in the module docstring).

    The first record is the header (decode_file dropped a leading UTF-8 BOM); record_index counts the records
    after it from 0, rejects included; blank lines are no records. First reason that holds:
    invalid_csv (the record does not parse as RFC 4180, or has another number of fields than the
    header), missing_field (a declared column absent from the header — every record of the file —
    or an empty required value), bad_type, late.
    """
    feed = _LineFeed(text)
    reader = csv.reader(feed, strict=True)
    header: Optional[List[str]] = None
    missing: Optional[str] = None
    header_index: dict = {}
    index = 0
    while True:
        try:
            fields = next(reader)
            error = None
        except StopIteration:
            return
        except csv.Error as err:
            fields, error = None, str(err)
        raw_text = feed.take()
        if fields == []:  # a blank line
            continue
        if header is None:
            if error is not None:  # no header to match columns against: the file gives one reject
                yield ("rejected", (arrival_day, source_file, 0, "invalid_csv", f"header: {error}", None, raw_text))
                return
            header = fields
            for i, name in enumerate(header):
                header_index.setdefault(name, i)  # a repeated name: its first column
            missing = next((c for c in dataset["columns"] if c not in header_index), None)
            header_index = {c: header_index[c] for c in dataset["columns"] if c in header_index}
            continue
        try:
            if error is not None:
                raise Reject("invalid_csv", error)
            if len(fields) != len(header):
                raise Reject("invalid_csv", f"expected {len(header)} fields, got {len(fields)}")
            if missing is not None:
                raise Reject("missing_field", missing)
            values, event_day = csv_values(fields, header_index, dataset, arrival_day)
        except Reject as rej:
            yield ("rejected", (arrival_day, source_file, index, rej.reason, rej.detail, rej.event_day, raw_text))
        else:
            yield ("ok", values + [source_file, index, arrival_day, event_day])
        index += 1
