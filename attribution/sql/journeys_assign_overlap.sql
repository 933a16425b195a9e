-- Without reset on conversion: a touch belongs to every counted conversion after it (the
-- lookback window, applied later, bounds how far back). Touches after a user's last counted
-- conversion form the non-converting journey (seq = NULL).
create or replace temp table assigned_touches as
with last_conversion as (
    select user_id, max(ts) as last_ts from counted_conversions group by user_id
),
converting as (
    select t.*, c.seq
    from grouped_touches t
    join counted_conversions c on c.user_id = t.user_id and t.ts <= c.ts
),
after_last as (
    select t.*, null::bigint as seq
    from grouped_touches t
    left join last_conversion l using (user_id)
    where (l.last_ts is null or t.ts > l.last_ts)
      and (not $first_only or l.last_ts is null)
)
select * from converting
union all
select * from after_last
