-- SQLite: conversions in :start..:end, how many of them have a time that cannot be read, and how
-- many sessions have a time that cannot be read (neither can take part in a journey).
with conversions_in_range as (
    select julianday(conv_date || ' ' || conv_time) as conv_day
    from conversions
    where (:start is null or conv_date >= :start) and (:end is null or conv_date <= :end)
),
unreadable_sessions as (
    select count(*) as n from session_sources where julianday(event_date || ' ' || event_time) is null
),
final as (
    select count(*) as conversions, coalesce(sum(conv_day is null), 0) as unreadable,
           (select n from unreadable_sessions) as unreadable_sessions
    from conversions_in_range
)
select * from final
