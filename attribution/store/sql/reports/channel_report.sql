-- Per channel and period: spend, touches, attributed conversions and revenue.
-- Views: `touches` (journey touches), `credit` (per-touch credit), `spend` (date, channel, spend).
-- $freq: day/week/month, or null for one row per channel. Touches and credit are dated by the
-- conversion ($by_conversion, touches of non-converting journeys by their own date) or by the
-- touch; spend by its date, within [$start, $end]. $touch_cost: spend is the touches' cost.
with dated as (
    select journey_id, position, channel, cost, ts::date as touch_date,
           (case when $by_conversion and converted then conversion_ts else ts end)::date as credit_date
    from touches
),
touch_rows as (
    select channel, case when $freq is null then null else date_trunc($freq, credit_date)::date end as period,
           count(*)::double as touches, 0.0 as conversions, 0.0 as revenue, 0.0 as spend
    from dated group by all
),
credit_rows as (
    select c.channel,
           case when $freq is null then null else date_trunc($freq, d.credit_date)::date end as period,
           0.0 as touches, sum(c.conversions) as conversions, sum(c.revenue) as revenue, 0.0 as spend
    from credit c
    join dated d on d.journey_id = c.journey_id and d.position = c.position
    group by all
),
spend_source as (
    select date::date as date, channel, spend from spend where not $touch_cost
    union all
    select touch_date, channel, cost from dated where $touch_cost
),
spend_rows as (
    select channel, case when $freq is null then null else date_trunc($freq, date)::date end as period,
           0.0 as touches, 0.0 as conversions, 0.0 as revenue, sum(spend) as spend
    from spend_source
    where ($start is null or date >= $start) and ($end is null or date <= $end)
    group by all
),
final as (
    select channel, period, sum(spend) as spend, sum(touches) as touches,
           sum(conversions) as conversions, sum(revenue) as revenue
    from (select * from touch_rows union all select * from credit_rows union all select * from spend_rows)
    group by channel, period
)
select * from final order by channel, period
