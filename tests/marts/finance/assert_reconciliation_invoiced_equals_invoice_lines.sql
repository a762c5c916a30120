{{ config(meta={'dagster': {'ref': {'name': 'reconciliation_drift_daily'}}}) }}

-- Nothing invoiced is dropped: per provider, the invoiced total of reconciliation_drift_daily (token,
-- unmapped and non-token charges) equals the sum of every normalized invoice line, and the non-token
-- part equals the non-token lines. Exact decimal equality. Returns the providers that differ.
with

invoice_lines as (

    select * from {{ ref('int_invoice_lines_unioned') }}

),

reconciliation as (

    select * from {{ ref('reconciliation_drift_daily') }}

),

line_totals as (

    select
        provider,
        sum(amount_usd) as amount_usd,
        sum(case when charge_kind = 'non_token' then amount_usd else 0 end) as non_token_usd,
        count(*) as line_count

    from invoice_lines
    group by provider

),

reconciliation_totals as (

    select
        provider,
        sum(invoiced_total_usd) as invoiced_total_usd,
        sum(invoiced_non_token_usd) as invoiced_non_token_usd,
        sum(invoice_lines) as invoice_lines

    from reconciliation
    group by provider

),

final as (

    select
        coalesce(line_totals.provider, reconciliation_totals.provider) as provider,
        line_totals.amount_usd,
        reconciliation_totals.invoiced_total_usd,
        line_totals.non_token_usd,
        reconciliation_totals.invoiced_non_token_usd,
        line_totals.line_count,
        reconciliation_totals.invoice_lines

    from line_totals
    full outer join reconciliation_totals
        on line_totals.provider = reconciliation_totals.provider
    where
        coalesce(line_totals.amount_usd, 0) != coalesce(reconciliation_totals.invoiced_total_usd, 0)
        or coalesce(line_totals.non_token_usd, 0) != coalesce(reconciliation_totals.invoiced_non_token_usd, 0)
        or coalesce(line_totals.line_count, 0) != coalesce(reconciliation_totals.invoice_lines, 0)

)

select * from final
