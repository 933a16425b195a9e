-- Spend per date and channel from the spend table, within [$start, $end]. {channel_expression}
-- applies the journeys' channel grouping rules (spend has no interaction column: rules on it
-- never match here), so spend lands on the same channel names as the credit.
with grouped as (
    select date, {channel_expression} as channel, spend
    from (select *, cast(null as varchar) as interaction from {schema}.spend)
    where ($start is null or date >= $start) and ($end is null or date <= $end)
),
final as (
    select date, channel, sum(spend) as spend
    from grouped
    group by date, channel
)
select * from final order by date, channel
