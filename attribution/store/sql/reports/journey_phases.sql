-- Per-touch credit (`credit`) split into journey phases. A touch at position p of k owns the slot
-- [(p-1)/k, p/k] of its journey; early is [0, $early], late is [1-$late, 1], mid the rest, and a
-- touch's credit goes to each phase in proportion to the part of its slot inside that phase.
with lengths as (
    select journey_id, max(n_touches) as k from touches group by journey_id
),
weighted as (
    select c.channel, c.conversions, c.revenue,
           greatest(0.0, least(c.position / l.k, $early) - (c.position - 1) / l.k) * l.k as w_early,
           greatest(0.0, c.position / l.k - greatest((c.position - 1) / l.k, 1 - $late)) * l.k as w_late
    from credit c
    join lengths l using (journey_id)
),
phases as (
    select channel, 'early' as phase, 1 as phase_order, conversions * w_early as conversions,
           revenue * w_early as revenue from weighted
    union all
    select channel, 'mid', 2, conversions * (1 - w_early - w_late), revenue * (1 - w_early - w_late)
    from weighted
    union all
    select channel, 'late', 3, conversions * w_late, revenue * w_late from weighted
),
final as (
    select channel, phase, sum(conversions) as conversions, sum(revenue) as revenue,
           min(phase_order) as phase_order
    from phases
    group by channel, phase
)
select channel, phase, conversions, revenue from final order by channel, phase_order
