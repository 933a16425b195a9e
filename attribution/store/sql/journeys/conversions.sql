-- The conversions that count for this journey build: stage filter, then every or only the first
-- conversion per user. prev_ts is the previous counted conversion (the reset boundary).
create or replace temp table counted_conversions as
with source as (
    select user_id, ts, coalesce(revenue, 0) as revenue, conversion_id, stage
    from {schema}.conversions
    where $stage is null or stage = $stage
),
numbered as (
    -- one sort gives the numbering and the previous conversion
    select *, row_number() over by_time as seq, lag(ts) over by_time as previous_ts
    from source
    window by_time as (partition by user_id order by ts, conversion_id, revenue)
),
final as (
    -- with only the first conversion counted there is no previous one
    select * exclude (previous_ts), case when $first_only then null else previous_ts end as prev_ts
    from numbered
    where not $first_only or seq = 1
)
select * from final
