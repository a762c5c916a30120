{#- DuckDB's persist_docs (+persist_docs in dbt_project.yml: the yml descriptions become the relations'
    and columns' comments, for analysts and BI tools reading the warehouse). dbt's default issues, per
    model, a comment on the relation, DESCRIBE twice (dbt and dbt-duckdb each filter the documented
    columns to the relation's) and the column comments: four statements, a fixed cost on every node
    of every run. Here one catalog query reads the relation's current comments (and which columns it
    has), and one statement writes only the comments that differ: a rebuilt view or table gets all of
    them, an incremental table whose docs did not change gets none. Spark keeps its own macro. -#}
{% macro duckdb__persist_docs(relation, model, for_relation=true, for_columns=true) -%}
    {%- set relation_doc = model.description if for_relation and config.persist_relation_docs() else '' -%}
    {%- set column_docs = model.columns if for_columns and config.persist_column_docs() and model.columns else {} -%}
    {%- if not execute or (not relation_doc and not column_docs) -%}
        {{ return('') }}
    {%- endif -%}
    {#- column_name is null for the relation's own comment -#}
    {%- set current_sql -%}
        select null as column_name, comment
        from duckdb_tables()
        where {{ persist_docs_catalog_filter(relation, 'table_name') }}
        union all
        select null as column_name, comment
        from duckdb_views()
        where {{ persist_docs_catalog_filter(relation, 'view_name') }}
        union all
        select column_name, comment
        from duckdb_columns()
        where {{ persist_docs_catalog_filter(relation, 'table_name') }}
    {%- endset -%}
    {%- set current = {} -%}
    {%- set state = namespace(relation_comment=none) -%}
    {%- for row in run_query(current_sql).rows -%}
        {%- if row[0] is none -%}
            {%- set state.relation_comment = row[1] -%}
        {%- else -%}
            {%- do current.update({row[0]: row[1]}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- if relation_doc and relation_doc != state.relation_comment -%}
        {%- do statements.append(alter_relation_comment(relation, relation_doc)) -%}
    {%- endif -%}
    {#- Only the columns the relation has, as dbt-duckdb's alter_column_comment. -#}
    {%- for column_name, column in column_docs.items()
        if column_name in current and (column['description'] or '') != (current[column_name] or '') -%}
        {%- do statements.append(
            'comment on column ' ~ relation ~ '.'
            ~ (adapter.quote(column_name) if column['quote'] else column_name)
            ~ ' is ' ~ duckdb_escape_comment(column['description']) ~ ';'
        ) -%}
    {%- endfor -%}
    {%- if statements -%}
        {%- do run_query(statements | join('\n')) -%}
    {%- endif -%}
{%- endmacro %}

{#- The catalog rows of `relation` in a duckdb_tables/_views/_columns() query. -#}
{% macro persist_docs_catalog_filter(relation, name_column) -%}
    lower(database_name) = lower('{{ relation.database }}')
    and lower(schema_name) = lower('{{ relation.schema }}')
    and lower({{ name_column }}) = lower('{{ relation.identifier }}')
{%- endmacro %}
