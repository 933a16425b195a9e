-- The conversions that count for this journey build: stage filter, then every or only the first
-- conversion per user. prev_ts is the previous counted conversion (the reset boundary).
create or replace temp table counted_conversions as
with source as (
    select user_id, ts, coalesce(revenue, 0) as revenue, conversion_id, stage
    from {schema}.conversions
    where $stage is null or stage = $stage
),
numbered as (
    select *, row_number() over (partition by user_id order by ts, conversion_id, revenue) as seq
    from source
),
final as (
    select *, lag(ts) over (partition by user_id order by seq) as prev_ts
    from numbered
    where not $first_only or seq = 1
)
select * from final
