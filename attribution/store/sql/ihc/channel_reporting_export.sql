-- SQLite: channel_reporting rows dated :start..:end (NULL = open).
select channel_name, date, cost, ihc, ihc_revenue
from channel_reporting
where (:start is null or date >= :start) and (:end is null or date <= :end)
order by channel_name, date
