-- The raw layer: what the ingestion assets write and what dbt's sources read.
-- This file is the contract between the loaders (orchestration/ingest) and the staging models
-- (models/staging). Column names are as close to the source format as the format allows; types are
-- explicit; money is DECIMAL. Every loaded table carries its lineage: the landing file (path relative
-- to the landing folder), the 1-based line or row in that file, and when it was loaded.
-- Raw tables keep tokens exactly as reported; the canonical exclusive token columns are computed in
-- staging from seeds/token_conventions.csv.

create schema if not exists raw;

-- One row per landing file ever seen. A file is identified by its path; its content by sha256.
create table if not exists raw.load_manifest (
    file_path varchar not null,          -- relative to the landing folder, '/' separated
    source varchar not null,             -- otlp | litellm | canonical | openai_costs | anthropic_costs | focus | openai_usage | anthropic_usage | product_mau | subscriptions
    size_bytes bigint not null,
    content_sha256 varchar not null,
    status varchar not null,             -- loaded | rejected | replaced
    rows_loaded bigint not null,
    rows_quarantined bigint not null,
    rows_skipped bigint not null,        -- identical duplicates and out-of-scope rows (e.g. non-AI FOCUS charges)
    error varchar,                       -- why a rejected file was rejected
    loaded_at timestamp not null
);

-- Bad input, kept with its reason. Nothing is dropped without a row here or a count in the manifest.
create table if not exists raw.quarantine (
    source varchar not null,
    file_path varchar not null,
    source_row bigint,                   -- 1-based line (JSON lines) or row (CSV/Parquet); null when the whole file is bad
    reason varchar not null,             -- malformed_json | malformed_csv | truncated_gzip | missing_required_field | wrong_type
                                         -- | negative_tokens | token_semantics_conflict | bad_timestamp | future_timestamp
                                         -- | non_usd_currency | duplicate_conflicting | symlink_outside_landing | unreadable_file
    detail varchar,                      -- human-readable: which field, which value
    raw_text varchar,                    -- the offending line/row as text, content attributes removed
    quarantined_at timestamp not null,
    content_sha256 varchar               -- the file version (load_manifest.content_sha256) the row came from
);

-- LLM spans from OTLP/JSON (a span is an LLM call when it carries gen_ai.usage.*).
-- Attribute keys are mapped through orchestration/config/ingest.yml; content attributes are never stored.
create table if not exists raw.otlp_llm_spans (
    trace_id varchar not null,           -- lower-case hex, 32 chars
    span_id varchar not null,            -- lower-case hex, 16 chars
    parent_span_id varchar,              -- null for a root span
    span_name varchar,
    started_at timestamp not null,       -- UTC, from startTimeUnixNano (microsecond precision)
    ended_at timestamp,
    status_code integer,                 -- OTLP: 0 unset, 1 ok, 2 error
    service_name varchar,
    environment varchar,                 -- resource deployment.environment.name (or deployment.environment)
    provider varchar,                    -- gen_ai.provider.name (or gen_ai.system)
    request_model varchar,
    response_model varchar,
    operation varchar,
    input_tokens bigint,
    output_tokens bigint,
    cache_read_tokens bigint,
    cache_write_tokens bigint,           -- all cache writes (5m and 1h)
    cache_write_1h_tokens bigint,        -- the 1h part of cache_write_tokens, when reported
    reasoning_tokens bigint,
    feature varchar,
    tenant_id varchar,
    user_id varchar,
    session_id varchar,
    plan_tier varchar,
    attempt integer,
    _source_file varchar not null,
    _source_row bigint not null,
    _loaded_at timestamp not null
);

-- Non-LLM spans: ids, times and the mapped tags only; they give request trees their shape and roots.
create table if not exists raw.otlp_spans (
    trace_id varchar not null,
    span_id varchar not null,
    parent_span_id varchar,
    span_name varchar,
    started_at timestamp not null,
    ended_at timestamp,
    status_code integer,
    service_name varchar,
    environment varchar,
    feature varchar,
    tenant_id varchar,
    user_id varchar,
    session_id varchar,
    plan_tier varchar,
    _source_file varchar not null,
    _source_row bigint not null,
    _loaded_at timestamp not null
);

-- LiteLLM_SpendLogs export (csv, jsonl or parquet). messages/response are never stored.
create table if not exists raw.litellm_spend_logs (
    request_id varchar not null,
    call_type varchar,
    start_time timestamp not null,
    end_time timestamp,
    model varchar,
    model_group varchar,
    custom_llm_provider varchar,
    spend decimal(38, 12),               -- LiteLLM's own cost estimate, USD
    prompt_tokens bigint,                -- inclusive of cache tokens
    completion_tokens bigint,
    total_tokens bigint,
    cache_read_input_tokens bigint,      -- from metadata.usage_object
    cache_creation_input_tokens bigint,  -- from metadata.usage_object (all cache writes)
    cache_creation_1h_input_tokens bigint,  -- the 1h part: metadata.usage_object.cache_creation_input_token_details
    reasoning_tokens bigint,             -- from metadata.usage_object.completion_tokens_details, when present
    api_key varchar,                     -- hashed key, as LiteLLM stores it
    "user" varchar,
    end_user varchar,
    team_id varchar,
    session_id varchar,
    request_tags varchar,                -- JSON list as text, e.g. ["feature:draft-email","tenant:t-001"]
    feature varchar,                     -- from request_tags (orchestration/config/ingest.yml: litellm.request_tags)
    tenant_id varchar,                   -- from request_tags
    plan_tier varchar,                   -- from request_tags
    user_id varchar,                     -- from request_tags, else end_user (litellm.column_fallbacks)
    metadata_trace_id varchar,           -- metadata.trace_id, when the caller passed one
    metadata_parent_request_id varchar,  -- metadata.parent_request_id, when the caller passed one
    metadata_attempt integer,            -- metadata.attempt
    metadata_environment varchar,        -- metadata.environment
    status varchar,                      -- success | failure
    cache_hit varchar,
    _source_file varchar not null,
    _source_row bigint not null,
    _loaded_at timestamp not null
);

-- Canonical flat call records (the ARCHITECTURE.md contract). input_tokens includes cache tokens.
-- The unique ids, and the near-unique session id (a session per few traces), are stored uncompressed:
-- DuckDB's dictionary + FSST compression of them is most of the cost of writing this table (the
-- table's file grows about 1.6x). Applies to tables created from
-- this file; an existing warehouse keeps the compression its table was created with.
create table if not exists raw.canonical_llm_calls (
    call_id varchar not null using compression uncompressed,
    trace_id varchar using compression uncompressed,
    parent_call_id varchar using compression uncompressed,
    started_at timestamp not null,
    environment varchar,
    provider varchar,
    model varchar,
    response_model varchar,
    operation varchar,
    feature varchar,
    tenant_id varchar,
    user_id varchar,
    session_id varchar using compression uncompressed,
    plan_tier varchar,
    attempt integer,
    status varchar,
    input_tokens bigint,
    cache_read_tokens bigint,
    cache_write_tokens bigint,           -- all cache writes (5m and 1h)
    cache_write_1h_tokens bigint,        -- the 1h part of cache_write_tokens
    output_tokens bigint,
    reasoning_tokens bigint,
    latency_ms bigint,
    _source_file varchar not null,
    _source_row bigint not null,
    _loaded_at timestamp not null
);

-- OpenAI Costs API (/v1/organization/costs, 1d buckets, group_by=line_item[,project_id]).
create table if not exists raw.openai_costs (
    bucket_start_time timestamp not null,
    bucket_end_time timestamp not null,
    line_item varchar,                   -- e.g. 'gpt-4o-2024-08-06, input' | ', cached input' | ', output'
    project_id varchar,
    amount_value decimal(38, 12) not null,  -- dollars
    amount_currency varchar not null,
    _source_file varchar not null,
    _source_row bigint not null,         -- 1-based position of the result across the file's pages and buckets
    _loaded_at timestamp not null
);

-- Anthropic Admin API cost report (/v1/organizations/cost_report). amount is in CENTS.
create table if not exists raw.anthropic_costs (
    starting_at timestamp not null,
    ending_at timestamp not null,
    workspace_id varchar,
    description varchar,
    cost_type varchar,                   -- tokens | web_search | code_execution | ...
    context_window varchar,
    model varchar,
    service_tier varchar,
    token_type varchar,                  -- uncached_input_tokens | output_tokens | cache_read_input_tokens
                                         -- | cache_creation.ephemeral_5m_input_tokens | cache_creation.ephemeral_1h_input_tokens
    amount_cents decimal(38, 12) not null,
    currency varchar not null,
    _source_file varchar not null,
    _source_row bigint not null,
    _loaded_at timestamp not null
);

-- FOCUS 1.x billing rows that are AI model charges (others are counted as skipped in the manifest).
create table if not exists raw.focus_charges (
    billing_account_id varchar,
    sub_account_id varchar,
    provider_name varchar,
    publisher_name varchar,
    invoice_issuer_name varchar,
    service_category varchar,
    service_name varchar,
    charge_category varchar,
    charge_class varchar,
    charge_description varchar,
    charge_period_start timestamp not null,
    charge_period_end timestamp not null,
    billing_period_start timestamp,
    billing_period_end timestamp,
    billing_currency varchar not null,
    billed_cost decimal(38, 12) not null,
    effective_cost decimal(38, 12),
    list_cost decimal(38, 12),
    contracted_cost decimal(38, 12),
    consumed_quantity decimal(38, 12),
    consumed_unit varchar,
    pricing_quantity decimal(38, 12),
    pricing_unit varchar,
    list_unit_price decimal(38, 18),
    region_id varchar,
    resource_id varchar,
    sku_id varchar,
    sku_price_id varchar,
    usage_type varchar,                  -- x_UsageType (AWS) when the export carries it, e.g. 'USE1-Claude3.5Sonnet-input-tokens'
    tags varchar,                        -- JSON object as text
    _source_file varchar not null,
    _source_row bigint not null,
    _loaded_at timestamp not null
);

-- OpenAI usage API (/v1/organization/usage/completions, 1d buckets, group_by=model).
create table if not exists raw.openai_usage (
    bucket_start_time timestamp not null,
    bucket_end_time timestamp not null,
    model varchar,
    project_id varchar,
    batch boolean,
    input_tokens bigint,                 -- inclusive of input_cached_tokens
    input_cached_tokens bigint,
    output_tokens bigint,
    input_audio_tokens bigint,
    output_audio_tokens bigint,
    num_model_requests bigint,
    _source_file varchar not null,
    _source_row bigint not null,
    _loaded_at timestamp not null
);

-- Anthropic usage report (/v1/organizations/usage_report/messages, 1d buckets, group_by=model).
create table if not exists raw.anthropic_usage (
    starting_at timestamp not null,
    ending_at timestamp not null,
    model varchar,
    service_tier varchar,
    context_window varchar,
    workspace_id varchar,
    uncached_input_tokens bigint,        -- exclusive of cache tokens
    cache_read_input_tokens bigint,
    cache_creation_5m_input_tokens bigint,
    cache_creation_1h_input_tokens bigint,
    output_tokens bigint,
    web_search_requests bigint,
    _source_file varchar not null,
    _source_row bigint not null,
    _loaded_at timestamp not null
);

-- Product analytics: monthly active users per tenant and feature (feature names as product calls them).
create table if not exists raw.product_mau (
    month date not null,                 -- first day of the month
    tenant_id varchar not null,
    feature varchar not null,
    monthly_active_users bigint not null,
    _source_file varchar not null,
    _source_row bigint not null,
    _loaded_at timestamp not null
);

-- Plan history per tenant (type-2). valid_to is exclusive; null means open-ended.
create table if not exists raw.subscriptions (
    tenant_id varchar not null,
    plan_tier varchar not null,
    seats bigint not null,
    valid_from date not null,
    valid_to date,
    monthly_revenue_usd decimal(38, 12),  -- optional contracted revenue; null means derive it from plan_catalog
    _source_file varchar not null,
    _source_row bigint not null,
    _loaded_at timestamp not null
);

-- The rate card, from the genai-prices package: one row per (provider, model, validity period,
-- time-of-day window, input-token tier). Prices are USD per million tokens (per thousand requests for
-- requests_kcount), null where the model has no such price.
-- A call matches the row where valid_from <= started_at < coalesce(valid_to, +inf),
-- tod_start_second <= seconds since UTC midnight < tod_end_second, and
-- tier_start_tokens < total input tokens <= coalesce(tier_end_tokens, +inf) (tier_start_tokens = 0 rows also
-- take calls with 0 input tokens) -- the cliff rule.
create table if not exists raw.rate_card (
    price_provider_id varchar not null,  -- genai-prices provider that owns the price (e.g. 'openai' for an azure-served gpt model)
    model_id varchar not null,           -- genai-prices model id
    model_name varchar,
    valid_from timestamp not null,       -- 1970-01-01 for the earliest known price
    valid_to timestamp,                  -- exclusive; null = still in force
    tod_start_second integer not null,   -- 0 unless the price is a time-of-day window (off-peak)
    tod_end_second integer not null,     -- 86400 unless the price is a time-of-day window
    tier_index integer not null,         -- 0 = base price
    tier_start_tokens bigint not null,   -- exclusive lower bound on total input tokens; 0 for the base tier
    tier_end_tokens bigint,              -- inclusive upper bound; null for the top tier
    input_mtok decimal(38, 18),
    output_mtok decimal(38, 18),
    cache_read_mtok decimal(38, 18),
    cache_write_mtok decimal(38, 18),    -- 5-minute cache writes (and 1h writes when the model has no 1h price)
    cache_write_1h_mtok decimal(38, 18),
    output_reasoning_mtok decimal(38, 18),
    requests_kcount decimal(38, 18),     -- per thousand requests
    other_prices_json varchar,           -- prices of units we do not meter (web searches, audio...), as JSON
    genai_prices_version varchar not null,
    _loaded_at timestamp not null
);

-- Each observed (provider, model) string mapped once to a genai-prices model using that package's
-- own matching. Unmatched strings are kept with is_matched = false and the lookup error.
create table if not exists raw.model_map (
    observed_provider varchar not null,  -- as observed ('' when the source has none)
    observed_model varchar not null,
    provider_id varchar,                 -- genai-prices provider the string resolved to (e.g. 'aws' for 'aws.bedrock')
    price_provider_id varchar,           -- provider that owns the matched price (rate_card.price_provider_id)
    model_id varchar,                    -- rate_card.model_id
    is_matched boolean not null,
    match_error varchar,
    genai_prices_version varchar not null,
    _loaded_at timestamp not null
);
