-- Headline numbers of a journeys dataset.
with touches as (
    select count(*) as touchpoints, count(distinct user_id) as touch_users,
           count(distinct channel) as channels, min(ts) as first_touch, max(ts) as last_touch,
           sum(coalesce(cost, 0)) as touch_cost
    from {schema}.touchpoints
),
conversions as (
    select count(*) as conversions, sum(coalesce(revenue, 0)) as revenue, min(ts) as first_conversion,
           max(ts) as last_conversion
    from {schema}.conversions
),
users as (
    select count(*) as users from (
        select user_id from {schema}.touchpoints union select user_id from {schema}.conversions)
),
spend as (
    select sum(spend) as spend, count(distinct channel) as spend_channels from {schema}.spend
),
final as (
    select users.users, touches.touchpoints, conversions.conversions, conversions.revenue,
           spend.spend, touches.touch_cost, touches.channels, spend.spend_channels,
           least(touches.first_touch, conversions.first_conversion)::date as first_date,
           greatest(touches.last_touch, conversions.last_conversion)::date as last_date
    from touches, conversions, users, spend
)
select * from final
