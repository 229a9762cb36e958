-- Payments per day (UTC) and country of the paying customer. Events whose customer is unknown
-- count under 'unknown', so the day's totals equal transformed.payments.
SELECT
  to_date(p.payment_time) AS payment_date,
  coalesce(c.country, 'unknown') AS country,
  count(*) AS payment_count,
  CAST(sum(p.payment_amount) AS DECIMAL(18,2)) AS payment_total,
  CAST(avg(p.payment_amount) AS DECIMAL(12,2)) AS payment_avg,
  max(p.payment_amount) AS payment_max
FROM transformed.payments p
LEFT JOIN transformed.customers c ON c.customer_id = p.customer_id
GROUP BY to_date(p.payment_time), coalesce(c.country, 'unknown')
