-- Without reset on conversion: a touch belongs to every counted conversion at or after it inside
-- the lookback window. Touches after a user's last counted conversion form the non-converting
-- journey (seq = NULL), which ends at the user's last touch. touch_id (the row of grouped_touches,
-- i.e. the input order) breaks ties between simultaneous touches.
-- A SELECT body: journeys_touches.sql takes it in as its first step.
with ordered as (
    select *,
           date_diff('second', lag(ts) over by_time, ts) / 3600.0 as hours_since_previous,
           max(ts) over (by_time rows between unbounded preceding and unbounded following) as user_last_ts
    from grouped_touches
    window by_time as (partition by user_id order by ts, touch_id)
),
last_conversion as (
    select user_id, max(ts) as last_ts from counted_conversions group by user_id
),
converting as (
    select t.* exclude (user_last_ts), c.seq, c.ts as conversion_ts
    from ordered t
    join counted_conversions c
      on c.user_id = t.user_id and t.ts <= c.ts
     and ($lookback_days is null or t.ts >= c.ts - to_days(cast($lookback_days as integer)))
),
after_last as (
    select t.* exclude (user_last_ts), null::bigint as seq, null::timestamp as conversion_ts
    from ordered t
    left join last_conversion l using (user_id)
    where (l.last_ts is null or t.ts > l.last_ts)
      and (not $first_only or l.last_ts is null)
      and ($lookback_days is null or t.ts >= t.user_last_ts - to_days(cast($lookback_days as integer)))
)
select * from converting
union all by name
select * from after_last
