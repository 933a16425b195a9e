-- Window, filter and transform the assigned touches, then number journeys and positions.
-- Result: one row per kept touch, sorted once by journey_id, position. A journey is (user_id,
-- seq); within it touches run in (ts, touch_id) order. The windows carry only narrow columns; the
-- touch details (by touch_id, the row of grouped_touches) and the conversion join back once, for
-- the kept touches.
create or replace temp table journey_touches as
with in_window as (
    -- (the lookback window was applied when touches were assigned)
    select user_id, touch_id, ts, channel, seq, conversion_ts, hours_since_previous,
           list_contains($exclude, lower(channel)) as channel_excluded
    from assigned_touches
    where ($include_non_converting or conversion_ts is not null)
      and case when conversion_ts is not null
               then ($start is null or conversion_ts::date >= $start) and ($end is null or conversion_ts::date <= $end)
               else ($start is null or ts::date >= $start) and ($end is null or ts::date <= $end) end
),
excluded as (
    -- drop excluded channels unless they are the whole journey
    -- (with nothing to exclude the filter folds to true and the window is never computed)
    select * from (
        select *, bool_and(channel_excluded) over (partition by user_id, seq) as all_excluded from in_window
    ) where len($exclude) = 0 or not channel_excluded or all_excluded
),
marked as (
    select *,
        lag(channel) over (partition by user_id, seq order by ts, touch_id) as previous_channel,
        row_number() over (partition by user_id, seq, channel order by ts, touch_id) as channel_occurrence
    from excluded
),
transformed as (
    select user_id, touch_id, ts, channel, seq, conversion_ts, hours_since_previous from marked
    where case $transform
              when 'collapse_repeats' then previous_channel is distinct from channel
              when 'unique' then channel_occurrence = 1
              else true end
),
counted as (
    -- one sort gives the cap (keep the last N) and the final positions
    select *, row_number() over by_time as touch_number,
           count(*) over (by_time rows between unbounded preceding and unbounded following) as journey_length
    from transformed
    window by_time as (partition by user_id, seq order by ts, touch_id)
),
capped as (
    select *, least(journey_length, coalesce($max_touches, journey_length)) as n_touches
    from counted
    where touch_number > journey_length - least(journey_length, coalesce($max_touches, journey_length))
),
journeys as (
    -- one row per kept journey: its number and its conversion
    select k.user_id, k.seq, row_number() over (order by k.user_id, k.seq nulls last) as journey_id,
           c.revenue, c.stage, c.prev_ts, c.conversion_id
    from (select distinct user_id, seq from capped) k
    left join counted_conversions c on c.user_id = k.user_id and c.seq = k.seq
),
final as (
    select
        j.journey_id,
        k.user_id,
        k.conversion_ts is not null as converted,
        coalesce(j.revenue, 0.0) as revenue,
        k.conversion_ts,
        j.stage,
        cast(k.touch_number - (k.journey_length - k.n_touches) as integer) as position,
        cast(k.n_touches as integer) as n_touches,
        k.channel,
        k.ts,
        date_diff('second', k.ts, k.conversion_ts) / 3600.0 as hours_to_conversion,
        t.cost,
        cast(null as varchar) as milestone,
        t.campaign,
        t.session_id,
        t.interaction,
        t.holder_engagement,
        t.closer_engagement,
        k.hours_since_previous,
        -- without reset the journey reaches back past the previous conversion (lookback only)
        case when $reset_on_conversion then j.prev_ts end as window_start,
        j.conversion_id
    from capped k
    join journeys j on j.user_id = k.user_id and j.seq is not distinct from k.seq
    join grouped_touches t on t.touch_id = k.touch_id
)
select * from final order by journey_id, position
