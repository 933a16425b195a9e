-- Every kept touch in journey order, in one statement: assign touches to conversions, window,
-- filter and transform, then sort once by (user_id, seq, ts, touch_id). A journey is (user_id,
-- seq) with seq NULL for the non-converting one, numbered after the user's converting ones.
-- Journey numbers and positions are counted on the sorted result (journeys.py), so no
-- window or join is needed for them. The conversion's details join once, for the
-- kept touches.
with grouped_touches as (
{grouped_touches}
),
assigned_touches as (
{assigned_touches}
),
in_window as (
    -- (the lookback window was applied when touches were assigned)
    select *, list_contains($exclude, lower(channel)) as channel_excluded
    from assigned_touches
    where ($include_non_converting or conversion_ts is not null)
      and case when conversion_ts is not null
               then ($start is null or conversion_ts::date >= $start) and ($end is null or conversion_ts::date <= $end)
               else ($start is null or ts::date >= $start) and ($end is null or ts::date <= $end) end
),
excluded as (
    -- an excluded channel never gets credit: its touches are dropped, so a journey made only of
    -- excluded channels is left with no touch (its conversion is counted as one without a touch)
    select * from in_window where len($exclude) = 0 or not channel_excluded
),
marked as (
    -- (with transform 'none' the filter below folds to true and these windows are never computed)
    select *,
        lag(channel) over (partition by user_id, seq order by ts, touch_id) as previous_channel,
        row_number() over (partition by user_id, seq, channel order by ts, touch_id) as channel_occurrence
    from excluded
),
transformed as (
    select * exclude (channel_excluded, previous_channel, channel_occurrence) from marked
    where case $transform
              when 'collapse_repeats' then previous_channel is distinct from channel
              when 'unique' then channel_occurrence = 1
              else true end
),
capped as (
    -- the step cap keeps each journey's last touches
    -- (without a cap the filter folds to true and the window is never computed)
    select * from (
        select *, row_number() over (partition by user_id, seq order by ts desc, touch_id desc) as touches_after
        from transformed
    ) where $max_touches is null or touches_after <= $max_touches
),
final as (
    select
        k.touch_id,
        k.user_id,
        k.seq,
        k.conversion_ts is not null as converted,
        coalesce(c.revenue, 0.0) as revenue,
        k.conversion_ts,
        c.stage,
        k.channel,
        k.ts,
        date_diff('second', k.ts, k.conversion_ts) / 3600.0 as hours_to_conversion,
        k.cost,
        cast(null as varchar) as milestone,
        k.campaign,
        k.session_id,
        k.interaction,
        k.holder_engagement,
        k.closer_engagement,
        k.hours_since_previous,
        -- without reset the journey reaches back past the previous conversion (lookback only)
        case when $reset_on_conversion then c.prev_ts end as window_start
    from capped k
    left join counted_conversions c on c.user_id = k.user_id and c.seq = k.seq
)
select * exclude (touch_id) from final order by user_id, seq nulls last, ts, touch_id
