"""Small SQL builders shared by the readers: literals, typed conversions that report what failed, and the
content redaction applied to any raw text kept in the quarantine."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# A delimiter that does not occur in JSON text, so read_csv hands back whole lines.
LINE_DELIMITER = "\x1e\x1f\x1d\x1c"
MAX_LINE_BYTES = 64 * 1024 * 1024
MAX_RAW_TEXT_CHARS = 100_000

INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
FLOAT_TYPES = {"FLOAT", "DOUBLE", "REAL"}
TIMESTAMP_TYPES = {"TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "DATETIME", "TIMESTAMP WITH TIME ZONE"}


def lit(value: str | None) -> str:
    """A SQL string literal."""
    if value is None:
        return "null"
    return "'" + value.replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit_list(values: Iterable[str]) -> str:
    return "[" + ", ".join(lit(v) for v in values) + "]::varchar[]"


def read_lines_sql(path: str, *, rejects: str | None = None) -> str:
    """Every line of a text file (gzip by extension) as (_line, line), in file order, line numbers 1-based.

    The streaming row_number() follows the reader's order because insertion order is preserved. Lines the
    CSV machinery cannot hand over (invalid UTF-8, over-long) go to the rejects table when one is named."""
    options = [
        "columns={'line': 'varchar'}",
        "header=false",
        f"delim={lit(LINE_DELIMITER)}",
        "quote=''",
        "escape=''",
        "auto_detect=false",
        "strict_mode=false",
        "new_line='\\r\\n'",
        f"max_line_size={MAX_LINE_BYTES}",
        f"buffer_size={MAX_LINE_BYTES}",
    ]
    if rejects:
        options += [
            "store_rejects=true",
            "ignore_errors=true",
            f"rejects_table={lit(rejects + '_errors')}",
            f"rejects_scan={lit(rejects + '_scans')}",
        ]
    return f"select row_number() over () as _line, line from read_csv({lit(path)}, {', '.join(options)})"


def base_type(duckdb_type: str | None) -> str:
    if duckdb_type is None:
        return "VARCHAR"
    upper = duckdb_type.upper()
    if upper.startswith("DECIMAL"):
        return "DECIMAL"
    if upper.endswith("]") or upper.startswith(("STRUCT", "MAP", "UNION")):
        return "NESTED"
    return upper


@dataclass(frozen=True)
class Converted:
    value: str  # SQL for the typed value (null when absent or not convertible)
    invalid: str  # SQL condition: a value is present but does not convert
    present: str  # SQL condition: a value is present


_NUMERIC_TYPES = INTEGER_TYPES | FLOAT_TYPES | {"DECIMAL"}
_TEMPORAL_TYPES = TIMESTAMP_TYPES | {"DATE"}


def _text_value(expr: str, src: str) -> str:
    if src == "VARCHAR":
        return expr
    return f"to_json({expr})::varchar" if src in {"NESTED", "JSON"} else f"cast({expr} as varchar)"


def _integer_value(expr: str, src: str, target: str) -> str:
    if src in INTEGER_TYPES:
        return f"try_cast({expr} as {target})"
    if src in FLOAT_TYPES or src == "DECIMAL":  # only whole numbers are counts
        return f"case when ({expr}) = floor({expr}) then try_cast({expr} as {target}) end"
    if src == "VARCHAR":  # digits only: '1.5', '1e3' and 'abc' are wrong types
        return f"case when regexp_full_match({expr}, '[+-]?[0-9]+') then try_cast({expr} as {target}) end"
    return f"null::{target}"


def _decimal_value(expr: str, src: str, target: str) -> str:
    return f"try_cast({expr} as {target})" if src in _NUMERIC_TYPES or src == "VARCHAR" else f"null::{target}"


def _boolean_value(expr: str, src: str) -> str:
    if src == "BOOLEAN":
        return expr
    return f"try_cast({expr} as boolean)" if src == "VARCHAR" else "null::boolean"


def _temporal_value(expr: str, src: str, kind: str) -> str:
    target = "timestamp" if kind == "timestamp" else "date"
    if src in _TEMPORAL_TYPES:
        value = f"cast({expr} as {target})"
    elif src == "VARCHAR":
        # Offsets are honoured; a string without one is UTC (the session time zone is UTC).
        value = f"cast(try_cast({expr} as timestamptz) as {target})"
        if kind == "month":
            value = f"coalesce({value}, try_strptime({expr}, '%Y-%m')::date)"
    else:
        value = f"null::{target}"
    return f"cast(date_trunc('month', {value}) as date)" if kind == "month" else value


def convert(expr: str, source_type: str | None, kind: str) -> Converted:
    """Convert a source column to a raw-table type. kind is one of text, bigint, integer, money, price,
    boolean, timestamp, date, month. `invalid` is true where a value is present but does not convert."""
    src = base_type(source_type)
    if src == "VARCHAR" and kind != "text":
        # An empty or blank string is an absent value, not a malformed one (JSON exports write "").
        expr = f"nullif(trim({expr}), '')"
    present = f"({expr}) is not null"
    builders = {
        "bigint": lambda: _integer_value(expr, src, "bigint"),
        "integer": lambda: _integer_value(expr, src, "integer"),
        "money": lambda: _decimal_value(expr, src, "decimal(38, 12)"),
        "price": lambda: _decimal_value(expr, src, "decimal(38, 18)"),
        "boolean": lambda: _boolean_value(expr, src),
        "timestamp": lambda: _temporal_value(expr, src, kind),
        "date": lambda: _temporal_value(expr, src, kind),
        "month": lambda: _temporal_value(expr, src, kind),
    }
    if kind == "text":
        return Converted(_text_value(expr, src), "false", present)
    if kind not in builders:
        raise ValueError(f"unknown conversion kind {kind!r}")
    value = builders[kind]()
    return Converted(value, f"({present} and ({value}) is null)", present)


def case_first(branches: Sequence[tuple[str, str]], default: str = "null") -> str:
    """case when c1 then v1 when c2 then v2 ... end (first true condition wins)."""
    if not branches:
        return default
    body = " ".join(f"when {condition} then {value}" for condition, value in branches)
    return f"case {body} else {default} end"


def content_key_regex(keys: Sequence[str], prefixes: Sequence[str]) -> str:
    """RE2 pattern for a quoted content key in JSON text."""
    names = [re.escape(k) for k in keys] + [re.escape(p) + '[^"]*' for p in prefixes]
    return '"(' + "|".join(names) + ')"'


def redaction_macro_sql(name: str, keys: Sequence[str], prefixes: Sequence[str], columns: Sequence[str]) -> str:
    """A macro that strips content from a raw text before it is kept in the quarantine.

    OTLP attributes written as {"key": K, "value": {"stringValue": "..."}} are removed exactly; a LiteLLM
    field whose value is a JSON string is removed exactly. If any content key is still there afterwards
    (arrays, objects, a line cut in the middle), the whole text is withheld: the file and line still
    point to it in the landing folder."""
    key_re = content_key_regex(keys, prefixes)
    json_string = r'"(?:[^"\\]|\\.)*"'
    attribute = r'\{\s*"key"\s*:\s*' + key_re + r'\s*,\s*"value"\s*:\s*\{\s*"stringValue"\s*:\s*' + json_string
    attribute += r"\s*\}\s*\}\s*,?"
    column_names = "|".join(re.escape(c) for c in columns)
    column_re = '"(' + column_names + ')"' if columns else None
    column_value = (column_re + r"\s*:\s*" + json_string + r"\s*,?") if column_re else None
    any_content = key_re if not column_re else f"{key_re}|{column_re}\\s*:"
    stripped = f"regexp_replace(t, {lit(attribute)}, '', 'g')"
    if column_value:
        stripped = f"regexp_replace({stripped}, {lit(column_value)}, '', 'g')"
    withheld = "'[raw text withheld: it holds prompt or completion content that could not be removed]'"
    return f"""
create or replace temp macro {name}(t) as (
    case
        when t is null then null
        when not regexp_matches(t, {lit(any_content)}) then left(t, {MAX_RAW_TEXT_CHARS})
        when regexp_matches({stripped}, {lit(any_content)}) then {withheld}
        else left({stripped}, {MAX_RAW_TEXT_CHARS})
    end
)"""


_INPUT_ECHO = re.compile(r"\s*(Input:|Original Line:|csv_line).*", re.DOTALL)


def sanitize_error(message: str) -> str:
    """First line of an error, without the echo of the offending input DuckDB sometimes appends (it can
    hold prompt content)."""
    first = message.strip().splitlines()[0] if message.strip() else "unknown error"
    return _INPUT_ECHO.sub("", first)[:300]
