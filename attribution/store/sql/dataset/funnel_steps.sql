-- Users reaching each funnel step. {table}.{step_column} names the steps (conversion stages or
-- touch interaction types, whitelisted in funnels.py); $steps lists them in funnel order.
-- users: reached step 1, then each later step at or after the previous one (in order);
-- users_any: had an event of this step in the range, whatever else they did.
with recursive first_touch as (
    select user_id, arg_min(channel, (ts, channel)) as first_channel
    from {schema}.touchpoints
    group by user_id
),
events as (
    select e.user_id, e.ts, list_position($steps, e.{step_column}) as step
    from {schema}.{table} e
    left join first_touch f using (user_id)
    where list_contains($steps, e.{step_column})
      and ($start is null or e.ts::date >= $start)
      and ($end is null or e.ts::date <= $end)
      and ($channels is null or list_contains($channels, f.first_channel))
),
reached (user_id, step, ts) as (
    select user_id, 1, min(ts) from events where step = 1 group by user_id
    union all
    select r.user_id, r.step + 1, min(e.ts)
    from reached r
    join events e on e.user_id = r.user_id and e.step = r.step + 1 and e.ts >= r.ts
    group by r.user_id, r.step
),
in_order as (
    select step, count(*) as users from reached group by step
),
any_order as (
    select step, count(distinct user_id) as users_any from events group by step
),
steps as (
    select unnest(generate_series(1, len($steps))) as step
),
final as (
    select s.step::integer as step, $steps[s.step] as name,
           coalesce(o.users, 0)::bigint as users, coalesce(a.users_any, 0)::bigint as users_any
    from steps s
    left join in_order o using (step)
    left join any_order a using (step)
)
select * from final order by step
