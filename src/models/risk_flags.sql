-- One row per risk signal: a payment or a partner transaction above the customer's credit limit,
-- a customer with at least 3 declined transactions of which more than half were declined, and a
-- payment from a customer the customer table does not know.
SELECT
  'payment_over_credit_limit' AS flag,
  p.customer_id,
  p.payment_id AS reference_id,
  to_date(p.payment_time) AS event_date,
  CAST(p.payment_amount AS DECIMAL(18,2)) AS amount,
  c.credit_limit,
  concat('payment of ', p.payment_amount, ' above the credit limit of ', c.credit_limit) AS detail
FROM transformed.payments p
JOIN transformed.customers c ON c.customer_id = p.customer_id
WHERE p.payment_amount > c.credit_limit

UNION ALL

SELECT
  'transaction_over_credit_limit',
  t.customer_id,
  t.transaction_id,
  t.transaction_date,
  CAST(t.amount AS DECIMAL(18,2)),
  c.credit_limit,
  concat('transaction of ', t.amount, ' above the credit limit of ', c.credit_limit)
FROM transformed.transactions t
JOIN transformed.customers c ON c.customer_id = t.customer_id
WHERE t.amount > c.credit_limit

UNION ALL

SELECT
  'many_declined_transactions',
  customer_id,
  CAST(NULL AS STRING),
  max(transaction_date),
  CAST(sum(CASE WHEN NOT approved THEN amount END) AS DECIMAL(18,2)),
  CAST(NULL AS DECIMAL(10,2)),
  concat(count_if(NOT approved), ' of ', count(*), ' transactions declined')
FROM transformed.transactions
GROUP BY customer_id
HAVING count_if(NOT approved) >= 3 AND count_if(NOT approved) * 2 > count(*)

UNION ALL

SELECT
  'payment_from_unknown_customer',
  p.customer_id,
  p.payment_id,
  to_date(p.payment_time),
  CAST(p.payment_amount AS DECIMAL(18,2)),
  CAST(NULL AS DECIMAL(10,2)),
  concat('customer ', p.customer_id, ' is not in transformed.customers')
FROM transformed.payments p
LEFT ANTI JOIN transformed.customers c ON c.customer_id = p.customer_id
