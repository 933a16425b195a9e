-- Spend per date and channel from the spend table, within [$start, $end].
with final as (
    select date, channel, sum(spend) as spend
    from {schema}.spend
    where ($start is null or date >= $start) and ($end is null or date <= $end)
    group by date, channel
)
select * from final order by date, channel
