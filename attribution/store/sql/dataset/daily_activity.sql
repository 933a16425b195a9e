-- Per day and channel: touches and spend; conversions and revenue per day under channel '(all)'.
with touches as (
    select ts::date as date, channel, count(*)::double as touches, 0.0 as conversions,
           0.0 as revenue, 0.0 as spend
    from {schema}.touchpoints group by all
),
conversions as (
    select ts::date as date, '(all)' as channel, 0.0 as touches, count(*)::double as conversions,
           sum(coalesce(revenue, 0)) as revenue, 0.0 as spend
    from {schema}.conversions group by all
),
spend as (
    select date, channel, 0.0 as touches, 0.0 as conversions, 0.0 as revenue, sum(spend) as spend
    from {schema}.spend group by all
),
final as (
    select date, channel, sum(touches) as touches, sum(conversions) as conversions,
           sum(revenue) as revenue, sum(spend) as spend
    from (select * from touches union all select * from conversions union all select * from spend)
    group by all
)
select * from final order by date, channel
