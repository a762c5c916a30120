{#- One row per day and source: what the loaders did with the landing files (on the day they were
    loaded: files, rows loaded, rows skipped, rows quarantined by reason) and what the calls of that
    source look like (on the calls' day: duplicates merged across sources, unpriced calls and their
    tokens, untagged cost and its share). Every environment counts. {{ doc("data_quality_rules") }}
    A full rebuild (a re-landed file changes the rows of its old load day), but the calls' side comes
    from the small incremental int_llm_call_quality_aggregated, not the fact. -#}
{%- set quarantine_reasons = [
    'malformed_json', 'malformed_csv', 'truncated_gzip', 'missing_required_field', 'wrong_type',
    'negative_tokens', 'token_semantics_conflict', 'bad_timestamp', 'future_timestamp',
    'non_usd_currency', 'duplicate_conflicting', 'symlink_outside_landing', 'unreadable_file',
] %}
with

load_manifest as (

    select * from {{ ref('stg_ingest__load_manifest') }}
    where status != 'replaced'

),

quarantine as (

    select * from {{ ref('stg_ingest__quarantine') }}

),

call_days as (

    select * from {{ ref('int_llm_call_quality_aggregated') }}

),

loads as (

    select
        load_date as quality_date,
        source,
        sum(case when status = 'loaded' then 1 else 0 end) as files_loaded,
        sum(case when status = 'rejected' then 1 else 0 end) as files_rejected,
        coalesce(sum(rows_loaded), 0) as rows_loaded,
        coalesce(sum(rows_skipped), 0) as rows_skipped

    from load_manifest
    group by load_date, source

),

quarantined as (

    select
        quarantine_date as quality_date,
        source,
        count(*) as rows_quarantined,
        {%- for reason in quarantine_reasons %}
        sum(case when reason = '{{ reason }}' then 1 else 0 end) as quarantined_{{ reason }}_rows,
        {%- endfor %}
        sum(
            case
                {%- for reason in quarantine_reasons %}
                when reason = '{{ reason }}' then 0
                {%- endfor %}
                else 1
            end
        ) as quarantined_other_rows

    from quarantine
    group by quarantine_date, source

),

call_quality as (

    select
        call_date as quality_date,
        source,
        calls,
        duplicate_call_records_merged,
        unpriced_calls,
        unpriced_tokens,
        untagged_calls,
        untagged_cost_usd,
        cost_usd

    from call_days

),

keys as (

    select
        quality_date,
        source
    from loads

    union

    select
        quality_date,
        source
    from quarantined

    union

    select
        quality_date,
        source
    from call_quality

),

final as (

    select
        cast(keys.quality_date as date) as quality_date,
        cast(keys.source as {{ dbt.type_string() }}) as source,
        cast(coalesce(loads.files_loaded, 0) as {{ dbt.type_bigint() }}) as files_loaded,
        cast(coalesce(loads.files_rejected, 0) as {{ dbt.type_bigint() }}) as files_rejected,
        cast(coalesce(loads.rows_loaded, 0) as {{ dbt.type_bigint() }}) as rows_loaded,
        cast(coalesce(loads.rows_skipped, 0) as {{ dbt.type_bigint() }}) as rows_skipped,
        cast(coalesce(quarantined.rows_quarantined, 0) as {{ dbt.type_bigint() }}) as rows_quarantined,
        {%- for reason in quarantine_reasons %}
        cast(
            coalesce(quarantined.quarantined_{{ reason }}_rows, 0) as {{ dbt.type_bigint() }}
        ) as quarantined_{{ reason }}_rows,
        {%- endfor %}
        cast(coalesce(quarantined.quarantined_other_rows, 0) as {{ dbt.type_bigint() }}) as quarantined_other_rows,
        cast(coalesce(call_quality.calls, 0) as {{ dbt.type_bigint() }}) as calls,
        cast(
            coalesce(call_quality.duplicate_call_records_merged, 0) as {{ dbt.type_bigint() }}
        ) as duplicate_call_records_merged,
        cast(coalesce(call_quality.unpriced_calls, 0) as {{ dbt.type_bigint() }}) as unpriced_calls,
        cast(coalesce(call_quality.unpriced_tokens, 0) as {{ dbt.type_bigint() }}) as unpriced_tokens,
        cast(coalesce(call_quality.untagged_calls, 0) as {{ dbt.type_bigint() }}) as untagged_calls,
        cast(coalesce(call_quality.untagged_cost_usd, 0) as {{ money_type() }}) as untagged_cost_usd,
        cast(coalesce(call_quality.cost_usd, 0) as {{ money_type() }}) as cost_usd,
        cast(
            {{ divide_decimal('call_quality.untagged_cost_usd', 'call_quality.cost_usd') }} as {{ ratio_type() }}
        ) as untagged_cost_share

    from keys
    left join loads
        on
            keys.quality_date = loads.quality_date
            and keys.source = loads.source
    left join quarantined
        on
            keys.quality_date = quarantined.quality_date
            and keys.source = quarantined.source
    left join call_quality
        on
            keys.quality_date = call_quality.quality_date
            and keys.source = call_quality.source

)

select * from final
