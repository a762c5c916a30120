"""Prompt and completion content never reaches the warehouse: not in raw tables, not in the quarantine,
not in the manifest's error texts — checked on the bytes of the DuckDB file and its WAL."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import duckdb
from fixtures.ingest.ingest_builders import (
    LOAD_NOW,
    litellm_row,
    llm_span,
    otlp_request,
    write,
    write_litellm_csv,
)

from orchestration.ingest import SOURCES, ingest_source

RESOURCE = {"service.name": "svc", "deployment.environment.name": "production"}


def _landing(landing: Path, secret: str, marker: str) -> None:
    # OTLP: content attributes on a good span, a quarantined span and a malformed line.
    good = llm_span(1, feature=marker)
    good.attributes |= {
        "gen_ai.input.messages": json.dumps([{"role": "user", "parts": [{"type": "text", "content": secret}]}]),
        "gen_ai.output.messages": f"answer {secret}",
        "gen_ai.prompt.0.content": secret,
        "gen_ai.completion.0.content": secret,
        "gen_ai.system_instructions": secret,
    }
    quarantined = llm_span(2, input_tokens=-1)
    quarantined.attributes["gen_ai.input.messages"] = secret
    malformed = otlp_request([quarantined], RESOURCE)
    malformed = malformed[: malformed.index(secret) + len(secret) + 5]  # cut right after the secret
    lines = [otlp_request([good], RESOURCE), otlp_request([quarantined], RESOURCE), malformed]
    write(landing / "traces/otlp/content.jsonl", "\n".join(lines) + "\n")
    # LiteLLM: messages/response on a good row, a quarantined row, a refused CSV line and a malformed JSON line.
    rows = [litellm_row(1, secret=secret), litellm_row(2, secret=secret, prompt_tokens=-4)]
    path = write_litellm_csv(landing / "traces/litellm/spend.csv", rows)
    text = path.read_text().splitlines()
    text.append(text[1].replace("chatcmpl-000001", "chatcmpl-000003") + ",one column too many")
    path.write_text("\n".join(text) + "\n")
    json_lines = [json.dumps(litellm_row(4, secret=secret), default=str)]
    json_lines.append(json_lines[0].replace("chatcmpl-000004", "chatcmpl-000005")[:-30])
    write(landing / "traces/litellm/spend.jsonl", "\n".join(json_lines) + "\n")


def test_secret_is_absent_from_the_warehouse_bytes(tmp_path: Path) -> None:
    secret = "SECRET-" + secrets.token_hex(16)
    marker = "MARKER-" + secrets.token_hex(16)  # a tag value that must be stored: proves the bytes are readable
    landing = tmp_path / "landing"
    _landing(landing, secret, marker)
    database = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(database))
    # Uncompressed storage: a compressed copy of the secret would not show in a byte search.
    con.execute("pragma force_compression = 'uncompressed'")
    results = {source: ingest_source(con, source, landing, now=LOAD_NOW) for source in SOURCES}
    reasons = {reason for source in ("otlp", "litellm") for reason in results[source].quarantined_by_reason}
    assert {"negative_tokens", "malformed_json", "malformed_csv"} <= reasons
    assert results["otlp"].rows_loaded_by_table["otlp_llm_spans"] == 1
    assert results["litellm"].rows_loaded_by_table["litellm_spend_logs"] == 2
    wal = database.with_name(database.name + ".wal")
    before_checkpoint = database.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    con.execute("checkpoint")
    con.close()
    after_close = database.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    for stored in (before_checkpoint, after_close):
        assert secret.encode() not in stored
    assert marker.encode() in after_close
