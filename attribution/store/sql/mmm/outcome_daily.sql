-- Conversions and revenue per day inside the spend table's date range (optionally one stage only).
with spend_range as (
    select min(date) as first_day, max(date) as last_day from {schema}.spend
),
source as (
    select c.ts::date as day, coalesce(c.revenue, 0) as revenue
    from {schema}.conversions as c, spend_range as r
    where c.ts is not null
      and c.ts::date between r.first_day and r.last_day
      and ($stage::varchar is null or c.stage = $stage)
),
final as (
    select day, count(*)::double as conversions, sum(revenue) as revenue
    from source
    group by all
)
select * from final order by day
