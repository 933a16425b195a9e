-- The distinct values of a funnel step column with how many users reached each, most first.
with source as (
    select user_id, {step_column} as name
    from {schema}.{table}
    where {step_column} is not null
),
final as (
    select name, count(distinct user_id) as users from source group by name
)
select * from final order by users desc, name
