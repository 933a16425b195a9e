-- Spend per day and channel: the media input of the media-mix model.
with source as (
    select date, channel, coalesce(spend, 0) as spend
    from {schema}.spend
    where date is not null and channel is not null
),
final as (
    select date, channel, sum(spend) as spend
    from source
    group by all
)
select * from final order by date, channel
