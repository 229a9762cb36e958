-- Revenue of the orders not cancelled, per product line and month of the order date.
SELECT
  trunc(o.order_date, 'MM') AS order_month,
  p.product_line,
  count(DISTINCT o.order_number) AS order_count,
  sum(l.quantity_ordered) AS quantity,
  CAST(sum(l.quantity_ordered * l.price_each) AS DECIMAL(18,2)) AS revenue
FROM transformed.order_lines l
JOIN transformed.orders o ON o.order_number = l.order_number
JOIN transformed.products p ON p.product_code = l.product_code
WHERE o.status <> 'Cancelled'
GROUP BY trunc(o.order_date, 'MM'), p.product_line
