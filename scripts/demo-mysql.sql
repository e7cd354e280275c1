-- Weir demo, MySQL part: scripts/demo.sh runs it when it could start a
-- throwaway MariaDB (scripts/mariadb.sh) holding shop.orders, with the
-- server's port in place of 3307. Orders are read from the binlog (change
-- data capture), summed per customer in a materialized view, and the view
-- is kept in the MySQL table analytics.revenue. demo.sh then changes the
-- orders in MariaDB and shows the table following them.
-- (docs/tutorial.md walks through the same, step by step.)

-- The sink writes once per checkpoint: every second here (default 5 s).
SET 'checkpoint.interval' = '1s';

-- The MySQL table as a changelog: its rows, then every change from the
-- binlog. Without a column list, the columns come from the server.
CREATE TABLE orders WITH (
  connector = 'mysql-cdc', host = '127.0.0.1', port = 3307,
  user = 'weir', password = 'weir', database = 'shop', table = 'orders');

-- Revenue per customer, kept up to date as orders change.
CREATE MATERIALIZED VIEW revenue AS
  SELECT customer, COUNT(*) AS orders, SUM(amount) AS total
  FROM orders GROUP BY customer;

-- The view into a MySQL table (created with customer as its primary key):
-- upserts and deletes by key, one transaction per checkpoint.
CREATE SINK revenue_out FROM revenue WITH (
  connector = 'mysql', host = '127.0.0.1', port = 3307,
  user = 'weir', password = 'weir', database = 'analytics', table = 'revenue');

-- A push query over the view, until it has all three customers (the four
-- orders of the snapshot), then a pull query answered from its state.
SELECT customer, orders, total FROM revenue EMIT CHANGES LIMIT 3;
SELECT * FROM revenue ORDER BY customer;
