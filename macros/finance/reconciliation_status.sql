{#- The reconciliation status of one provider × model × day (or × token type) row, decided in exact
    decimal arithmetic (thresholds are percent vars, applied as × 0.01, never a division):

      unmetered_spend   nothing metered, but the provider invoiced (or reported usage of) it
      missing_invoice   metered, no invoice line, and the provider's invoices have already reached
                        `invoice_lag_days` (var, default 2) past this day
      pending_invoice   metered, no invoice line yet, within the lag (or no invoice loaded at all)
      ok                drift is zero or |drift| < drift_warn_pct % of |invoiced|
      warn              |drift| >= drift_warn_pct % (var, default 1) of |invoiced|
      breach            |drift| >= drift_breach_pct % (var, default 5) of |invoiced|

    has_metering / has_invoice: boolean SQL expressions; drift / invoiced: decimal expressions
    (drift = invoiced - metered); usage_date: the row's day; reference_date: the latest usage date
    invoiced by the row's provider (null when none). -#}
{% macro reconciliation_status(has_metering, has_invoice, drift, invoiced, usage_date, reference_date) -%}
    case
        when not ({{ has_metering }}) then 'unmetered_spend'
        when not ({{ has_invoice }})
            then
                case
                    when
                        {{ reference_date }} is not null
                        and {{ dbt.datediff(usage_date, reference_date, 'day') }}
                        >= {{ var('invoice_lag_days') | int }}
                        then 'missing_invoice'
                    else 'pending_invoice'
                end
        when {{ drift }} = 0 then 'ok'
        when abs({{ drift }}) >= abs({{ invoiced }}) * {{ var('drift_breach_pct') }} * 0.01 then 'breach'
        when abs({{ drift }}) >= abs({{ invoiced }}) * {{ var('drift_warn_pct') }} * 0.01 then 'warn'
        else 'ok'
    end
{%- endmacro %}
