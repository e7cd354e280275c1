-- Weir demo: a Kafka stream on the embedded broker, rows written and read
-- back by a push query, the Nexmark generator, a persistent query from the
-- generator into a topic, and a windowed materialized view with push and
-- pull queries on it.
-- Run with: build/cli/weir --echo -f scripts/demo.sql

-- Bids arriving on the Kafka topic 'bids' as JSON. Event time is date_time;
-- the watermark lets rows arrive up to 4 seconds out of order. No
-- bootstrap.servers is set anywhere, so the first statement that needs
-- Kafka starts an embedded broker and prints its address.
CREATE STREAM bids (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR,
  date_time TIMESTAMP(3),
  WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND
) WITH (connector = 'kafka', topic = 'bids', format = 'json', partitions = 4);

INSERT INTO bids VALUES
  (1, 10, 300, 'web', TIMESTAMP '2026-01-01 00:00:00'),
  (1, 11, 1500, 'app', TIMESTAMP '2026-01-01 00:00:01'),
  (2, 12, 2500, 'web', TIMESTAMP '2026-01-01 00:00:02'),
  (3, 13, 800, 'app', TIMESTAMP '2026-01-01 00:00:03');

-- A push query: the bids above 1000, as they arrive (LIMIT ends it).
SELECT auction, bidder, price, channel FROM bids WHERE price > 1000 EMIT CHANGES LIMIT 2;

-- The Nexmark generator needs no Kafka: 100,000 events, as fast as possible.
CREATE STREAM nexmark_bids WITH (
  connector = 'nexmark', table = 'bid', max-events = 100000, events-per-second = 1000000000);
SELECT auction, price, UPPER(channel) AS channel
  FROM nexmark_bids WHERE price > 5000000 EMIT CHANGES LIMIT 5;

-- A persistent query: the generator's bids above 5,000,000, written as JSON
-- to the Kafka topic 'big-bids' in the background. It ends by itself once
-- the generator's 100,000 events are done; SHOW QUERIES shows its progress.
CREATE STREAM big_bids (auction BIGINT, price BIGINT, channel VARCHAR)
  WITH (connector = 'kafka', topic = 'big-bids', format = 'json');
INSERT INTO big_bids SELECT auction, price, channel FROM nexmark_bids WHERE price > 5000000;

-- Read back what it writes, as it arrives.
SELECT auction, price, channel FROM big_bids EMIT CHANGES LIMIT 3;

SHOW QUERIES;
SHOW STREAMS;

-- A materialized view: per auction and 10-second window, how many bids and
-- the highest price. It runs at once, in the background, reading the bids
-- topic from its start, and keeps one row per (window, auction) in the
-- state store, updated as bids arrive.
CREATE MATERIALIZED VIEW auction_stats AS
  SELECT window_start, window_end, auction,
         COUNT(*) AS bids, MAX(price) AS top_price
  FROM TUMBLE(bids, date_time, INTERVAL '10' SECOND)
  GROUP BY window_start, window_end, auction;

-- A push query over the view: its rows, then its changes, as they come.
-- The filter keeps each auction's row once it counts all its bids above
-- (auction 1 has two), so LIMIT 3 ends it when the view has read them all.
SELECT auction, bids, top_price FROM auction_stats
  WHERE (auction = 1 AND bids = 2) OR auction IN (2, 3) EMIT CHANGES LIMIT 3;

-- A pull query (no EMIT): the view's rows, answered at once from its state.
SELECT auction, bids, top_price, window_start FROM auction_stats ORDER BY auction;

-- The view's query runs until the view is dropped.
DROP MATERIALIZED VIEW auction_stats;
