-- One row per current customer: profile (name as a keyed hash, phone masked), payments,
-- partner transactions and how much of the credit limit the payments use.
WITH paid AS (
  SELECT
    customer_id,
    count(*) AS payment_count,
    sum(payment_amount) AS payment_total,
    max_by(struct(payment_time, payment_id, payment_amount), struct(payment_time, payment_id)) AS last
  FROM transformed.payments
  GROUP BY customer_id
),
traded AS (
  SELECT
    customer_id,
    count(*) AS transaction_count,
    count_if(approved) AS approved_count,
    sum(amount) AS transaction_total
  FROM transformed.transactions
  GROUP BY customer_id
)
SELECT
  c.customer_id,
  protect_name(c.customer_name) AS customer_key,
  protect_phone(c.phone) AS phone,
  c.city,
  c.state,
  c.postal_code,
  c.country,
  c.sales_rep_employee_number,
  c.credit_limit,
  coalesce(paid.payment_count, 0) AS payment_count,
  CAST(coalesce(paid.payment_total, 0) AS DECIMAL(18,2)) AS payment_total,
  paid.last.payment_time AS last_payment_time,
  paid.last.payment_amount AS last_payment_amount,
  coalesce(traded.transaction_count, 0) AS transaction_count,
  CAST(coalesce(traded.transaction_total, 0) AS DECIMAL(18,2)) AS transaction_total,
  CAST(CAST(traded.approved_count AS DECIMAL(10,0)) / traded.transaction_count AS DECIMAL(5,4))
    AS approval_rate,
  CASE WHEN c.credit_limit > 0
    THEN CAST(coalesce(paid.payment_total, 0) / c.credit_limit AS DECIMAL(12,4))
  END AS credit_utilization
FROM transformed.customers c
LEFT JOIN paid ON paid.customer_id = c.customer_id
LEFT JOIN traded ON traded.customer_id = c.customer_id
