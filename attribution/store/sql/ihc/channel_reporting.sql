-- SQLite: channel_reporting rebuilt from the four tables. Per channel and session date: the cost of
-- all sessions, and the ihc and ihc x revenue of attributed sessions. Cost and credit are summed
-- separately, so a session in several journeys has its cost counted once.
insert into channel_reporting (channel_name, date, cost, ihc, ihc_revenue)
with session_cost as (
    select s.channel_name, s.event_date as date, sum(coalesce(c.cost, 0.0)) as cost
    from session_sources as s
    left join session_costs as c on c.session_id = s.session_id
    group by s.channel_name, s.event_date
),
session_credit as (
    select s.channel_name, s.event_date as date, sum(a.ihc) as ihc, sum(a.ihc * v.revenue) as ihc_revenue
    from attribution_customer_journey as a
    join session_sources as s on s.session_id = a.session_id
    join conversions as v on v.conv_id = a.conv_id
    group by s.channel_name, s.event_date
),
final as (
    select sc.channel_name, sc.date, sc.cost, coalesce(cr.ihc, 0.0) as ihc,
           coalesce(cr.ihc_revenue, 0.0) as ihc_revenue
    from session_cost as sc
    left join session_credit as cr on cr.channel_name = sc.channel_name and cr.date = sc.date
)
select channel_name, date, cost, ihc, ihc_revenue from final order by channel_name, date
