-- SQLite, IHC challenge database: each conversion's journey = that user's sessions at or before the
-- conversion time. Conversions are kept to :start..:end (conversion dates; NULL = open).
with conversions_in_range as (
    select conv_id, user_id, conv_date || ' ' || conv_time as conv_ts,
           julianday(conv_date || ' ' || conv_time) as conv_day, revenue
    from conversions
    where (:start is null or conv_date >= :start) and (:end is null or conv_date <= :end)
),
sessions as (
    select session_id, user_id, event_date || ' ' || event_time as ts,
           julianday(event_date || ' ' || event_time) as ts_day, channel_name,
           holder_engagement, closer_engagement, impression_interaction
    from session_sources
),
final as (
    select c.conv_id, c.user_id, c.conv_ts, c.revenue, s.session_id, s.ts, s.channel_name,
           s.holder_engagement, s.closer_engagement, s.impression_interaction
    from conversions_in_range as c
    join sessions as s on s.user_id = c.user_id and s.ts_day <= c.conv_day
)
select * from final order by conv_id, ts, session_id
