-- Assign each touch to the next counted conversion at or after it (reset on conversion), inside
-- the lookback window. Touches and conversions are merged into one stream per user; a touch at the
-- exact conversion instant sorts before it and so belongs to it. Touches after the last conversion
-- get seq = NULL (the user's non-converting journey, which ends at the user's last touch).
-- touch_id (the row of the touchpoints table, i.e. the input order) breaks ties between
-- simultaneous touches. Every touch column travels along (a join back by touch_id costs more).
-- A SELECT body: journeys_touches.sql takes it in as its first step.
with stream as (
    select *, 0 as is_conversion, null::bigint as seq
    from grouped_touches
    union all by name
    select user_id, ts, 1 as is_conversion, seq
    from counted_conversions
),
counted as (
    -- One sort for everything; seq runs 1..n per user, so the next conversion is before + 1.
    -- Times only grow along the order, so the next conversion's time is the min of those after
    -- and the previous touch's time the max of those before (first_value/last_value ignore nulls
    -- give the same but grow quadratically with a user's touch count).
    select *,
        count(seq) over (by_time rows unbounded preceding) as conversions_before,
        min(case when is_conversion = 1 then ts end)
            over (by_time rows between current row and unbounded following) as conversion_ts,
        max(case when is_conversion = 0 then ts end)
            over (by_time rows between unbounded preceding and 1 preceding) as previous_touch_ts,
        max(case when is_conversion = 0 then ts end)
            over (by_time rows between unbounded preceding and unbounded following) as user_last_ts
    from stream
    window by_time as (partition by user_id order by ts, is_conversion, seq, touch_id)
),
final as (
    -- a conversion after the touch exists exactly when conversion_ts is known
    select * exclude (is_conversion, seq, conversions_before, previous_touch_ts, user_last_ts),
           case when conversion_ts is not null then conversions_before + 1 end as seq,
           date_diff('second', previous_touch_ts, ts) / 3600.0 as hours_since_previous
    from counted
    where is_conversion = 0
      and (not $first_only or conversions_before = 0)
      and ($lookback_days is null
           or ts >= coalesce(conversion_ts, user_last_ts) - to_days(cast($lookback_days as integer)))
)
select * from final
