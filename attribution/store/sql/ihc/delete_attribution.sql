-- SQLite: forget earlier results of the conversions in :start..:end (all when both are NULL).
delete from attribution_customer_journey
where (:start is null and :end is null)
   or conv_id in (
       select conv_id from conversions
       where (:start is null or conv_date >= :start) and (:end is null or conv_date <= :end))
