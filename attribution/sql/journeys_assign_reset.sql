-- Assign each touch to the next counted conversion at or after it (reset on conversion).
-- Touches and conversions are merged into one stream per user; a touch at the exact conversion
-- instant sorts before it and so belongs to it. Touches after the last conversion get seq = NULL
-- (the user's non-converting journey).
create or replace temp table assigned_touches as
with stream as (
    select user_id, ts, 0 as is_conversion, null::bigint as seq, touch_row from grouped_touches
    union all
    select user_id, ts, 1 as is_conversion, seq, null::bigint as touch_row from counted_conversions
),
counted as (
    select *, sum(is_conversion) over (
        partition by user_id order by ts, is_conversion, seq rows unbounded preceding
    ) as conversions_before
    from stream
),
final as (
    select t.*, c.seq as seq
    from counted s
    join grouped_touches t using (touch_row)
    left join counted_conversions c
        on c.user_id = s.user_id and c.seq = s.conversions_before + 1
    where s.is_conversion = 0
      and (not $first_only or s.conversions_before = 0)
)
select * from final
