-- Two overrides of the same provider and model must not be in force at the same time (a call would
-- match both). Returns the overlapping pairs.
with

price_overrides as (

    select
        *,
        row_number() over (order by provider_id, model_id, valid_from, valid_to) as override_number

    from {{ ref('price_overrides') }}

),

final as (

    select
        earlier.provider_id,
        earlier.model_id,
        earlier.valid_from,
        earlier.valid_to,
        later.valid_from as overlapping_valid_from,
        later.valid_to as overlapping_valid_to

    from price_overrides as earlier
    inner join price_overrides as later
        on
            earlier.provider_id = later.provider_id
            and earlier.model_id = later.model_id
            and earlier.override_number < later.override_number
    where earlier.valid_to is null or later.valid_from < earlier.valid_to

)

select * from final
