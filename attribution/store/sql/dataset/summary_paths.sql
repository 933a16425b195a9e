-- Headline numbers of an aggregated-paths dataset.
with final as (
    select count(*) as unique_paths, sum(conversions) as conversions, sum(revenue) as revenue,
           sum(nulls) as non_conversions,
           (select count(distinct c) from (select unnest(path) as c from {schema}.paths)) as channels
    from {schema}.paths
)
select * from final
