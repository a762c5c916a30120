"""DuckDB SQL readers: each turns one landing file into the temp table `_batch`, one row per input record
with its typed raw-table columns, or with the reason it is quarantined.

`_batch` columns shared by every reader:
    rowid        DuckDB's row id identifies a row within the batch
    _source_row  1-based line (JSON lines), data row (CSV, header excluded) or row (Parquet); results of
                 JSON pages are numbered across pages and buckets
    _target      raw table the row goes to; null for a row that is quarantined before it has one, or
                 skipped as out of scope (e.g. a non-AI FOCUS charge)
    _reason      quarantine reason, null for a good row
    _detail      human-readable reason detail
    _raw_text    for quarantined rows: the input as text, prompt/completion content removed
plus the columns of the target tables. Python here only writes SQL; every data row is handled by DuckDB.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb
import fsspec

from orchestration.ingest.config import IngestConfig
from orchestration.ingest.landing import LandingFile
from orchestration.ingest.sql import (
    MAX_LINE_BYTES,
    Converted,
    case_first,
    convert,
    ident,
    lit,
    lit_list,
    read_lines_sql,
    redaction_macro_sql,
    sanitize_error,
)

BATCH = "_batch"
REJECTS = "_ingest_rejects"
REDACT = "_ingest_redact"


class FileRejectedError(Exception):
    """The file as a whole cannot be loaded (reason is a quarantine reason code)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class ReadContext:
    config: IngestConfig
    now: datetime  # load time used for the future-timestamp rule (naive UTC)

    @property
    def future_limit_sql(self) -> str:
        limit = self.now + timedelta(hours=self.config.max_future_hours)
        return f"timestamp '{limit.isoformat(sep=' ')}'"

    @property
    def earliest_sql(self) -> str:
        return f"timestamp '{self.config.earliest_timestamp.isoformat()} 00:00:00'"


@dataclass(frozen=True)
class Field:
    """A raw-table column read from a source column (the first candidate name present wins)."""

    column: str
    kind: str  # text | bigint | integer | money | price | boolean | timestamp | date | month
    names: tuple[str, ...]
    required: bool = False
    tokens: bool = False  # a token count: negative values are quarantined


@dataclass(frozen=True)
class TokenRule:
    """Token columns whose relations are checked (never clamped)."""

    source: str  # token_conventions.csv source
    provider: str  # typed column holding the provider
    input: str
    cache_read: str
    cache_write: str
    cache_write_1h: str | None = None
    output: str | None = None
    reasoning: str | None = None


@dataclass
class InputRelation:
    """A source file as a relation: `sql` yields _source_row plus source columns."""

    sql: str
    columns: dict[str, tuple[str, str]]  # lower-case source name -> (SQL expression, DuckDB type)
    raw_text: str  # SQL expression for the raw text of a row (before redaction)
    pre_rows: list[str] = field(default_factory=list)  # selects of rows quarantined before typing
    withhold_rejected_lines: bool = False  # the file has content columns: refused lines are not kept as text


# --------------------------------------------------------------------------------------------- helpers


def describe(con: duckdb.DuckDBPyConnection, relation_sql: str) -> list[tuple[str, str]]:
    return [(row[0], row[1]) for row in con.execute(f"describe {relation_sql}").fetchall()]


def install_macros(con: duckdb.DuckDBPyConnection, config: IngestConfig) -> None:
    con.execute(
        redaction_macro_sql(
            REDACT, config.content_attribute_keys, config.content_attribute_prefixes, config.content_litellm_columns
        )
    )


def drop_temp(con: duckdb.DuckDBPyConnection) -> None:
    for table in (BATCH, "_batch_lines", "_short", REJECTS + "_errors", REJECTS + "_scans", "_dups", "_dup_keys"):
        con.execute(f"drop table if exists {table}")


def _reader_rejects(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str, str]]:
    """Lines the CSV machinery refused in the last scan: (line, error type, line text)."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where table_name = ? and temporary", [REJECTS + "_errors"]
    ).fetchone()[0]
    if not exists:
        return []
    return con.execute(
        f"select line, min(error_type), min(csv_line) from {REJECTS}_errors group by line order by line"
    ).fetchall()


def _clear_rejects(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"drop table if exists {REJECTS}_errors")
    con.execute(f"drop table if exists {REJECTS}_scans")


def _shift_rows_past_rejects(con: duckdb.DuckDBPyConnection, rejected_rows: list[int]) -> None:
    """Rows numbered by the reader skip refused lines; shift them back to their real position.

    A row ranked k among the accepted ones sits at k + #{j : r_j - j < k}, r_j being the j-th refused
    position (1-based, ascending)."""
    if not rejected_rows:
        return
    values = ", ".join(f"({row - rank})" for rank, row in enumerate(sorted(set(rejected_rows)), start=1))
    con.execute(
        f"""
        update {BATCH} set _source_row = _source_row + (
            select count(*) from (values {values}) as r(gap) where r.gap < {BATCH}._source_row)
        where _source_row is not null"""
    )


def _insert_reject_rows(
    con: duckdb.DuckDBPyConnection, rejects: list[tuple[int, str, str]], reason: str, row_offset: int, withhold: bool
) -> None:
    """Quarantine the lines the reader refused, at their real line (or data row) number."""
    if not rejects:
        return
    selects = " union all ".join(["select ?::bigint as _source_row, ? as _detail, ?::varchar as _text"] * len(rejects))
    parameters = [
        value
        for line, error_type, text in rejects
        for value in (
            line - row_offset,
            f"the reader refused the line: {error_type.lower()}",
            None if withhold else text,
        )
    ]
    con.execute(
        f"""insert into {BATCH} by name
        select null::varchar as _target, _source_row, {lit(reason)} as _reason, _detail, {REDACT}(_text) as _raw_text
        from ({selects})""",
        parameters,
    )


# ------------------------------------------------------------------------------------- input relations


def _json_struct_type(paths: Sequence[str]) -> str:
    """A from_json structure (all leaves VARCHAR) holding each dotted path."""
    tree: dict = {}
    for path in paths:
        node = tree
        parts = path.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node.setdefault(parts[-1], "VARCHAR")
    return json.dumps(tree)


def jsonl_input(con: duckdb.DuckDBPyConnection, file: LandingFile, names: Sequence[str], content: Sequence[str]):
    """A JSON-lines file of flat objects: one record per line; malformed lines are quarantined."""
    path = file.read_path
    struct_type = _json_struct_type(names)
    columns = {name.lower(): (f"j.{ident(name)}", "VARCHAR") for name in names}
    patch = lit(json.dumps(dict.fromkeys(content)))
    lines = read_lines_sql(path, rejects=REJECTS)
    # The filter runs before the projection, so from_json only sees valid lines. (Blank lines are nothing.)
    sql = f"""
        select _line as _source_row, from_json(line, {lit(struct_type)}) as j, line
        from ({lines}) where json_valid(line)"""
    bad = f"""
        select _line as _source_row, 'malformed_json' as _reason, 'not valid JSON' as _detail,
               {REDACT}(line) as _raw_text
        from ({lines}) where regexp_matches(line, '\\S') and not json_valid(line)"""
    # A valid line may still not be an object: json_merge_patch keeps such text unchanged.
    raw_text = f"case when json_valid(line) then json_merge_patch(line, {patch}) end"
    return InputRelation(sql=sql, columns=columns, raw_text=raw_text, pre_rows=[bad])


def csv_header(path: str) -> list[str]:
    """The header row, read with Python's csv module (one line; gzip and in-memory salvage included), so
    the data rows are read with an explicit column list instead of a sniffer that bad rows can mislead."""
    try:
        with fsspec.open(path, "rt", compression="infer", encoding="utf-8-sig", newline="") as handle:
            names = next(csv.reader(handle), [])
    except (UnicodeDecodeError, csv.Error, EOFError, OSError) as error:
        raise FileRejectedError("unreadable_file", f"cannot read the CSV header: {error}") from error
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        count = seen.get(name.lower(), 0)
        seen[name.lower()] = count + 1
        unique.append(name if count == 0 else f"{name}_{count + 1}")
    return unique


def csv_input(con: duckdb.DuckDBPyConnection, file: LandingFile, null_strings: Sequence[str], content: Sequence[str]):
    path = file.read_path
    names = csv_header(path)
    if not names:
        raise FileRejectedError("missing_required_field", f"{file.rel_path}: no header row")
    content_lower = {c.lower() for c in content}
    # Source columns are selected one by one under a prefix (a whole-row struct would be copied per row).
    columns = {name.lower(): (ident(f"_src_{name}"), "VARCHAR") for name in names}
    kept = [name for name in names if name.lower() not in content_lower]
    select_list = ", ".join(f"{ident(n)} as {ident('_src_' + n)}" for n in names if n.lower() not in content_lower)
    column_types = "{" + ", ".join(f"{lit(n)}: 'VARCHAR'" for n in names) + "}"
    # RFC 4180, stated rather than sniffed: a sniffer can be misled by the very rows we quarantine.
    reader = (
        f"read_csv({lit(path)}, header=true, auto_detect=false, columns={column_types}, delim=',', quote='\"', "
        f"escape='\"', nullstr={lit_list(null_strings)}, strict_mode=true, max_line_size={MAX_LINE_BYTES}, "
        f"buffer_size={MAX_LINE_BYTES}, store_rejects=true, ignore_errors=true, "
        f"rejects_table={lit(REJECTS + '_errors')}, rejects_scan={lit(REJECTS + '_scans')})"
    )
    sql = f"select row_number() over () as _source_row, {select_list} from {reader}"
    raw_text = "to_json(struct_pack(" + ", ".join(f"{ident(n)} := {ident('_src_' + n)}" for n in kept) + "))::varchar"
    has_content = bool({n.lower() for n in names} & content_lower)
    return InputRelation(sql=sql, columns=columns, raw_text=raw_text, withhold_rejected_lines=has_content)


def parquet_input(con: duckdb.DuckDBPyConnection, file: LandingFile, content: Sequence[str]):
    path = file.read_path
    described = describe(con, f"select * from read_parquet({lit(path)})")
    return _parquet_relation(described, content, "", f"read_parquet({lit(path)}, file_row_number=true)")


def _parquet_relation(
    described: list[tuple[str, str]], content: Sequence[str], extra_select: str, reader: str
) -> InputRelation:
    """The input relation of Parquet columns `described` read by `reader` (which adds file_row_number):
    the content columns left out of the raw text, every other column renamed _src_<name>."""
    content_lower = {c.lower() for c in content}
    columns = {name.lower(): (ident(f"_src_{name}"), dtype) for name, dtype in described}
    kept = [name for name, _ in described if name.lower() not in content_lower]
    select_list = ", ".join(f"{ident(n)} as {ident('_src_' + n)}" for n in kept)
    sql = f"select file_row_number + 1 as _source_row, {extra_select}{select_list} from {reader}"
    raw_text = "to_json(struct_pack(" + ", ".join(f"{ident(n)} := {ident('_src_' + n)}" for n in kept) + "))::varchar"
    return InputRelation(sql=sql, columns=columns, raw_text=raw_text)


class GroupMismatchError(Exception):
    """The files of a group cannot be read as one relation (their Parquet schemas differ)."""


def parquet_group_input(con: duckdb.DuckDBPyConnection, files: Sequence[LandingFile], content: Sequence[str]):
    """Several Parquet files of one schema read as one relation (in parallel, in file order), each row with
    `_file`, the 1-based position of its file in `files`, and `_source_row` counted within its file."""
    paths = [file.read_path for file in files]
    described = describe(con, f"select * from read_parquet({lit(paths[0])})")
    for path in paths[1:]:
        if describe(con, f"select * from read_parquet({lit(path)})") != described:
            raise GroupMismatchError(f"{path} has another schema than {paths[0]}")
    if {name.lower() for name, _ in described} & {"filename", "file_row_number"}:
        raise GroupMismatchError("a column is named like a column the multi-file reader adds")
    return _parquet_relation(
        described,
        content,
        f"list_position({lit_list(paths)}, filename) as _file, ",
        f"read_parquet({lit_list(paths)}, filename=true, file_row_number=true)",
    )


# ------------------------------------------------------------------------------------ typed row select


@dataclass
class TypedSelect:
    """Builds: typed columns, then the first failing check as the quarantine reason."""

    values: dict[str, str] = field(default_factory=dict)  # column -> typed SQL (over the input relation)
    invalid: list[tuple[str, str, str]] = field(default_factory=list)  # (condition over input, reason, detail)
    checks: list[tuple[str, str, str]] = field(default_factory=list)  # (condition over typed columns, ...)

    def add(self, column: str, converted: Converted, kind: str, raw_sql: str) -> None:
        self.values[column] = converted.value
        if converted.invalid != "false":
            reason = "bad_timestamp" if kind in {"timestamp", "date", "month"} else "wrong_type"
            expected = {"timestamp": "a timestamp", "date": "a date", "month": "a month"}.get(kind, f"a {kind}")
            detail = f"{lit(column + ' is not ' + expected + ': ')} || left(cast({raw_sql} as varchar), 200)"
            self.invalid.append((converted.invalid, reason, detail))


def add_fields(
    select: TypedSelect, relation: InputRelation, fields: Sequence[Field], file: LandingFile, *, strict_columns: bool
) -> None:
    for spec in fields:
        present = [relation.columns[n.lower()] for n in spec.names if n.lower() in relation.columns]
        if not present:
            if spec.required and strict_columns:
                raise FileRejectedError(
                    "missing_required_field",
                    f"{file.rel_path}: no column for {spec.column} (expected one of: {', '.join(spec.names)})",
                )
            select.values[spec.column] = "null"
            if spec.required:
                select.checks.append((f"{ident(spec.column)} is null", "missing_required_field", lit(spec.column)))
            continue
        converted = [convert(expr, dtype, spec.kind) for expr, dtype in present]
        value = converted[0].value if len(converted) == 1 else "coalesce(" + ", ".join(c.value for c in converted) + ")"
        # The first present candidate decides validity.
        invalid = " or ".join(
            f"({c.invalid}" + "".join(f" and not {p.present}" for p in converted[:i]) + ")"
            for i, c in enumerate(converted)
        )
        raw_sql = (
            present[0][0]
            if len(present) == 1
            else "coalesce(" + ", ".join(f"cast({e} as varchar)" for e, _ in present) + ")"
        )
        select.add(spec.column, Converted(value, invalid or "false", "true"), spec.kind, raw_sql)
        if spec.required:
            select.checks.insert(0, (f"{ident(spec.column)} is null", "missing_required_field", lit(spec.column)))
        if spec.tokens:
            select.checks.append(
                (
                    f"{ident(spec.column)} < 0",
                    "negative_tokens",
                    f"'{spec.column} = ' || {ident(spec.column)}",
                )
            )


def timestamp_checks(select: TypedSelect, columns: Sequence[str], ctx: ReadContext, *, future: bool) -> None:
    for column in columns:
        c = ident(column)
        select.checks.append((f"{c} < {ctx.earliest_sql}", "bad_timestamp", f"'{column} before earliest: ' || {c}"))
        if future:
            select.checks.append(
                (f"{c} > {ctx.future_limit_sql}", "future_timestamp", f"'{column} in the future: ' || {c}")
            )


def token_checks(select: TypedSelect, rule: TokenRule, ctx: ReadContext) -> None:
    default, exceptions = ctx.config.input_includes_cache(rule.source)
    inclusive = case_first(
        [(f"{ident(rule.provider)} = {lit(p)}", "true" if flag else "false") for p, flag in exceptions.items()],
        "true" if default else "false",
    )
    if default is not None or exceptions:
        i, r, w = ident(rule.input), ident(rule.cache_read), ident(rule.cache_write)
        select.checks.append(
            (
                f"({inclusive}) and coalesce({r}, 0) + coalesce({w}, 0) > coalesce({i}, 0)",
                "token_semantics_conflict",
                f"'cache tokens exceed input tokens that include them: {rule.input}=' || coalesce({i}::varchar, 'null')"
                f" || ', {rule.cache_read}=' || coalesce({r}::varchar, 'null')"
                f" || ', {rule.cache_write}=' || coalesce({w}::varchar, 'null')",
            )
        )
    if rule.cache_write_1h:
        h, w = ident(rule.cache_write_1h), ident(rule.cache_write)
        select.checks.append(
            (
                f"coalesce({h}, 0) > coalesce({w}, 0)",
                "token_semantics_conflict",
                f"'{rule.cache_write_1h} exceeds {rule.cache_write}: ' || {h} || ' > ' "
                f"|| coalesce({w}::varchar, 'null')",
            )
        )
    if rule.output and rule.reasoning:
        o, g = ident(rule.output), ident(rule.reasoning)
        select.checks.append(
            (
                f"coalesce({g}, 0) > coalesce({o}, 0)",
                "token_semantics_conflict",
                f"'{rule.reasoning} exceed {rule.output}: ' || {g} || ' > ' || coalesce({o}::varchar, 'null')",
            )
        )


@dataclass(frozen=True)
class ReasonSql:
    """Each condition is evaluated once, into the index of the first one that holds; reason and detail
    are then looked up by that index (a long CASE repeated for reason, detail and raw text would be
    planned and evaluated several times)."""

    invalid_index: str  # over the typed level: first failing conversion
    check_index: str  # over the typed level: first failing check
    reason: str  # over the index level
    detail: str
    is_bad: str


def reason_sql(select: TypedSelect) -> ReasonSql:
    def index(conditions: list[str]) -> str:
        return case_first([(c, str(i)) for i, c in enumerate(conditions, start=1)])

    def switch(column: str, details: list[str]) -> str:
        if not details:
            return "null"
        return f"case {column} " + " ".join(f"when {i} then {d}" for i, d in enumerate(details, start=1)) + " end"

    invalid_reasons = lit_list([r for _, r, _ in select.invalid]) if select.invalid else "[]::varchar[]"
    check_reasons = lit_list([r for _, r, _ in select.checks]) if select.checks else "[]::varchar[]"
    return ReasonSql(
        invalid_index=index([c for c, _, _ in select.invalid]),
        check_index=index([c for c, _, _ in select.checks]),
        reason=f"coalesce(({invalid_reasons})[_invalid], ({check_reasons})[_check])",
        detail=(
            f"case when _invalid is not null then {switch('_invalid', [d for _, _, d in select.invalid])} "
            f"else {switch('_check', [d for _, _, d in select.checks])} end"
        ),
        is_bad="(_invalid is not null or _check is not null)",
    )


def materialize(
    con: duckdb.DuckDBPyConnection,
    relation: InputRelation,
    select: TypedSelect,
    target: str,
    *,
    skip_condition: str | None = None,
    keep: Sequence[str] = (),
) -> None:
    """Create _batch from the typed select, then add rows the input quarantined before typing. `keep`:
    further input columns copied as they are (a group's `_file`)."""
    typed_columns = ",\n".join(f"{value} as {ident(column)}" for column, value in select.values.items())
    reasons = reason_sql(select)
    skip = skip_condition or "false"
    con.execute(
        f"""
        create temp table {BATCH} as
        select _source_row,{"".join(f" {ident(c)}," for c in keep)}
               case when _skip then null else {lit(target)} end as _target,
               case when not _skip then {reasons.reason} end as _reason,
               case when not _skip then {reasons.detail} end as _detail,
               case when not _skip and {reasons.is_bad} then {REDACT}({relation.raw_text}) end as _raw_text,
               {", ".join(ident(c) for c in select.values)}
        from (
            select *, {reasons.check_index} as _check, {skip} as _skip from (
                select *, {reasons.invalid_index} as _invalid from (
                    select *, {typed_columns} from ({relation.sql})
                )
            )
        )"""
    )
    for pre in relation.pre_rows:
        con.execute(
            f"""insert into {BATCH} by name
            select null::varchar as _target, * from ({pre})"""
        )


def finish_line_numbers(
    con: duckdb.DuckDBPyConnection, relation: InputRelation, *, header_lines: int, reason: str
) -> None:
    """Shift rows past lines the reader refused, then quarantine those lines."""
    rejects = _reader_rejects(con)
    if rejects:
        _shift_rows_past_rejects(con, [line - header_lines for line, _, _ in rejects if line > header_lines])
        kept = [r for r in rejects if r[0] > header_lines]
        _insert_reject_rows(con, kept, reason, header_lines, relation.withhold_rejected_lines)
    _clear_rejects(con)


# ------------------------------------------------------------------------------------------ flat sources


@dataclass(frozen=True)
class FlatSource:
    """A source of flat records (CSV, JSON lines, Parquet) read into one raw table."""

    table: str
    fields: tuple[Field, ...]
    extra_names: tuple[str, ...] = ()  # further source columns the derivations read
    derive: Callable[[TypedSelect, InputRelation, ReadContext], None] | None = None
    timestamp_columns: tuple[str, ...] = ()
    future_check: bool = True
    token_rule: TokenRule | None = None
    skip: Callable[[ReadContext], str] | None = None
    null_strings: Callable[[ReadContext], Sequence[str]] | None = None

    def build(self, con: duckdb.DuckDBPyConnection, file: LandingFile, ctx: ReadContext) -> None:
        content = ctx.config.content_litellm_columns
        names = [n for f in self.fields for n in f.names] + list(self.extra_names)
        if file.fmt in {"jsonl", "json"}:
            relation = jsonl_input(con, file, names, content)
            header_lines, reject_reason = 0, "malformed_json"
        elif file.fmt == "csv":
            nulls = self.null_strings(ctx) if self.null_strings else ("",)
            relation = csv_input(con, file, nulls, content)
            header_lines, reject_reason = 1, "malformed_csv"
        else:
            relation = parquet_input(con, file, content)
            header_lines, reject_reason = 0, "unreadable_file"
        self._materialize(con, relation, file, ctx, strict_columns=file.fmt not in {"jsonl", "json"})
        finish_line_numbers(con, relation, header_lines=header_lines, reason=reject_reason)

    def build_group(self, con: duckdb.DuckDBPyConnection, files: Sequence[LandingFile], ctx: ReadContext) -> None:
        """One batch over several Parquet files of one schema, with each row's `_file` (1-based)."""
        relation = parquet_group_input(con, files, ctx.config.content_litellm_columns)
        self._materialize(con, relation, files[0], ctx, strict_columns=True, keep=("_file",))

    def _materialize(
        self,
        con: duckdb.DuckDBPyConnection,
        relation: InputRelation,
        file: LandingFile,
        ctx: ReadContext,
        *,
        strict_columns: bool,
        keep: Sequence[str] = (),
    ) -> None:
        select = TypedSelect()
        add_fields(select, relation, self.fields, file, strict_columns=strict_columns)
        if self.derive:
            self.derive(select, relation, ctx)
        timestamp_checks(select, self.timestamp_columns, ctx, future=self.future_check)
        if self.token_rule:
            token_checks(select, self.token_rule, ctx)
        skip = self.skip(ctx) if self.skip else None
        materialize(con, relation, select, self.table, skip_condition=skip, keep=keep)


def _col(relation: InputRelation, *names: str) -> tuple[str, str] | None:
    for name in names:
        if name.lower() in relation.columns:
            return relation.columns[name.lower()]
    return None


def _text_of(relation: InputRelation, *names: str) -> str:
    found = _col(relation, *names)
    return convert(found[0], found[1], "text").value if found else "null::varchar"


def derive_litellm(select: TypedSelect, relation: InputRelation, ctx: ReadContext) -> None:
    config = ctx.config
    metadata = _text_of(relation, "metadata")
    tags = _text_of(relation, "request_tags")
    meta_ok = f"({metadata} is null or json_valid({metadata}))"
    tags_list = (
        f"(case when json_valid({tags}) then case when json_type({tags}) = 'ARRAY' "
        f"then from_json({tags}, '[\"VARCHAR\"]') end end)"
    )
    select.invalid.append((f"not {meta_ok}", "wrong_type", "'metadata is not JSON'"))
    select.invalid.append(
        (
            f"{tags} is not null and {tags_list} is null",
            "wrong_type",
            f"'request_tags is not a JSON list: ' || left({tags}, 200)",
        )
    )
    select.values["request_tags"] = tags
    kinds = {
        "cache_read_input_tokens": "bigint",
        "cache_creation_input_tokens": "bigint",
        "cache_creation_1h_input_tokens": "bigint",
        "reasoning_tokens": "bigint",
        "metadata_attempt": "integer",
    }
    for column, paths in config.litellm_metadata_paths.items():
        extracted = [f"(case when {meta_ok} then json_extract_string({metadata}, {lit(p)}) end)" for p in paths]
        raw = extracted[0] if len(extracted) == 1 else "coalesce(" + ", ".join(extracted) + ")"
        kind = kinds.get(column, "text")
        select.add(column, convert(raw, "VARCHAR", kind), kind, raw)
        if column in {
            "cache_read_input_tokens",
            "cache_creation_input_tokens",
            "cache_creation_1h_input_tokens",
            "reasoning_tokens",
        }:
            select.checks.append((f"{ident(column)} < 0", "negative_tokens", f"'{column} = ' || {ident(column)}"))
    for column, keys in config.litellm_request_tags.items():
        picks = [
            f"list_transform(list_filter({tags_list}, lambda t: starts_with(t, {lit(k + ':')})), "
            f"lambda t: substr(t, {len(k) + 2}))[1]"
            for k in keys
        ]
        fallbacks = [_text_of(relation, c) for c in config.litellm_column_fallbacks.get(column, ())]
        parts = picks + fallbacks
        select.values[column] = parts[0] if len(parts) == 1 else "coalesce(" + ", ".join(parts) + ")"
    for column in ("feature", "tenant_id", "plan_tier", "user_id"):
        select.values.setdefault(column, "null::varchar")


def skip_non_ai_focus(ctx: ReadContext) -> str:
    names = lit_list([n.lower() for n in ctx.config.focus_ai_service_names])
    categories = lit_list(ctx.config.focus_ai_service_categories)
    category_ok = f"(service_category is null or list_contains({categories}, service_category))"
    if not ctx.config.focus_ai_service_categories:
        category_ok = "true"
    return f"not coalesce(list_contains({names}, lower(service_name)) and {category_ok}, false)"


def _usd_only(currency: str) -> Callable[[TypedSelect, InputRelation, ReadContext], None]:
    """Quarantine lines whose currency (a typed column) is not USD."""

    def derive(select: TypedSelect, relation: InputRelation, ctx: ReadContext) -> None:
        select.checks.append(
            (f"upper({ident(currency)}) <> 'USD'", "non_usd_currency", f"'currency ' || {ident(currency)}")
        )

    return derive


TOKEN = "bigint"

CANONICAL = FlatSource(
    table="canonical_llm_calls",
    fields=(
        Field("call_id", "text", ("call_id",), required=True),
        Field("trace_id", "text", ("trace_id",)),
        Field("parent_call_id", "text", ("parent_call_id",)),
        Field("started_at", "timestamp", ("started_at",), required=True),
        Field("environment", "text", ("environment",)),
        Field("provider", "text", ("provider",)),
        Field("model", "text", ("model",)),
        Field("response_model", "text", ("response_model",)),
        Field("operation", "text", ("operation",)),
        Field("feature", "text", ("feature",)),
        Field("tenant_id", "text", ("tenant_id",)),
        Field("user_id", "text", ("user_id",)),
        Field("session_id", "text", ("session_id",)),
        Field("plan_tier", "text", ("plan_tier",)),
        Field("attempt", "integer", ("attempt",)),
        Field("status", "text", ("status",)),
        Field("input_tokens", TOKEN, ("input_tokens",), tokens=True),
        Field("cache_read_tokens", TOKEN, ("cache_read_tokens",), tokens=True),
        Field("cache_write_tokens", TOKEN, ("cache_write_tokens",), tokens=True),
        Field("cache_write_1h_tokens", TOKEN, ("cache_write_1h_tokens",), tokens=True),
        Field("output_tokens", TOKEN, ("output_tokens",), tokens=True),
        Field("reasoning_tokens", TOKEN, ("reasoning_tokens",), tokens=True),
        Field("latency_ms", "bigint", ("latency_ms",)),
    ),
    timestamp_columns=("started_at",),
    token_rule=TokenRule(
        source="canonical",
        provider="provider",
        input="input_tokens",
        cache_read="cache_read_tokens",
        cache_write="cache_write_tokens",
        cache_write_1h="cache_write_1h_tokens",
        output="output_tokens",
        reasoning="reasoning_tokens",
    ),
)

LITELLM = FlatSource(
    table="litellm_spend_logs",
    fields=(
        Field("request_id", "text", ("request_id",), required=True),
        Field("call_type", "text", ("call_type",)),
        Field("start_time", "timestamp", ("startTime", "start_time"), required=True),
        Field("end_time", "timestamp", ("endTime", "end_time")),
        Field("model", "text", ("model",)),
        Field("model_group", "text", ("model_group",)),
        Field("custom_llm_provider", "text", ("custom_llm_provider",)),
        Field("spend", "money", ("spend",)),
        Field("prompt_tokens", TOKEN, ("prompt_tokens",), tokens=True),
        Field("completion_tokens", TOKEN, ("completion_tokens",), tokens=True),
        Field("total_tokens", TOKEN, ("total_tokens",), tokens=True),
        Field("api_key", "text", ("api_key",)),
        Field("user", "text", ("user",)),
        Field("end_user", "text", ("end_user",)),
        Field("team_id", "text", ("team_id",)),
        Field("session_id", "text", ("session_id",)),
        Field("status", "text", ("status",)),
        Field("cache_hit", "text", ("cache_hit",)),
    ),
    extra_names=("metadata", "request_tags"),
    derive=derive_litellm,
    timestamp_columns=("start_time", "end_time"),
    token_rule=TokenRule(
        source="litellm",
        provider="custom_llm_provider",
        input="prompt_tokens",
        cache_read="cache_read_input_tokens",
        cache_write="cache_creation_input_tokens",
        cache_write_1h="cache_creation_1h_input_tokens",
        output="completion_tokens",
        reasoning="reasoning_tokens",
    ),
)

FOCUS = FlatSource(
    table="focus_charges",
    fields=(
        Field("billing_account_id", "text", ("BillingAccountId",)),
        Field("sub_account_id", "text", ("SubAccountId",)),
        Field("provider_name", "text", ("ProviderName",)),
        Field("publisher_name", "text", ("PublisherName",)),
        Field("invoice_issuer_name", "text", ("InvoiceIssuerName",)),
        Field("service_category", "text", ("ServiceCategory",)),
        Field("service_name", "text", ("ServiceName",)),
        Field("charge_category", "text", ("ChargeCategory",)),
        Field("charge_class", "text", ("ChargeClass",)),
        Field("charge_description", "text", ("ChargeDescription",)),
        Field("charge_period_start", "timestamp", ("ChargePeriodStart",), required=True),
        Field("charge_period_end", "timestamp", ("ChargePeriodEnd",), required=True),
        Field("billing_period_start", "timestamp", ("BillingPeriodStart",)),
        Field("billing_period_end", "timestamp", ("BillingPeriodEnd",)),
        Field("billing_currency", "text", ("BillingCurrency",), required=True),
        Field("billed_cost", "money", ("BilledCost",), required=True),
        Field("effective_cost", "money", ("EffectiveCost",)),
        Field("list_cost", "money", ("ListCost",)),
        Field("contracted_cost", "money", ("ContractedCost",)),
        Field("consumed_quantity", "money", ("ConsumedQuantity",)),
        Field("consumed_unit", "text", ("ConsumedUnit",)),
        Field("pricing_quantity", "money", ("PricingQuantity",)),
        Field("pricing_unit", "text", ("PricingUnit",)),
        Field("list_unit_price", "price", ("ListUnitPrice",)),
        Field("region_id", "text", ("RegionId",)),
        Field("resource_id", "text", ("ResourceId",)),
        Field("sku_id", "text", ("SkuId",)),
        Field("sku_price_id", "text", ("SkuPriceId",)),
        Field("usage_type", "text", ("x_UsageType", "x_usage_type", "UsageType")),
        Field("tags", "text", ("Tags",)),
    ),
    derive=_usd_only("billing_currency"),
    timestamp_columns=("charge_period_start",),
    skip=skip_non_ai_focus,
    null_strings=lambda ctx: ctx.config.focus_null_strings,
)

PRODUCT_MAU = FlatSource(
    table="product_mau",
    fields=(
        Field("month", "month", ("month",), required=True),
        Field("tenant_id", "text", ("tenant_id",), required=True),
        Field("feature", "text", ("feature",), required=True),
        Field("monthly_active_users", "bigint", ("monthly_active_users",), required=True),
    ),
    timestamp_columns=("month",),
)


def _subscription_checks(select: TypedSelect, relation: InputRelation, ctx: ReadContext) -> None:
    select.checks.append(
        (
            "valid_to is not null and valid_to <= valid_from",
            "bad_timestamp",
            "'valid_to ' || valid_to || ' is not after valid_from ' || valid_from",
        )
    )
    select.checks.append(("seats < 0", "wrong_type", "'seats is negative: ' || seats"))


SUBSCRIPTIONS = FlatSource(
    table="subscriptions",
    fields=(
        Field("tenant_id", "text", ("tenant_id",), required=True),
        Field("plan_tier", "text", ("plan_tier",), required=True),
        Field("seats", "bigint", ("seats",), required=True),
        Field("valid_from", "date", ("valid_from",), required=True),
        Field("valid_to", "date", ("valid_to",)),
        Field("monthly_revenue_usd", "money", ("monthly_revenue_usd",)),
    ),
    derive=_subscription_checks,
    timestamp_columns=("valid_from",),
    future_check=False,  # plan changes are scheduled ahead
)


# ------------------------------------------------------------------------------------- JSON page sources


@dataclass(frozen=True)
class PageSource:
    """Provider report pages: {"data": [bucket {…, "results": [result …]}], …} per file, a JSON array of
    pages, or one page per line. Fields name a result path ('amount.value') or a bucket path
    ('bucket.start_time')."""

    table: str
    fields: tuple[Field, ...]
    derive: Callable[[TypedSelect, InputRelation, ReadContext], None] | None = None
    timestamp_columns: tuple[str, ...] = ()

    def build(self, con: duckdb.DuckDBPyConnection, file: LandingFile, ctx: ReadContext) -> None:
        relation = self._pages_input(con, file)
        select = TypedSelect()
        add_fields(select, relation, self.fields, file, strict_columns=False)
        if self.derive:
            self.derive(select, relation, ctx)
        timestamp_checks(select, self.timestamp_columns, ctx, future=True)
        # A page without a data list, or a bucket without results, is quarantined rather than lost.
        select.invalid.insert(0, ("_page_has_no_data", "missing_required_field", "'page has no data list'"))
        select.invalid.insert(1, ("_bucket_has_no_results", "missing_required_field", "'bucket has no results list'"))
        materialize(con, relation, select, self.table)
        finish_line_numbers(con, relation, header_lines=0, reason="malformed_json")

    def _pages_input(self, con: duckdb.DuckDBPyConnection, file: LandingFile) -> InputRelation:
        path = file.read_path
        result_paths = [n for f in self.fields for n in f.names if not n.startswith("bucket.")]
        bucket_paths = [n.removeprefix("bucket.") for f in self.fields for n in f.names if n.startswith("bucket.")]
        bucket_type = json.loads(_json_struct_type(bucket_paths))
        bucket_type["results"] = [json.loads(_json_struct_type(result_paths))]
        page_type = json.dumps({"data": [bucket_type]})
        lines = read_lines_sql(path, rejects=REJECTS)
        con.execute(f"create temp table _batch_lines as {lines}")
        counts = con.execute(
            "select count(*) filter (where _text), count(*) filter (where _text and json_valid(line)) "
            "from (select line, regexp_matches(line, '\\S') as _text from _batch_lines)"
        ).fetchone()
        non_blank, valid = counts
        document_ok = False
        if non_blank and valid < non_blank:
            document_ok = con.execute(
                "select json_valid(string_agg(line, chr(10) order by _line)) from _batch_lines"
            ).fetchone()[0]
            if not document_ok and valid == 0 and non_blank > 1:
                con.execute("drop table _batch_lines")
                raise FileRejectedError(
                    "malformed_json", f"{file.rel_path}: not valid JSON (neither a document nor JSON lines)"
                )
        if document_ok:
            documents = "select 1 as _line, string_agg(line, chr(10) order by _line) as doc from _batch_lines"
            pre_rows: list[str] = []
        else:
            documents = (
                "select _line, line as doc from _batch_lines "
                "where line is not null and regexp_matches(line, '\\S') and json_valid(line)"
            )
            pre_rows = [
                f"""select _line as _source_row, 'malformed_json' as _reason, 'not valid JSON' as _detail,
                       {REDACT}(line) as _raw_text
                from _batch_lines where line is not null and trim(line) <> '' and not json_valid(line)"""
            ]
        columns: dict[str, tuple[str, str]] = {}
        for name in result_paths:
            columns[name.lower()] = ("r." + ".".join(ident(p) for p in name.split(".")), "VARCHAR")
        for name in bucket_paths:
            columns[("bucket." + name).lower()] = ("b." + ".".join(ident(p) for p in name.split(".")), "VARCHAR")
        sql = f"""
            select row_number() over (order by _line, _page, _bucket, _result) as _source_row, r, b,
                   _page_has_no_data, _bucket_has_no_results
            from (
                select _line, _page, _bucket, b, _page_has_no_data,
                       b is not null and b.results is null as _bucket_has_no_results,
                       unnest(coalesce(b.results, [null])) as r,
                       generate_subscripts(coalesce(b.results, [null]), 1) as _result
                from (
                    select _line, _page, p.data is null as _page_has_no_data,
                           unnest(coalesce(p.data, [null])) as b,
                           generate_subscripts(coalesce(p.data, [null]), 1) as _bucket
                    from (
                        select _line, unnest(pages) as p, generate_subscripts(pages, 1) as _page
                        from (
                            select _line, case when json_type(doc) = 'ARRAY'
                                               then from_json(doc, {lit("[" + page_type + "]")})
                                               else [from_json(doc, {lit(page_type)})] end as pages
                            from ({documents})
                        )
                    )
                )
            )"""
        raw_text = "to_json(struct_pack(bucket := struct_update(b, results := null), result := r))::varchar"
        return InputRelation(sql=sql, columns=columns, raw_text=raw_text, pre_rows=pre_rows)


def _openai_epoch_buckets(select: TypedSelect, relation: InputRelation, ctx: ReadContext) -> None:
    # OpenAI buckets carry Unix seconds; ISO strings are accepted as well.
    for column in ("bucket_start_time", "bucket_end_time"):
        raw = relation.columns[f"bucket.{column.removeprefix('bucket_')}"][0]
        digits = f"regexp_full_match({raw}, '\\s*[0-9]+\\s*')"
        epoch = f"case when {digits} then to_timestamp(trim({raw})::bigint)::timestamp end"
        iso = convert(raw, "VARCHAR", "timestamp").value
        select.values[column] = f"coalesce({epoch}, {iso})"
        select.invalid.append(
            (f"{raw} is not null and coalesce({epoch}, {iso}) is null", "bad_timestamp", f"'{column}: ' || {raw}")
        )


def _openai_costs_derive(select: TypedSelect, relation: InputRelation, ctx: ReadContext) -> None:
    _openai_epoch_buckets(select, relation, ctx)
    _usd_only("amount_currency")(select, relation, ctx)


OPENAI_COSTS = PageSource(
    table="openai_costs",
    fields=(
        Field("bucket_start_time", "text", ("bucket.start_time",), required=True),
        Field("bucket_end_time", "text", ("bucket.end_time",), required=True),
        Field("line_item", "text", ("line_item",)),
        Field("project_id", "text", ("project_id",)),
        Field("amount_value", "money", ("amount.value",), required=True),
        Field("amount_currency", "text", ("amount.currency",), required=True),
    ),
    derive=_openai_costs_derive,
    timestamp_columns=("bucket_start_time",),
)

ANTHROPIC_COSTS = PageSource(
    table="anthropic_costs",
    fields=(
        Field("starting_at", "timestamp", ("bucket.starting_at",), required=True),
        Field("ending_at", "timestamp", ("bucket.ending_at",), required=True),
        Field("workspace_id", "text", ("workspace_id",)),
        Field("description", "text", ("description",)),
        Field("cost_type", "text", ("cost_type",)),
        Field("context_window", "text", ("context_window",)),
        Field("model", "text", ("model",)),
        Field("service_tier", "text", ("service_tier",)),
        Field("token_type", "text", ("token_type",)),
        Field("amount_cents", "money", ("amount",), required=True),
        Field("currency", "text", ("currency",), required=True),
    ),
    derive=_usd_only("currency"),
    timestamp_columns=("starting_at",),
)

OPENAI_USAGE = PageSource(
    table="openai_usage",
    fields=(
        Field("bucket_start_time", "text", ("bucket.start_time",), required=True),
        Field("bucket_end_time", "text", ("bucket.end_time",), required=True),
        Field("model", "text", ("model",)),
        Field("project_id", "text", ("project_id",)),
        Field("batch", "boolean", ("batch",)),
        Field("input_tokens", TOKEN, ("input_tokens",), tokens=True),
        Field("input_cached_tokens", TOKEN, ("input_cached_tokens",), tokens=True),
        Field("output_tokens", TOKEN, ("output_tokens",), tokens=True),
        Field("input_audio_tokens", TOKEN, ("input_audio_tokens",), tokens=True),
        Field("output_audio_tokens", TOKEN, ("output_audio_tokens",), tokens=True),
        Field("num_model_requests", "bigint", ("num_model_requests",)),
    ),
    derive=_openai_epoch_buckets,
    timestamp_columns=("bucket_start_time",),
)

ANTHROPIC_USAGE = PageSource(
    table="anthropic_usage",
    fields=(
        Field("starting_at", "timestamp", ("bucket.starting_at",), required=True),
        Field("ending_at", "timestamp", ("bucket.ending_at",), required=True),
        Field("model", "text", ("model",)),
        Field("service_tier", "text", ("service_tier",)),
        Field("context_window", "text", ("context_window",)),
        Field("workspace_id", "text", ("workspace_id",)),
        Field("uncached_input_tokens", TOKEN, ("uncached_input_tokens",), tokens=True),
        Field("cache_read_input_tokens", TOKEN, ("cache_read_input_tokens",), tokens=True),
        Field(
            "cache_creation_5m_input_tokens",
            TOKEN,
            ("cache_creation.ephemeral_5m_input_tokens",),
            tokens=True,
        ),
        Field(
            "cache_creation_1h_input_tokens",
            TOKEN,
            ("cache_creation.ephemeral_1h_input_tokens",),
            tokens=True,
        ),
        Field("output_tokens", TOKEN, ("output_tokens",), tokens=True),
        Field("web_search_requests", "bigint", ("server_tool_use.web_search_requests",)),
    ),
    timestamp_columns=("starting_at",),
)


# -------------------------------------------------------------------------------------------------- OTLP

_OTLP_ANY = {"stringValue": "VARCHAR", "intValue": "VARCHAR", "doubleValue": "VARCHAR", "boolValue": "VARCHAR"}
_OTLP_ATTRIBUTES = [{"key": "VARCHAR", "value": _OTLP_ANY}]
_OTLP_SPAN = {
    "traceId": "VARCHAR",
    "spanId": "VARCHAR",
    "parentSpanId": "VARCHAR",
    "name": "VARCHAR",
    "startTimeUnixNano": "VARCHAR",
    "endTimeUnixNano": "VARCHAR",
    "attributes": _OTLP_ATTRIBUTES,
    "status": {"code": "VARCHAR"},
}
# Only what the raw tables use is parsed (every extra field costs parse time on millions of spans).
OTLP_REQUEST_TYPE = json.dumps(
    {"resourceSpans": [{"resource": {"attributes": _OTLP_ATTRIBUTES}, "scopeSpans": [{"spans": [_OTLP_SPAN]}]}]}
)

OTLP_LLM_COLUMNS = (
    "trace_id", "span_id", "parent_span_id", "span_name", "started_at", "ended_at", "status_code", "service_name",
    "environment", "provider", "request_model", "response_model", "operation", "input_tokens", "output_tokens",
    "cache_read_tokens", "cache_write_tokens", "cache_write_1h_tokens", "reasoning_tokens", "feature", "tenant_id",
    "user_id", "session_id", "plan_tier", "attempt",
)  # fmt: skip
OTLP_SPAN_COLUMNS = (
    "trace_id", "span_id", "parent_span_id", "span_name", "started_at", "ended_at", "status_code", "service_name",
    "environment", "feature", "tenant_id", "user_id", "session_id", "plan_tier",
)  # fmt: skip
OTLP_TOKEN_COLUMNS = (
    "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "cache_write_1h_tokens",
    "reasoning_tokens",
)  # fmt: skip


def _not_content(config: IngestConfig) -> str:
    keys = lit_list(config.content_attribute_keys)
    prefixes = " or ".join(f"starts_with(a.key, {lit(p)})" for p in config.content_attribute_prefixes) or "false"
    return f"lambda a: not (list_contains({keys}, a.key) or {prefixes})"


def _lookup(keys_list: str, values_list: str, keys: Sequence[str]) -> str:
    """The value of the first attribute key present. list_position is a plain scan, much cheaper than a
    lambda filter per key on millions of spans."""
    parts = [f"{values_list}[list_position({keys_list}, {lit(k)})]" for k in keys]
    if not parts:
        return "null::varchar"
    return parts[0] if len(parts) == 1 else "coalesce(" + ", ".join(parts) + ")"


def _nanos_to_timestamp(raw: str) -> str:
    # Unix nanoseconds as a decimal string; microsecond precision is kept (floor).
    return (
        f"case when regexp_full_match({raw}, '[0-9]{{1,19}}') "
        f"then make_timestamp(try_cast({raw} as bigint) // 1000) end"
    )


def _hex_check(column: str, name: str, digits: int, *, optional: bool = False) -> tuple[str, str, str]:
    condition = f"not regexp_full_match({column}, '[0-9a-f]{{{digits}}}')"
    if optional:
        condition = f"{column} <> '' and {condition}"
    return condition, "wrong_type", f"'{name} is not {digits} hex digits: ' || left({column}, 100)"


_ATTR_VALUE = "lambda a: coalesce(a.value.stringValue, a.value.intValue, a.value.doubleValue, a.value.boolValue)"
OTLP_TAGS = ("feature", "tenant_id", "user_id", "session_id", "plan_tier", "attempt")
OTLP_SPAN_FIELDS = ("provider", "request_model", "response_model", "operation", *OTLP_TOKEN_COLUMNS)


@dataclass(frozen=True)
class OtlpSource:
    """OTLP/JSON: one ExportTraceServiceRequest per line. Two scans of the file, both streaming (nothing
    holding prompt content is ever materialized): the first classifies lines (request, or quarantined
    text with content stripped) and counts the spans each request holds; the second unnests every span
    of the request lines into typed rows."""

    def build(self, con: duckdb.DuckDBPyConnection, file: LandingFile, ctx: ReadContext) -> None:
        config = ctx.config
        lines = read_lines_sql(file.read_path, rejects=REJECTS)
        span_keys = dict(config.otlp_span_attributes)
        tag_keys = dict(config.otlp_tag_attributes)
        resource_keys = dict(config.otlp_resource_attributes)
        # Resource values (and tag fallbacks) are looked up once per resource, span values once per span.
        resource_values = {f"_res_{c}": _lookup("_res_k", "_res_v", resource_keys.get(c, ())) for c in resource_keys}
        resource_values |= {f"_res_{c}": _lookup("_res_k", "_res_v", tag_keys.get(c, ())) for c in OTLP_TAGS}
        raw_columns = {f"_r_{c}": _lookup("_k", "_v", span_keys.get(c, ())) for c in OTLP_SPAN_FIELDS}
        raw_columns |= {f"_r_{c}": f"coalesce({_lookup('_k', '_v', tag_keys.get(c, ()))}, _res_{c})" for c in OTLP_TAGS}
        raw_columns |= {f"_r_{c}": f"_res_{c}" for c in ("service_name", "environment")}
        raw_columns |= {
            "_r_trace": "lower(trim(sp.traceId))",
            "_r_span": "lower(trim(sp.spanId))",
            "_r_parent": "lower(trim(sp.parentSpanId))",
            "_r_start": "trim(sp.startTimeUnixNano)",
            "_r_end": "trim(sp.endTimeUnixNano)",
            "_r_status": "trim(sp.status.code)",
        }
        for c in ("service_name", "environment"):
            resource_values.setdefault(f"_res_{c}", "null::varchar")
        token_keys = [k for c in OTLP_TOKEN_COLUMNS for k in span_keys.get(c, ())]
        prefixes = " or ".join(f"starts_with(x, {lit(p)})" for p in config.otlp_llm_span_prefixes) or "false"
        is_llm = f"(len(list_filter(_k, lambda x: {prefixes})) > 0 or list_has_any(_k, {lit_list(token_keys)}))"
        select = self._typed_select(ctx)

        level_raw = ",\n".join(f"{value} as {ident(column)}" for column, value in raw_columns.items())
        level_res = ",\n".join(f"{value} as {ident(column)}" for column, value in resource_values.items())
        typed = ",\n".join(f"{value} as {ident(column)}" for column, value in select.values.items())
        reasons = reason_sql(select)
        not_content = _not_content(config)
        resource_text = "struct_pack(" + ", ".join(f"{c.removeprefix('_res_')} := {c}" for c in resource_values) + ")"

        # Scan 1: what each line is. Only spans carry "startTimeUnixNano", and a key cannot occur unescaped
        # inside a JSON string, so counting it counts the spans the line holds.
        is_request = "coalesce(try(json_type(line, '$.resourceSpans')) = 'ARRAY', false)"
        con.execute(
            f"""
            create temp table _batch_lines as
            select _line, _is_request,
                   case when _is_request then len(regexp_extract_all(line, '"startTimeUnixNano"')) end as expected,
                   case when not _is_request then json_valid(line) end as _valid_json,
                   case when not _is_request then {REDACT}(line) end as _raw_text
            from (select _line, line, {is_request} as _is_request
                  from ({lines}) where line is not null and regexp_matches(line, '\\S'))"""
        )
        # Scan 2: every span of every request line; content attributes are filtered out of the raw text.
        request = f"from_json(line, {lit(OTLP_REQUEST_TYPE)})"
        request_lines = "select _line from _batch_lines where _is_request"
        con.execute(
            f"""
            create temp table {BATCH} as
            select _source_row,
                   case when _is_llm then 'otlp_llm_spans' else 'otlp_spans' end as _target,
                   {reasons.reason} as _reason,
                   {reasons.detail} as _detail,
                   case when {reasons.is_bad} then {REDACT}(to_json(struct_pack(
                       resource := _resource,
                       span := struct_update(sp, attributes := list_filter(sp.attributes, {not_content}))))::varchar)
                   end as _raw_text,
                   {", ".join(ident(c) for c in select.values)}
            from (
                select *, {reasons.check_index} as _check from (
                select *, {reasons.invalid_index} as _invalid from (
                    select _source_row, sp, _resource, _is_llm, {", ".join(raw_columns)}, {typed} from (
                        select _source_row, sp, {resource_text} as _resource, {is_llm} as _is_llm, {level_raw} from (
                            select *, list_transform(sp.attributes, lambda a: a.key) as _k,
                                   list_transform(sp.attributes, {_ATTR_VALUE}) as _v
                            from (
                                select _line as _source_row, {", ".join(resource_values)}, unnest(ss.spans) as sp from (
                                    select _line, {level_res}, unnest(rs.scopeSpans) as ss from (
                                        select _line, rs,
                                               list_transform(rs.resource.attributes, lambda a: a.key) as _res_k,
                                               list_transform(rs.resource.attributes, {_ATTR_VALUE}) as _res_v
                                        from (
                                            select _line, unnest({request}.resourceSpans) as rs
                                            from ({lines}) where _line in ({request_lines})
                                        )
                                    )
                                )
                            )
                        )
                    )
                )
                )
            )"""
        )
        self._quarantine_unreadable_lines(con, lines)
        rejects = _reader_rejects(con)
        _clear_rejects(con)
        if rejects:
            _shift_rows_past_rejects(con, [line for line, _, _ in rejects])
            _insert_reject_rows(con, rejects, "malformed_json", 0, withhold=False)

    @staticmethod
    def _typed_select(ctx: ReadContext) -> TypedSelect:
        select = TypedSelect()
        select.values.update(
            trace_id="_r_trace",
            span_id="_r_span",
            parent_span_id="nullif(_r_parent, '')",
            span_name="sp.name",
            started_at=_nanos_to_timestamp("_r_start"),
            ended_at=_nanos_to_timestamp("_r_end"),
        )
        # Numbers, or the enum names some proto-JSON writers use.
        status_value = (
            "case when regexp_full_match(_r_status, '[0-2]') then _r_status::integer "
            "when _r_status = 'STATUS_CODE_UNSET' then 0 when _r_status = 'STATUS_CODE_OK' then 1 "
            "when _r_status = 'STATUS_CODE_ERROR' then 2 end"
        )
        select.values["status_code"] = status_value
        select.invalid += [
            ("_r_trace is null or _r_trace = ''", "missing_required_field", "'traceId'"),
            ("_r_span is null or _r_span = ''", "missing_required_field", "'spanId'"),
            ("_r_start is null or _r_start = ''", "missing_required_field", "'startTimeUnixNano'"),
            _hex_check("_r_trace", "traceId", 32),
            _hex_check("_r_span", "spanId", 16),
            _hex_check("_r_parent", "parentSpanId", 16, optional=True),
            (f"_r_status is not null and ({status_value}) is null", "wrong_type",
             "'status.code is not 0, 1 or 2: ' || _r_status"),
            ("started_at is null", "bad_timestamp", "'startTimeUnixNano: ' || left(_r_start, 40)"),
            ("_r_end is not null and _r_end <> '' and ended_at is null", "bad_timestamp",
             "'endTimeUnixNano: ' || left(_r_end, 40)"),
        ]  # fmt: skip
        for column in ("service_name", "environment", "provider", "request_model", "response_model", "operation"):
            select.values[column] = f"_r_{column}"
        for column in ("feature", "tenant_id", "user_id", "session_id", "plan_tier"):
            select.values[column] = f"_r_{column}"
        for column in (*OTLP_TOKEN_COLUMNS, "attempt"):
            kind = "integer" if column == "attempt" else "bigint"
            select.add(column, convert(f"_r_{column}", "VARCHAR", kind), kind, f"_r_{column}")
            if column != "attempt":
                select.checks.append(
                    (f"_is_llm and {ident(column)} < 0", "negative_tokens", f"'{column} = ' || {ident(column)}")
                )
        timestamp_checks(select, ("started_at",), ctx, future=True)
        rule = TokenRule(
            source="otlp",
            provider="provider",
            input="input_tokens",
            cache_read="cache_read_tokens",
            cache_write="cache_write_tokens",
            cache_write_1h="cache_write_1h_tokens",
            output="output_tokens",
            reasoning="reasoning_tokens",
        )
        before = len(select.checks)
        token_checks(select, rule, ctx)
        # Token relations only matter for LLM spans.
        select.checks[before:] = [(f"_is_llm and ({c})", r, d) for c, r, d in select.checks[before:]]
        return select

    @staticmethod
    def _quarantine_unreadable_lines(con: duckdb.DuckDBPyConnection, lines: str) -> None:
        """Quarantine the lines that are not requests, and any request line whose spans do not all come
        through the OTLP structure (e.g. "spans" is an object): a partly read request would lose spans
        silently, so such a line is quarantined whole."""
        con.execute(
            f"""
            create temp table _short as
            select l._line as _source_row, l.expected, coalesce(b.found, 0) as found
            from _batch_lines l
            left join (select _source_row, count(*) as found from {BATCH} group by 1) b on b._source_row = l._line
            where l._is_request and l.expected <> coalesce(b.found, 0)"""
        )
        try:
            if con.execute("select count(*) from _short").fetchone()[0]:
                con.execute(f"delete from {BATCH} where _source_row in (select _source_row from _short)")
                # A third scan, only when needed, for the text of these (rare) lines.
                con.execute(
                    f"""
                    insert into {BATCH} by name
                    select s._source_row, null::varchar as _target, 'wrong_type' as _reason,
                           'the request has ' || s.expected || ' spans but ' || s.found
                           || ' come through the OTLP structure; the line is quarantined whole' as _detail,
                           {REDACT}(l.line) as _raw_text
                    from _short s join ({lines}) l on l._line = s._source_row"""
                )
            con.execute(
                f"""
                insert into {BATCH} by name
                select _line as _source_row, null::varchar as _target,
                       case when _valid_json then 'missing_required_field' else 'malformed_json' end as _reason,
                       case when _valid_json then 'not an ExportTraceServiceRequest: no resourceSpans list'
                            else 'not valid JSON' end as _detail,
                       _raw_text
                from _batch_lines where not _is_request"""
            )
        finally:
            con.execute("drop table _short")
            con.execute("drop table _batch_lines")


# -------------------------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class Target:
    table: str
    columns: tuple[str, ...]
    call_key: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceDef:
    name: str
    folder: str
    formats: frozenset[str]
    targets: tuple[Target, ...]
    reader: FlatSource | PageSource | OtlpSource

    def build_batch(self, con: duckdb.DuckDBPyConnection, file: LandingFile, ctx: ReadContext) -> None:
        try:
            self.reader.build(con, file, ctx)
        except DATA_ERRORS as error:
            detail = f"{file.rel_path}: {sanitize_error(str(error))}"
            raise FileRejectedError(classify_error(str(error)), detail) from error

    def groupable(self, file: LandingFile) -> bool:
        """Whether the file may be read in one batch with other files of this source (build_group_batch)."""
        return isinstance(self.reader, FlatSource) and file.fmt == "parquet" and file.salvaged_from is None

    def build_group_batch(self, con: duckdb.DuckDBPyConnection, files: Sequence[LandingFile], ctx: ReadContext) -> None:
        """The batch of several groupable files, rows in file order with their `_file` (1-based). Any error
        (unlike build_batch, not classified: the loader then reads the files one by one)."""
        assert isinstance(self.reader, FlatSource)
        self.reader.build_group(con, files, ctx)


# Errors the input can cause. Others (binder, catalog, parser errors) are bugs in these readers and propagate.
DATA_ERRORS = (
    duckdb.IOException,
    duckdb.InvalidInputException,
    duckdb.ConversionException,
    duckdb.OutOfRangeException,
)


def classify_error(message: str) -> str:
    lowered = message.lower()
    if "gzip" in lowered or "zlib" in lowered or "compressed" in lowered:
        return "truncated_gzip"
    if "malformed json" in lowered:
        return "malformed_json"
    return "unreadable_file"


def _fields_columns(reader: FlatSource | PageSource, extra: Sequence[str] = ()) -> tuple[str, ...]:
    return tuple(f.column for f in reader.fields) + tuple(extra)


LITELLM_EXTRA_COLUMNS = (
    "cache_read_input_tokens", "cache_creation_input_tokens", "cache_creation_1h_input_tokens", "reasoning_tokens",
    "request_tags", "feature",
    "tenant_id", "plan_tier", "user_id", "metadata_trace_id", "metadata_parent_request_id", "metadata_attempt",
    "metadata_environment",
)  # fmt: skip

JSON_OR_LINES = frozenset({"json", "jsonl"})
FLAT_FORMATS = frozenset({"csv", "jsonl", "parquet"})

SOURCE_DEFS: dict[str, SourceDef] = {
    s.name: s
    for s in (
        SourceDef(
            "otlp",
            "traces/otlp",
            JSON_OR_LINES,
            (
                Target("otlp_llm_spans", OTLP_LLM_COLUMNS, ("trace_id", "span_id")),
                Target("otlp_spans", OTLP_SPAN_COLUMNS, ("trace_id", "span_id")),
            ),
            OtlpSource(),
        ),
        SourceDef(
            "litellm",
            "traces/litellm",
            FLAT_FORMATS,
            (Target("litellm_spend_logs", _fields_columns(LITELLM, LITELLM_EXTRA_COLUMNS), ("request_id",)),),
            LITELLM,
        ),
        SourceDef(
            "canonical",
            "traces/canonical",
            FLAT_FORMATS,
            (Target("canonical_llm_calls", _fields_columns(CANONICAL), ("call_id",)),),
            CANONICAL,
        ),
        SourceDef(
            "openai_costs",
            "invoices/openai",
            JSON_OR_LINES,
            (Target("openai_costs", _fields_columns(OPENAI_COSTS)),),
            OPENAI_COSTS,
        ),
        SourceDef(
            "anthropic_costs",
            "invoices/anthropic",
            JSON_OR_LINES,
            (Target("anthropic_costs", _fields_columns(ANTHROPIC_COSTS)),),
            ANTHROPIC_COSTS,
        ),
        SourceDef(
            "focus",
            "invoices/focus",
            frozenset({"csv", "parquet"}),
            (Target("focus_charges", _fields_columns(FOCUS)),),
            FOCUS,
        ),
        SourceDef(
            "openai_usage",
            "usage/openai",
            JSON_OR_LINES,
            (Target("openai_usage", _fields_columns(OPENAI_USAGE)),),
            OPENAI_USAGE,
        ),
        SourceDef(
            "anthropic_usage",
            "usage/anthropic",
            JSON_OR_LINES,
            (Target("anthropic_usage", _fields_columns(ANTHROPIC_USAGE)),),
            ANTHROPIC_USAGE,
        ),
        SourceDef(
            "product_mau",
            "product/mau",
            frozenset({"csv", "parquet"}),
            (Target("product_mau", _fields_columns(PRODUCT_MAU)),),
            PRODUCT_MAU,
        ),
        SourceDef(
            "subscriptions",
            "product/subscriptions",
            frozenset({"csv", "parquet"}),
            (Target("subscriptions", _fields_columns(SUBSCRIPTIONS)),),
            SUBSCRIPTIONS,
        ),
    )
}
