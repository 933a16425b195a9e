-- Window, filter and transform the assigned touches, then number journeys and positions.
-- Result: one row per kept touch, sorted once by journey_id, position.
create or replace temp table journey_touches as
with joined as (
    select a.*, c.ts as conversion_ts, c.revenue as conversion_revenue, c.stage as conversion_stage,
           -- without reset the journey reaches back past the previous conversion (lookback only)
           case when $reset_on_conversion then c.prev_ts end as window_start, c.conversion_id
    from assigned_touches a
    left join counted_conversions c using (user_id, seq)
),
ended as (
    select *, coalesce(conversion_ts, max(ts) over (partition by user_id, seq)) as end_ts
    from joined
),
in_window as (
    select * from ended
    where ($lookback_days is null or ts >= end_ts - to_days(cast($lookback_days as integer)))
      and ($include_non_converting or conversion_ts is not null)
      and case when conversion_ts is not null
               then ($start is null or conversion_ts::date >= $start) and ($end is null or conversion_ts::date <= $end)
               else ($start is null or ts::date >= $start) and ($end is null or ts::date <= $end) end
),
flagged as (
    select *, list_contains($exclude, lower(channel)) as channel_excluded from in_window
),
excluded as (
    -- drop excluded channels unless they are the whole journey
    select * from (
        select *, bool_and(channel_excluded) over (partition by user_id, seq) as all_excluded from flagged
    ) where not channel_excluded or all_excluded
),
marked as (
    select *,
        lag(channel) over (partition by user_id, seq order by ts, touch_row) as previous_channel,
        row_number() over (partition by user_id, seq, channel order by ts, touch_row) as channel_occurrence
    from excluded
),
transformed as (
    select * from marked
    where case $transform
              when 'collapse_repeats' then previous_channel is distinct from channel
              when 'unique' then channel_occurrence = 1
              else true end
),
capped as (
    select * from (
        select *, row_number() over (partition by user_id, seq order by ts desc, touch_row desc) as from_end
        from transformed
    ) where $max_touches is null or from_end <= $max_touches
),
numbered as (
    select *, dense_rank() over (order by user_id, seq nulls last) as journey_id from capped
),
final as (
    select
        journey_id,
        user_id,
        conversion_ts is not null as converted,
        coalesce(conversion_revenue, 0.0) as revenue,
        conversion_ts,
        conversion_stage as stage,
        cast(row_number() over (partition by journey_id order by ts, touch_row) as integer) as position,
        cast(count(*) over (partition by journey_id) as integer) as n_touches,
        channel,
        ts,
        date_diff('second', ts, conversion_ts) / 3600.0 as hours_to_conversion,
        cost,
        cast(null as varchar) as milestone,
        campaign,
        session_id,
        interaction,
        holder_engagement,
        closer_engagement,
        hours_since_previous,
        window_start,
        conversion_id
    from numbered
)
select * from final order by journey_id, position
