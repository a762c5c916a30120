{#- DuckDB's table creation, with the model config `uncompressed_columns` (a list of column names):
    those columns are stored with `using compression uncompressed`. DuckDB's default for a VARCHAR is
    dictionary + FSST, which on unique UUID-like ids (call_id, trace_id, ...) is most of the write of
    a wide 10M-row table; uncompressed such a column writes 3-4x faster, for a file about 1.5x as
    large (docs in macros/_macros.yml).
    The table is declared first (with the contract's columns and constraints when the contract is
    enforced, else with the query's column types), then filled; the compression is part of the
    table's definition, so the later incremental inserts into it keep it. The temporary relation of
    an incremental run of a model with the strategy 'replace_window' is a temporary view of the query
    (incremental_replace_window.sql: the window is then written once, into the table). Without the
    config, for other temporary tables (an incremental run's staging table) and for Python models
    this is dbt-duckdb's own macro, unchanged. Spark never dispatches here: the config is ignored
    there. -#}
{% macro duckdb__create_table_as(temporary, relation, compiled_code, language='sql', partitioned_by=none, sorted_by=none) -%}
    {%- if temporary and language == 'sql' and config.get('incremental_strategy') == 'replace_window' -%}
        {{ return(replace_window_source_view(relation, compiled_code)) }}
    {%- endif -%}
    {%- set uncompressed_columns = config.get('uncompressed_columns') or [] -%}
    {%- if temporary or language != 'sql' or not uncompressed_columns -%}
        {{ return(dbt.duckdb__create_table_as(
            temporary, relation, compiled_code, language, partitioned_by=partitioned_by, sorted_by=sorted_by
        )) }}
    {%- endif -%}
    {%- if partitioned_by or sorted_by -%}
        {% do exceptions.raise_compiler_error("uncompressed_columns cannot be combined with partitioned_by or sorted_by") %}
    {%- endif -%}
    {%- set wanted = uncompressed_columns | map('lower') | list -%}
    {%- set contract_config = config.get('contract') -%}
    {%- set enforced = contract_config is not none and contract_config.enforced -%}
    {#- [name, name as written in SQL, column definition] per column, in table order -#}
    {%- set columns = [] -%}
    {%- if enforced -%}
        {%- set definitions = adapter.render_raw_columns_constraints(raw_columns=model['columns']) -%}
        {%- for column in model['columns'].values() -%}
            {%- set quoted = adapter.quote(column['name']) if column.get('quote') else column['name'] -%}
            {%- do columns.append([column['name'], quoted, definitions[loop.index0]]) -%}
        {%- endfor -%}
    {%- elif execute -%}
        {#- DESCRIBE binds the query without running it (dbt's get_column_schema_from_query would
            flatten a STRUCT column into its fields). -#}
        {%- for row in run_query('describe (\n' ~ compiled_code ~ '\n)').rows -%}
            {%- do columns.append([row[0], adapter.quote(row[0]), adapter.quote(row[0]) ~ ' ' ~ row[1]]) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set names = columns | map(attribute=0) | map('lower') | list -%}
    {%- set unknown = wanted | reject('in', names) | list -%}
    {%- if execute and unknown -%}
        {% do exceptions.raise_compiler_error(
            "uncompressed_columns of " ~ relation ~ " names columns the table does not have: " ~ unknown | join(', ')
        ) %}
    {%- endif -%}
    {%- set sql_header = config.get('sql_header', none) -%}

    {{ sql_header if sql_header is not none }}
    {%- if enforced %}
    {{ get_assert_columns_equivalent(compiled_code) }}
    {%- endif %}

    create table {{ relation }} (
    {%- for column in columns %}
        {{ column[2] }}{{ ' using compression uncompressed' if column[0] | lower in wanted }}{{ ',' if not loop.last }}
    {%- endfor %}
    {%- for constraint in (adapter.render_raw_model_constraints(raw_constraints=model['constraints']) if enforced else []) %},
        {{ constraint }}
    {%- endfor %}
    );
    insert into {{ relation }}
    {%- if enforced %} ({{ columns | map(attribute=1) | join(', ') }})
    select {{ columns | map(attribute=1) | join(', ') }}
    {%- else %}
    select *
    {%- endif %} from (
        {{ compiled_code }}
    ) as model_subq;
{%- endmacro %}
