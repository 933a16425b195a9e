-- Cost per date and channel summed over every touchpoint (not only journey touches) in range;
-- {channel_expression} applies the journeys' channel grouping rules.
with final as (
    select ts::date as date, {channel_expression} as channel, sum(coalesce(cost, 0.0)) as spend
    from {schema}.touchpoints
    where ($start is null or ts::date >= $start) and ($end is null or ts::date <= $end)
    group by 1, 2
)
select * from final order by date, channel
